"""Composing soft Q functions (Haarnoja et al. 2017, arXiv:1702.08165, Sec. 6; Haarnoja et al.
2018, arXiv:1803.06773): act on Q_A + Q_B for the reward r_A + r_B, without training on it.

Run as ``python -m examples.composition.main --output-dir DIR [--quick]``.

On ``PointTargets-Default-v0`` (a point mass pulled to its targets by squared distances):
task A has the target (5, 0), task B the target (0, 5), each half the action cost; their sum
is task A+B (both targets, the whole action cost), whose optimum lies between them. For each
seed:

1. SQL trains a soft Q function on A and one on B (``--steps`` environment steps each).
2. **Composed**: ``MCMCSamplerPolicy`` with ``combine="sum"`` acts by Langevin MCMC on
   Q_A(s, a) + Q_B(s, a) on task A+B, with no training on A+B.
3. **From scratch**: SQL trains on A+B for 2 x ``--steps`` steps (as many as A and B
   together), evaluated every 100 steps.

Written into ``--output-dir``: ``composition.csv`` (per seed: the composed policy's
deterministic return and the mean return of ``--rollouts`` stochastic rollouts on A+B, its final
distance to A+B's optimum, the from-scratch run's final return, and the environment steps the
from-scratch run needed to first match the composed policy's deterministic return: the steps
composition saves, beside the 2 x ``--steps`` that A and B took), ``curves.csv`` (the from-scratch
evaluation returns) and ``composition.png`` (seed 0's paths of the four policies; the
from-scratch curve against the composed return). Runs are kept under ``runs/`` (JSON per seed:
a seed whose JSON exists is not repeated).
"""
import argparse
import json
import os

import numpy as np

from examples.common import (
    finish_axis, plot_mean_and_range, prepare_output, pyplot, save_figure, write_csv)

TARGET_A, TARGET_B = [5.0, 0.0], [0.0, 5.0]
OPTIMUM = np.array([2.5, 2.5])  # of the summed squared distances
TASKS = {
    "A": {"targets": [TARGET_A], "action_cost_coeff": 0.5},
    "B": {"targets": [TARGET_B], "action_cost_coeff": 0.5},
    "A+B": {"targets": [TARGET_A, TARGET_B], "action_cost_coeff": 1.0},
}
REWARD_SCALE = 0.1  # temperature 10 in reward units: Q values of a few units for the sampler
COLUMNS = ("seed", "composed_deterministic_return", "composed_stochastic_return",
           "composed_final_distance_to_optimum", "scratch_final_return",
           "scratch_steps_to_match_composed", "steps_on_parts")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="./composition_output")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3000,
                        help="environment steps of SQL on each part (A+B from scratch: twice)")
    parser.add_argument("--rollouts", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1 seed, 300 steps per part, small networks")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps, args.rollouts = 1, 300, 3
    for name in ("seeds", "steps", "rollouts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")
    return args


def variant_of(task, seed, steps, quick):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant("SQL", "gymnasium", "PointTargets", "Default-v0", seed)
    config = "algorithm_params.config"
    overrides = [f"{config}.n_epochs={max(steps // 100, 1)}",
                 f"{config}.reward_scale={REWARD_SCALE}",
                 f"{config}.n_initial_exploration_steps={min(300, steps // 2)}",
                 f"{config}.min_pool_size={min(300, steps // 2)}"]
    if quick:
        overrides += ["policy_params.config.hidden_layer_sizes=[32,32]",
                      "Q_params.config.hidden_layer_sizes=[32,32]", f"{config}.batch_size=32"]
    variant = apply_overrides(variant, overrides)
    for role in ("training", "evaluation"):
        variant["environment_params"][role]["kwargs"].update(TASKS[task])
    return variant


def rollout_positions(environment, act, length, seed):
    from softlearning_tf2.samplers.utils import rollout

    path = rollout(environment, act, length, reset_seed=seed)
    return np.array([info["position"] for info in path["infos"]]), path["return"]


def run_seed(args, seed):
    from softlearning_tf2.experiments.experiment import Experiment
    from softlearning_tf2.policies.mcmc_sampler_policy import MCMCSamplerPolicy

    parts, paths = {}, {}
    for task in ("A", "B"):
        experiment = Experiment(variant_of(task, seed, args.steps, args.quick))
        experiment.train()
        positions, _ = rollout_positions(
            experiment.evaluation_environment,
            lambda observation, e=experiment: e.policy.action(observation, deterministic=True),
            experiment.sampler.max_path_length, 10_000 + seed)
        paths[task] = positions.tolist()
        parts[task] = experiment

    scratch = Experiment(variant_of("A+B", seed, 2 * args.steps, args.quick))
    curve = [(row["timestep"], row["evaluation/episode-reward-mean"]) for row in scratch.train()]
    environment, length = scratch.evaluation_environment, scratch.sampler.max_path_length
    positions, scratch_return = rollout_positions(
        environment, lambda observation: scratch.policy.action(observation, deterministic=True),
        length, 10_000 + seed)
    paths["A+B from scratch"] = positions.tolist()

    Qs = [parts[task].networks["Qs"][0] for task in ("A", "B")]
    composed = MCMCSamplerPolicy(2, 2, Qs, combine="sum", seed=seed)
    positions, composed_return = rollout_positions(
        environment, lambda observation: composed.action(observation, deterministic=True),
        length, 10_000 + seed)
    paths["composed Q_A + Q_B"] = positions.tolist()
    stochastic = [rollout_positions(environment, composed.action, length, 20_000 + seed + index)
                  for index in range(args.rollouts)]
    matched = [steps for steps, value in curve if value >= composed_return]
    for experiment in (*parts.values(), scratch):
        experiment.close()
    return {"seed": seed,
            "composed_deterministic_return": composed_return,
            "composed_stochastic_return": float(np.mean([value for _, value in stochastic])),
            "composed_final_distance_to_optimum": float(np.linalg.norm(
                np.array(paths["composed Q_A + Q_B"][-1]) - OPTIMUM)),
            "scratch_final_return": scratch_return,
            "scratch_steps_to_match_composed": matched[0] if matched else None,
            "steps_on_parts": 2 * args.steps,
            "curve": curve, "paths": paths}


def draw(path, results):
    plt = pyplot()
    figure, (paths_axis, curve_axis) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, positions in results[0]["paths"].items():
        positions = np.asarray(positions)
        paths_axis.plot(positions[:, 0], positions[:, 1], marker=".", label=name)
    for target in (TARGET_A, TARGET_B):
        paths_axis.scatter(*target, marker="*", s=150, c="k")
    paths_axis.scatter(*OPTIMUM, marker="x", s=80, c="k", label="optimum of A+B")
    paths_axis.set_xlim(-1, 6)
    paths_axis.set_ylim(-1, 6)
    paths_axis.set_aspect("equal")
    paths_axis.set_title("deterministic paths, seed 0", fontsize=10)
    paths_axis.legend(fontsize=7)
    steps = [point[0] for point in results[0]["curve"]]
    plot_mean_and_range(curve_axis, steps, [[point[1] for point in result["curve"]]
                                            for result in results],
                        "SQL on A+B from scratch", color="tab:blue")
    composed = [result["composed_deterministic_return"] for result in results]
    curve_axis.axhline(np.mean(composed), color="tab:red",
                       label="Q_A + Q_B composed (no training on A+B)")
    curve_axis.axhspan(min(composed), max(composed), color="tab:red", alpha=0.15)
    finish_axis(curve_axis, "environment steps on A+B", "evaluation return on A+B (deterministic)",
                f"mean and range over {len(results)} seed(s)")
    save_figure(figure, path)


def main(argv=None):
    args = parse_args(argv)
    output = prepare_output(args.output_dir, "runs")
    results = []
    for seed in range(args.seeds):
        path = os.path.join(output, "runs", f"seed{seed}-steps{args.steps}.json")
        if not os.path.exists(path):
            result = run_seed(args, seed)  # before opening: a failed run leaves no file
            with open(path, "w") as file:
                json.dump(result, file)
        with open(path) as file:
            results.append(json.load(file))
        print(json.dumps({key: results[-1][key] for key in COLUMNS}), flush=True)
    write_csv(os.path.join(output, "composition.csv"), COLUMNS,
              [[result[key] for key in COLUMNS] for result in results])
    write_csv(os.path.join(output, "curves.csv"),
              ("seed", "environment_steps", "scratch_evaluation_return"),
              [(result["seed"], steps, value) for result in results
               for steps, value in result["curve"]])
    draw(os.path.join(output, "composition.png"), results)
    return results


if __name__ == "__main__":
    main()
