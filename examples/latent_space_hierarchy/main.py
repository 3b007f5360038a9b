"""Two levels of latent-space policies (Haarnoja et al. 2018, arXiv:1804.02808) on MultiGoal.

Run as ``python -m examples.latent_space_hierarchy.main --output-dir DIR [--quick]``.

1. **Level one**: SAC trains a ``LatentSpacePolicy`` (a RealNVP flow a = tanh(f(h; s)),
   h ~ N(0, I)) on MultiGoal's four goals, at a fixed temperature: alpha 1 with the rewards
   scaled by 0.1 (SQL's MultiGoal setting), ``--level-one-temperature``. A temperature learned
   towards SAC's target entropy (``--level-one-temperature learned``) shrinks level one onto
   one goal and its flow onto a narrow map from h, which the level above can barely steer
   (benchmarks/README.md).
2. **Level two**: level one is frozen; SAC trains a tanh-Gaussian policy over level one's
   latent h (``LatentSpace-MultiGoal-v0``) for a *new* reward: a single goal at ``--new-goal``,
   which level one never saw.
3. **Flat**: SAC trains a tanh-Gaussian on the new goal directly, from scratch, with the same
   number of steps, for comparison.

Written into ``--output-dir``: ``learning_curves.csv`` (configuration, seed, environment steps,
evaluation return of the deterministic policy), ``final.csv`` (per configuration and seed: the
share of ``--rollouts`` stochastic rollouts that reach the new goal, their mean return),
``hierarchy.png`` (level one's paths under random latents; level two's and the flat policy's
paths to the new goal; the learning curves, mean and range over seeds) and each stage's final
checkpoint under ``checkpoints/`` (a stage whose checkpoint exists is not trained again: a run
that was cut off continues with the next stage).
"""
import argparse
import csv
import os

import numpy as np

from examples.common import (
    finish_axis, plot_mean_and_range, prepare_output, pyplot, save_figure, write_csv)

NEW_GOAL = (4.0, 4.0)
LEVEL_ONE_REWARD_SCALE = 0.1
LEVEL_ONE = "level one (MultiGoal, 4 goals)"
CONFIGURATIONS = ("level two (on level one's latents)", "flat SAC (from scratch)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="./latent_space_hierarchy_output")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--level-one-steps", type=int, default=10_000)
    parser.add_argument("--level-two-steps", type=int, default=5_000,
                        help="environment steps of level two, and of the flat baseline")
    parser.add_argument("--new-goal", type=float, nargs=2, default=NEW_GOAL)
    parser.add_argument("--rollouts", type=int, default=50)
    parser.add_argument("--level-one-temperature", default="1.0",
                        help="level one's fixed alpha (rewards scaled by 0.1), or 'learned'")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1 seed, 300 + 200 steps, 5 rollouts, small networks")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.level_one_steps, args.level_two_steps, args.rollouts = 1, 300, 200, 5
    for name in ("seeds", "level_one_steps", "level_two_steps", "rollouts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    if args.level_one_temperature != "learned":
        try:
            args.level_one_temperature = float(args.level_one_temperature)
        except ValueError:
            parser.error(f"--level-one-temperature must be a number or 'learned', got "
                         f"{args.level_one_temperature!r}")
        if not args.level_one_temperature > 0:
            parser.error("--level-one-temperature must be positive")
    return args


def level_one_overrides(temperature):
    if temperature == "learned":
        return []
    return [f"algorithm_params.config.fixed_alpha={temperature}",
            f"algorithm_params.config.reward_scale={LEVEL_ONE_REWARD_SCALE}"]


def variant_of(domain, task, seed, steps, quick, policy=None, kwargs=None, extra=()):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant("SAC", "gymnasium", domain, task, seed)
    epoch_length = variant["algorithm_params"]["config"]["epoch_length"]
    overrides = [f"algorithm_params.config.n_epochs={max(steps // epoch_length, 1)}"]
    if policy:
        overrides.append(f"policy_params.class_name={policy}")
    overrides += list(extra)
    if quick:
        overrides += ["policy_params.config.hidden_layer_sizes=[32,32]",
                      "Q_params.config.hidden_layer_sizes=[32,32]",
                      "algorithm_params.config.n_initial_exploration_steps=100",
                      "algorithm_params.config.min_pool_size=100"]
    variant = apply_overrides(variant, overrides)
    for role in ("training", "evaluation"):
        variant["environment_params"][role]["kwargs"].update(kwargs or {})
    return variant


def train(variant, checkpoint_dir, configuration, seed, curves):
    """Trains (unless its checkpoint exists) and returns the experiment; appends the curve."""
    from softlearning_tf2.experiments.experiment import Experiment

    done = os.path.exists(os.path.join(checkpoint_dir, "manifest.json"))
    experiment = Experiment.load(checkpoint_dir) if done else Experiment(variant)
    rows = []
    if not done:
        while not experiment.algorithm.done:
            diagnostics = experiment.train_epoch()
            rows.append((configuration, seed, diagnostics["timestep"],
                         diagnostics["evaluation/episode-reward-mean"]))
        experiment.save(checkpoint_dir)
        with open(os.path.join(checkpoint_dir, "curve.csv"), "w", newline="") as file:
            csv.writer(file).writerows(rows)
    with open(os.path.join(checkpoint_dir, "curve.csv"), newline="") as file:
        curves.extend((row[0], int(row[1]), int(row[2]), float(row[3]))
                      for row in csv.reader(file))
    return experiment


def rollouts(experiment, count, seed):
    """Stochastic rollouts: positions and whether each reached a goal (terminated)."""
    from examples.multi_goal.plotting import stochastic_rollouts

    environment = experiment.evaluation_environment
    environment.reset(seed=10_000 + seed)
    paths = stochastic_rollouts(environment, experiment.policy, count,
                                experiment.sampler.max_path_length)
    return paths


def draw(path, level_one_paths, paths, curves, new_goal, seeds):
    plt = pyplot()
    from softlearning_tf2.environments.multi_goal import DEFAULT_GOALS

    figure, axes = plt.subplots(1, 4, figsize=(17, 4.8))
    panels = [(LEVEL_ONE + "\nrandom latents h ~ N(0, I)", level_one_paths, DEFAULT_GOALS)]
    panels += [(f"{name}\nnew goal {tuple(new_goal)}", paths[name], [new_goal])
               for name in CONFIGURATIONS]
    for axis, (title, panel_paths, goals) in zip(axes, panels):
        for item in panel_paths:
            axis.plot(item["positions"][:, 0], item["positions"][:, 1], lw=0.7, alpha=0.7)
        goals = np.asarray(goals, float)
        for goal in goals:
            axis.add_patch(plt.Circle(goal, 1.0, color="k", fill=False, lw=1))
        axis.scatter(goals[:, 0], goals[:, 1], marker="*", s=120, c="k")
        axis.set_xlim(-7, 7)
        axis.set_ylim(-7, 7)
        axis.set_aspect("equal")
        axis.set_title(title + "\n(seed 0)", fontsize=9)
    curve_axis = axes[-1]
    for name, color in zip(CONFIGURATIONS, ("tab:blue", "tab:orange")):
        per_seed = [[(steps, value) for config, seed, steps, value in curves
                     if config == name and seed == index] for index in range(seeds)]
        plot_mean_and_range(curve_axis, [step for step, _ in per_seed[0]],
                            [[value for _, value in rows] for rows in per_seed], name,
                            color=color)
    finish_axis(curve_axis, "environment steps on the new goal",
                "evaluation return (deterministic)", f"mean and range over {seeds} seed(s)")
    save_figure(figure, path)


def main(argv=None):
    args = parse_args(argv)
    output = prepare_output(args.output_dir)
    new_goal = [float(value) for value in args.new_goal]
    curves, finals, level_one_paths, example_paths = [], [], None, {}
    for seed in range(args.seeds):
        level_one_dir = os.path.join(output, "checkpoints", f"level_one_seed{seed}")
        level_one = train(variant_of("MultiGoal", "Default-v0", seed, args.level_one_steps,
                                     args.quick, policy="LatentSpacePolicy",
                                     extra=level_one_overrides(args.level_one_temperature)),
                          level_one_dir, LEVEL_ONE, seed, [])
        if seed == 0:
            level_one_paths = rollouts(level_one, args.rollouts, seed)
        level_one.close()
        stages = {
            CONFIGURATIONS[0]: variant_of(
                "LatentSpace", "MultiGoal-v0", seed, args.level_two_steps, args.quick,
                kwargs={"checkpoint": level_one_dir, "base_kwargs": {"goals": [new_goal]}}),
            CONFIGURATIONS[1]: variant_of("MultiGoal", "Default-v0", seed,
                                          args.level_two_steps, args.quick,
                                          kwargs={"goals": [new_goal]}),
        }
        for index, (name, variant) in enumerate(stages.items()):
            directory = os.path.join(output, "checkpoints", f"{('level_two', 'flat')[index]}"
                                                            f"_seed{seed}")
            experiment = train(variant, directory, name, seed, curves)
            paths = rollouts(experiment, args.rollouts, seed)
            experiment.close()
            if seed == 0:
                example_paths[name] = paths
            reached = np.mean([item["goal_index"] >= 0 for item in paths])
            finals.append((name, seed, float(reached),
                           float(np.mean([item["return"] for item in paths]))))
            print(f"seed {seed} {name}: {reached:.0%} of {args.rollouts} rollouts reach "
                  f"the new goal", flush=True)
    write_csv(os.path.join(output, "learning_curves.csv"),
              ("configuration", "seed", "environment_steps", "evaluation_return"), curves)
    write_csv(os.path.join(output, "final.csv"),
              ("configuration", "seed", "success_rate", "mean_return"), finals)
    draw(os.path.join(output, "hierarchy.png"), level_one_paths, example_paths, curves,
         new_goal, args.seeds)
    print(f"wrote {output}/learning_curves.csv, final.csv, hierarchy.png", flush=True)


if __name__ == "__main__":
    main()
