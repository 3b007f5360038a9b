"""Stable-Baselines3 SAC + HerReplayBuffer on a gymnasium-robotics goal task, evaluated the way
``benchmarks.hindsight`` evaluates ours. Runs in the Stable-Baselines3 virtual
environment of benchmarks/README.md's peers (``$SB3_VENV``; ``pip install gymnasium-robotics==1.4.2
mujoco==3.17.0`` there), never inside the project's own environment:

    /tmp/sb3-venv/bin/python benchmarks/sb3_her.py ENV_ID STEPS SEEDS EVAL_EVERY EVAL_EPISODES \\
        LEARNING_STARTS OUT_DIR

Settings matched to our default goal-task variant: SAC's defaults of arXiv:1812.05905 (two
256-unit layers, Adam 3e-4, batch 256, discount 0.99, tau 0.005, one update per step, learned
temperature from 1, target entropy -|A|), HER "future" with 4 relabelled goals per real one,
LEARNING_STARTS uniformly random steps first. Writes ``seed{N}.csv`` (environment steps,
success rate, return) and ``seed{N}.json`` per seed into OUT_DIR (``benchmarks.hindsight``'s
``sb3-future`` directory) and skips seeds already finished.
"""
import csv
import json
import os
import resource
import sys
import time

import gymnasium
import gymnasium_robotics
import numpy as np
import torch
from stable_baselines3 import SAC, HerReplayBuffer
from stable_baselines3.common.callbacks import BaseCallback

gymnasium.register_envs(gymnasium_robotics)


def load_robotics_compatibility():
    """The project's fix of gymnasium-robotics' joint helpers (the Fetch tasks fail to reset
    without it), loaded by path: the project itself is not installed here."""
    import importlib.util

    from gymnasium_robotics.utils import mujoco_utils

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "softlearning_tf2", "environments", "robotics_compatibility.py")
    spec = importlib.util.spec_from_file_location("robotics_compatibility", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.patch_joint_helpers(mujoco_utils)


load_robotics_compatibility()


def success_of(info):
    for key in ("is_success", "success"):
        if key in info:
            return float(bool(info[key]))
    raise KeyError("the environment reports no success")


class Evaluate(BaseCallback):
    """Every ``every`` steps: ``episodes`` deterministic episodes on a separate environment."""

    def __init__(self, env_id, every, episodes, seed, path):
        super().__init__()
        self.environment = gymnasium.make(env_id)
        self.environment.reset(seed=seed + 10_000)
        self.every, self.episodes, self.path = every, episodes, path
        self.rows = []

    def _on_step(self):
        if self.num_timesteps % self.every == 0:
            successes, returns = [], []
            for _ in range(self.episodes):
                observation, _ = self.environment.reset()
                total, done, info = 0.0, False, {}
                while not done:
                    action, _ = self.model.predict(observation, deterministic=True)
                    observation, reward, terminated, truncated, info = \
                        self.environment.step(action)
                    total += reward
                    done = terminated or truncated
                successes.append(success_of(info))
                returns.append(total)
            self.rows.append((self.num_timesteps, float(np.mean(successes)),
                              float(np.mean(returns))))
            with open(self.path, "w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(["environment_steps", "evaluation_success_rate",
                                 "evaluation_return"])
                writer.writerows(self.rows)
            print(json.dumps({"step": self.num_timesteps, "success": self.rows[-1][1]}),
                  flush=True)
        return True


def main(env_id, steps, seeds, every, episodes, learning_starts, out_dir):
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    for seed in range(seeds):
        if os.path.exists(os.path.join(out_dir, f"seed{seed}.json")):
            continue
        environment = gymnasium.make(env_id)
        model = SAC("MultiInputPolicy", environment, seed=seed, learning_rate=3e-4,
                    buffer_size=1_000_000, learning_starts=learning_starts, batch_size=256,
                    tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                    replay_buffer_class=HerReplayBuffer,
                    replay_buffer_kwargs={"n_sampled_goal": 4,
                                          "goal_selection_strategy": "future"},
                    policy_kwargs={"net_arch": [256, 256]}, verbose=0)
        callback = Evaluate(env_id, every, episodes, seed,
                            os.path.join(out_dir, f"seed{seed}.csv"))
        start = time.perf_counter()
        model.learn(total_timesteps=steps, callback=callback)
        wall = time.perf_counter() - start
        figures = {"wall_s_this_sitting": wall, "resumed_from": None,
                   "environment_steps_per_s_while_learning": None,
                   "environment_steps_per_s_overall": steps / wall,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                   "torch_threads": 1}
        with open(os.path.join(out_dir, f"seed{seed}.json"), "w") as file:
            json.dump(figures, file, indent=1)


if __name__ == "__main__":
    env_id, steps, seeds, every, episodes, learning_starts, out_dir = sys.argv[1:8]
    main(env_id, int(steps), int(seeds), int(every), int(episodes), int(learning_starts),
         out_dir)
