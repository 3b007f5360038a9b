"""Exploration of maximum-entropy policies: with a near goal of small reward and a far goal of
large reward, and no other reward, which temperatures find and keep the far goal?

Run as ``python -m examples.exploration.main --output-dir DIR [--quick]``.

The task is MultiGoal's point mass with two goals and nothing else rewarded
(``goals=[[2, 0], [-5, 0]]``, ``goal_reward=[1, 10]``, no action or distance cost; an episode
ends at a goal or after 30 steps). From the origin the near goal is 2 away (reward 1), the far
one 5 away in the opposite direction (reward 10). For each temperature T of ``--temperatures``
and each of ``--seeds`` seeds: SAC with ``fixed_alpha = T``, and SQL with ``reward_scale =
1 / T`` (its temperature is 1; scaling the reward by 1/T is the same soft-optimal policy as
temperature T), each for ``--steps`` environment steps after a short uniform warm-up.

Written into ``--output-dir``: ``exploration.csv`` (algorithm, temperature, seed, the goal the
final deterministic policy reaches, the shares of ``--rollouts`` stochastic rollouts that
reach the far and the near goal, the first training step whose episode reached the far goal),
``exploration.png`` (against T, per algorithm: the fraction of seeds whose training reached
the far goal after the warm-up, the fraction whose final deterministic policy reaches it, the
share of the final policy's stochastic rollouts that do) and one JSON per run under ``runs/`` (a run whose JSON exists is not repeated).
"""
import argparse
import csv
import json
import os

import numpy as np

from examples.common import prepare_output, pyplot, save_figure

GOALS = [[2.0, 0.0], [-5.0, 0.0]]
GOAL_REWARDS = [1.0, 10.0]
NEAR, FAR = 0, 1
ALGORITHMS = ("SAC", "SQL")
COLUMNS = ("algorithm", "temperature", "seed", "final_goal", "stochastic_far_share",
           "stochastic_near_share", "first_far_step")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="./exploration_output")
    parser.add_argument("--temperatures", type=float, nargs="+",
                        default=[0.01, 0.03, 0.1, 0.3, 1.0])
    parser.add_argument("--algorithms", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rollouts", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: temperatures 0.1 and 1, 1 seed, 300 steps, small "
                             "networks, 3 rollouts")
    args = parser.parse_args(argv)
    if args.quick:
        args.temperatures, args.seeds, args.steps = [0.1, 1.0], 1, 300
        args.warmup, args.rollouts = 100, 3
    if any(not temperature > 0 for temperature in args.temperatures):
        parser.error("--temperatures must all be positive")
    for name in ("seeds", "steps", "rollouts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")
    if not 0 < args.warmup < args.steps:
        parser.error("--warmup must be in (0, --steps)")
    return args


def variant_of(args, algorithm, temperature, seed):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant(algorithm, "gymnasium", "MultiGoal", "Default-v0", seed)
    config = "algorithm_params.config"
    overrides = [f"{config}.n_epochs={max(args.steps // 100, 1)}",
                 f"{config}.n_initial_exploration_steps={args.warmup}",
                 f"{config}.min_pool_size={args.warmup}"]
    if algorithm == "SAC":
        overrides.append(f"{config}.fixed_alpha={temperature}")
    else:
        overrides.append(f"{config}.reward_scale={1.0 / temperature}")
    if args.quick:
        overrides += ["policy_params.config.hidden_layer_sizes=[32,32]",
                      "Q_params.config.hidden_layer_sizes=[32,32]", f"{config}.batch_size=32"]
    variant = apply_overrides(variant, overrides)
    for role in ("training", "evaluation"):
        variant["environment_params"][role]["kwargs"].update(
            goals=GOALS, goal_reward=GOAL_REWARDS, action_cost_coeff=0.0,
            distance_cost_coeff=0.0)
    return variant


def first_far_step(experiment):
    """The first environment step of training whose transition earned the far goal's reward."""
    rewards = np.asarray(experiment.pool.state_dict()["transitions"]["rewards"]).ravel()
    hits = np.flatnonzero(rewards >= GOAL_REWARDS[FAR])
    return int(hits[0]) + 1 if len(hits) else None


def run(args, algorithm, temperature, seed):
    from examples.multi_goal.plotting import stochastic_rollouts
    from softlearning_tf2.experiments.experiment import Experiment
    from softlearning_tf2.samplers.utils import rollout

    experiment = Experiment(variant_of(args, algorithm, temperature, seed))
    experiment.train()
    environment = experiment.evaluation_environment
    environment.reset(seed=10_000 + seed)
    path = rollout(environment, lambda observation: experiment.policy.action(
        observation, deterministic=True), experiment.sampler.max_path_length)
    final = path["infos"][-1]["goal_index"] if path["terminated"] else -1
    paths = stochastic_rollouts(environment, experiment.policy, args.rollouts,
                                experiment.sampler.max_path_length)
    goals = np.array([item["goal_index"] for item in paths])
    result = {"algorithm": algorithm, "temperature": temperature, "seed": seed,
              "final_goal": {NEAR: "near", FAR: "far"}.get(final, "none"),
              "stochastic_far_share": float(np.mean(goals == FAR)),
              "stochastic_near_share": float(np.mean(goals == NEAR)),
              "first_far_step": first_far_step(experiment)}
    experiment.close()
    return result


def draw(path, rows, temperatures, warmup):
    plt = pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    seeds = len({row["seed"] for row in rows})
    panels = (
        (f"fraction of {seeds} seeds whose training\nreached the far goal after the warm-up",
         lambda runs: np.mean([(row["first_far_step"] or 0) > warmup for row in runs])),
        (f"fraction of {seeds} seeds whose final\ndeterministic policy reaches the far goal",
         lambda runs: np.mean([row["final_goal"] == "far" for row in runs])),
        ("share of the final policy's stochastic rollouts\nreaching the far goal (mean over "
         "seeds)", lambda runs: np.mean([row["stochastic_far_share"] for row in runs])))
    for axis, (label, measure) in zip(axes, panels):
        for algorithm in sorted({row["algorithm"] for row in rows}):
            values = [measure([row for row in rows if row["algorithm"] == algorithm
                               and row["temperature"] == temperature])
                      for temperature in temperatures]
            axis.plot(temperatures, values, marker="o", label=algorithm)
        axis.set_ylabel(label)
        axis.set_xscale("log")
        axis.set_xlabel("temperature T (SAC: alpha; SQL: 1 / reward scale)")
        axis.set_ylim(-0.05, 1.05)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle("near goal: 2 away, reward 1; far goal: 5 away, reward 10; no other reward",
                    fontsize=10)
    save_figure(figure, path)


def main(argv=None):
    args = parse_args(argv)
    output = prepare_output(args.output_dir, "runs")
    rows = []
    for algorithm in args.algorithms:
        for temperature in args.temperatures:
            for seed in range(args.seeds):
                path = os.path.join(output, "runs", f"{algorithm}-T{temperature:g}-seed{seed}"
                                                    f"-steps{args.steps}.json")
                if not os.path.exists(path):
                    result = run(args, algorithm, temperature, seed)
                    with open(path, "w") as file:
                        json.dump(result, file)
                with open(path) as file:
                    rows.append(json.load(file))
                print(json.dumps(rows[-1]), flush=True)
    with open(os.path.join(output, "exploration.csv"), "w", newline="") as file:
        writer = csv.DictWriter(file, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    draw(os.path.join(output, "exploration.png"), rows, args.temperatures, args.warmup)
    return rows


if __name__ == "__main__":
    main()
