"""Stable-Baselines3 DQN with the RL Baselines3 Zoo's hyperparameters, evaluated the way
``benchmarks.discrete`` evaluates our agents. Runs in the Stable-Baselines3 virtual
environment of benchmarks/README.md's peers (``$SB3_VENV``; ``pip install box2d==2.3.10`` there for
LunarLander), never inside the project's own environment:

    /tmp/sb3-venv/bin/python benchmarks/sb3_dqn.py ENV_ID STEPS SEED EVAL_EVERY EVAL_EPISODES OUT.csv

Writes OUT.csv (timestep, evaluation return) and prints one JSON line (wall time, steps/s).
"""
import csv
import json
import sys
import time

import gymnasium
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.callbacks import BaseCallback

# rl-baselines3-zoo hyperparams/dqn.yml (LunarLander's entry is for v2; v3 differs only in
# bug fixes of the simulation). ``n_timesteps`` is the zoo's training length: the exploration
# schedule keeps its absolute length (exploration_fraction * n_timesteps steps) whatever STEPS is.
ZOO = {
    "CartPole-v1": dict(n_timesteps=5e4, learning_rate=2.3e-3, batch_size=64,
                        buffer_size=100_000, learning_starts=1000, gamma=0.99,
                        target_update_interval=10, train_freq=256, gradient_steps=128,
                        exploration_fraction=0.16, exploration_final_eps=0.04),
    "Acrobot-v1": dict(n_timesteps=1e5, learning_rate=6.3e-4, batch_size=128,
                       buffer_size=50_000, learning_starts=0, gamma=0.99,
                       target_update_interval=250, train_freq=4, gradient_steps=-1,
                       exploration_fraction=0.12, exploration_final_eps=0.1),
    "LunarLander-v3": dict(n_timesteps=1e5, learning_rate=6.3e-4, batch_size=128,
                           buffer_size=50_000, learning_starts=0, gamma=0.99,
                           target_update_interval=250, train_freq=4, gradient_steps=-1,
                           exploration_fraction=0.12, exploration_final_eps=0.1),
}


class Evaluate(BaseCallback):
    """Every ``every`` steps: ``episodes`` deterministic episodes on a separate environment."""

    def __init__(self, env_id, every, episodes, seed):
        super().__init__()
        self.environment = gymnasium.make(env_id)
        self.environment.reset(seed=seed + 10_000)
        self.every, self.episodes = every, episodes
        self.rows = []
        self.evaluation_seconds = 0.0
        self.learning_start = None  # time when updates start (after learning_starts)
        self.evaluation_seconds_while_learning = 0.0

    def _on_step(self):
        if self.learning_start is None and self.num_timesteps > self.model.learning_starts:
            self.learning_start = (time.perf_counter(), self.num_timesteps)
        if self.num_timesteps % self.every == 0:
            start = time.perf_counter()
            returns = []
            for _ in range(self.episodes):
                observation, _ = self.environment.reset()
                done, total = False, 0.0
                while not done:
                    action, _ = self.model.predict(observation, deterministic=True)
                    observation, reward, terminated, truncated, _ = self.environment.step(action)
                    total += float(reward)
                    done = terminated or truncated
                returns.append(total)
            self.rows.append((self.num_timesteps, float(np.mean(returns))))
            self.evaluation_seconds += time.perf_counter() - start
            if self.learning_start is not None:
                self.evaluation_seconds_while_learning += time.perf_counter() - start
        return True


def main():
    env_id, steps, seed, every, episodes, out = sys.argv[1:7]
    steps, seed, every, episodes = int(steps), int(seed), int(every), int(episodes)
    torch.set_num_threads(int(sys.argv[7]) if len(sys.argv) > 7 else 1)
    settings = dict(ZOO[env_id])
    schedule_steps = settings.pop("exploration_fraction") * settings.pop("n_timesteps")
    model = DQN("MlpPolicy", env_id, policy_kwargs=dict(net_arch=[256, 256]), device="cpu",
                seed=seed, verbose=0, exploration_fraction=min(1.0, schedule_steps / steps),
                **settings)
    callback = Evaluate(env_id, every, episodes, seed)
    start = time.perf_counter()
    model.learn(total_timesteps=steps, callback=callback)
    end = time.perf_counter()
    wall = end - start
    learning_start, learning_first_step = callback.learning_start
    learning_seconds = end - learning_start - callback.evaluation_seconds_while_learning
    with open(out, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timestep", "evaluation_return"])
        writer.writerows(callback.rows)
    print(json.dumps({"wall_s": wall, "evaluation_s": callback.evaluation_seconds,
                      "env_steps_per_s": steps / wall,
                      "env_steps_per_s_without_evaluation":
                          steps / (wall - callback.evaluation_seconds),
                      "env_steps_per_s_while_learning":
                          (steps - learning_first_step) / learning_seconds}))


if __name__ == "__main__":
    main()
