"""Robustness of maximum-entropy policies: SAC with a learned temperature against SAC in the
deterministic limit (temperature fixed near zero), evaluated under perturbations neither saw.

Run as ``python -m examples.robustness.main --output-dir DIR [--quick]``, or evaluate
checkpoints trained before with ``--checkpoint PATH`` (repeatable; nothing is trained then).

1. Trains SAC on each ``--domains`` task (MuJoCo ``-v5``) with each temperature setting
   (``learned``: the default, alpha learned towards the target entropy; ``near-zero``:
   ``fixed_alpha`` = ``--near-zero-alpha``), ``--seeds`` seeds of ``--steps`` environment steps
   (``--warmup`` of them uniform-random). Each run's checkpoint goes under
   ``checkpoints/{domain}-{setting}-seed{N}``; a run whose final checkpoint exists is not
   trained again, one that was cut off continues from its newest checkpoint.
2. Evaluates each final policy (deterministic actions, ``--episodes`` episodes per point) under
   every perturbation of ``softlearning_tf2.environments.perturbations``: body masses and
   sliding friction scaled 0.5x-2x, Gaussian action noise, random pushes on the root body.

Written into ``--output-dir``: ``robustness.csv`` (domain, setting, seed, perturbation,
strength, mean and standard deviation of the return over the episodes), ``training.csv`` (each
run's last evaluation return and temperature) and ``robustness.png`` (return against
perturbation strength, one panel per task and perturbation, one line per setting: the mean
over seeds, the band from the lowest to the highest seed).
"""
import argparse
import glob
import os

import numpy as np

from examples.common import (
    finish_axis, plot_mean_and_range, prepare_output, pyplot, save_figure, write_csv)

SETTINGS = ("learned", "near-zero")
ROBUSTNESS_COLUMNS = ("domain", "setting", "seed", "perturbation", "strength", "return_mean",
                      "return_std", "episodes")
TRAINING_COLUMNS = ("domain", "setting", "seed", "environment_steps", "evaluation_return",
                    "alpha", "checkpoint")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="./robustness_output")
    parser.add_argument("--domains", nargs="+", default=["Hopper", "HalfCheetah"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--warmup", type=int, default=5_000)
    parser.add_argument("--near-zero-alpha", type=float, default=1e-3)
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--max-path-length", type=int, default=1000)
    parser.add_argument("--checkpoint", action="append", default=[], metavar="PATH",
                        help="evaluate this checkpoint (repeatable) instead of training")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: Hopper, 1 seed, 300 steps, small networks, 1 short "
                             "episode at the weakest and strongest strength of each sweep")
    args = parser.parse_args(argv)
    if args.quick:
        args.domains, args.seeds, args.steps, args.warmup = ["Hopper"], 1, 300, 100
        args.episodes, args.max_path_length = 1, 50
    for name in ("seeds", "steps", "episodes", "max_path_length"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    if not 0 <= args.warmup < args.steps:
        parser.error("--warmup must be in [0, --steps)")
    if not args.near_zero_alpha > 0:
        parser.error("--near-zero-alpha must be positive")
    return args


def training_variant(args, domain, setting, seed):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant("SAC", "gymnasium", domain, "v5", seed)
    config = "algorithm_params.config"
    epoch_length = 100 if args.quick else 1000
    overrides = [f"{config}.epoch_length={epoch_length}",
                 f"{config}.n_epochs={max(args.steps // epoch_length, 1)}",
                 f"{config}.n_initial_exploration_steps={args.warmup}",
                 f"{config}.min_pool_size={max(min(args.warmup, 1000), 100)}"]
    if setting == "near-zero":
        overrides.append(f"{config}.fixed_alpha={args.near_zero_alpha}")
    if args.quick:
        overrides += ["policy_params.config.hidden_layer_sizes=[32,32]",
                      "Q_params.config.hidden_layer_sizes=[32,32]",
                      f"{config}.batch_size=32", f"{config}.eval_n_episodes=1",
                      "sampler_params.config.max_path_length=100"]
    return apply_overrides(variant, overrides)


def train(variant, directory):
    """The run's final checkpoint: trained here, continued, or found done."""
    from softlearning_tf2.experiments.experiment import Experiment

    final = os.path.join(directory, "final")
    if os.path.exists(os.path.join(final, "manifest.json")):
        return final
    experiment = Experiment(variant)
    saved = sorted(glob.glob(os.path.join(directory, "checkpoint_*")))
    if saved:
        experiment.restore_newest_readable(saved[-1], report=print)
    while not experiment.algorithm.done:
        experiment.train_epoch()
        if experiment.algorithm.epoch % 5 == 0:
            experiment.save(os.path.join(directory,
                                         f"checkpoint_{experiment.algorithm.epoch:06d}"))
    experiment.save(final, incremental=False)
    experiment.close()
    return final


def describe(checkpoint, near_zero_alpha):
    """(domain, setting, seed, steps, last evaluation return, alpha) of a checkpoint."""
    from softlearning_tf2.checkpoints import Checkpoint

    read = Checkpoint.read(checkpoint, for_acting=True)
    config = read.variant["algorithm_params"]["config"]
    fixed = config.get("fixed_alpha")
    setting = ("learned" if fixed is None else "near-zero" if fixed <= near_zero_alpha
               else f"alpha={fixed:g}")
    alpha = fixed if fixed is not None else float(np.exp(read.arrays["variables/log_alpha"]))
    return (read.environment_params["domain"], setting, int(read.variant["run_params"]["seed"]),
            read.timestep, alpha)


def evaluate(checkpoint, perturbation, strength, episodes, max_path_length):
    """Returns of the checkpoint's deterministic policy on the perturbed task."""
    from softlearning_tf2.checkpoints import Checkpoint
    from softlearning_tf2.policies.trained_policy import checkpoint_actor, make_environment
    from softlearning_tf2.environments.perturbations import perturbed
    from softlearning_tf2.samplers.utils import rollout

    read = Checkpoint.read(checkpoint, for_acting=True)
    actor = checkpoint_actor(read, deterministic=True)
    returns = []
    for episode in range(episodes):
        # A fresh model per episode: the wrappers change it in place.
        environment = make_environment(read.environment_params)
        task = perturbed(environment.raw, perturbation, strength)
        returns.append(rollout(task, actor, max_path_length, reset_seed=1000 + episode)["return"])
        environment.close()
    return float(np.mean(returns)), float(np.std(returns))


def strengths_of(perturbation, quick):
    from softlearning_tf2.environments.perturbations import PERTURBATIONS

    sweep = PERTURBATIONS[perturbation][1]
    return (sweep[0], sweep[-1]) if quick else sweep


def draw(path, rows):
    plt = pyplot()
    from softlearning_tf2.environments.perturbations import PERTURBATIONS

    domains = sorted({row[0] for row in rows})
    names = list(PERTURBATIONS)
    labels = {"mass": "body mass scale", "friction": "friction scale",
              "action_noise": "action noise (fraction of half-width)",
              "push": "push force (N)"}
    figure, axes = plt.subplots(len(domains), len(names), figsize=(4 * len(names),
                                                                    3.3 * len(domains)),
                                squeeze=False)
    for row_index, domain in enumerate(domains):
        for column, name in enumerate(names):
            axis = axes[row_index][column]
            for setting in sorted({row[1] for row in rows}):
                points = [row for row in rows if row[0] == domain and row[1] == setting
                          and row[3] == name]
                strengths = sorted({row[4] for row in points})
                seeds = sorted({row[2] for row in points})
                # rows: seeds, columns: strengths
                returns = [[next(row[5] for row in points if row[2] == seed and row[4] == value)
                            for value in strengths] for seed in seeds]
                plot_mean_and_range(axis, strengths, returns, setting, marker="o")
            finish_axis(axis, labels[name], "return", f"{domain}-v5: {name}")
    save_figure(figure, path)


def main(argv=None):
    args = parse_args(argv)
    from softlearning_tf2.environments.perturbations import PERTURBATIONS

    output = prepare_output(args.output_dir)
    checkpoints = [os.path.abspath(path) for path in args.checkpoint]
    if not checkpoints:
        for domain in args.domains:
            for setting in SETTINGS:
                for seed in range(args.seeds):
                    directory = os.path.join(output, "checkpoints",
                                             f"{domain}-{setting}-seed{seed}")
                    checkpoints.append(train(training_variant(args, domain, setting, seed),
                                             directory))
                    print(f"trained {domain} {setting} seed {seed}", flush=True)
    training_rows, rows = [], []
    for checkpoint in checkpoints:
        domain, setting, seed, steps, alpha = describe(checkpoint, args.near_zero_alpha)
        plain_return, _ = evaluate(checkpoint, "mass", 1.0, args.episodes, args.max_path_length)
        training_rows.append((domain, setting, seed, steps, round(plain_return, 1),
                              round(alpha, 5), checkpoint))
        for name in PERTURBATIONS:
            for strength in strengths_of(name, args.quick):
                mean, std = evaluate(checkpoint, name, strength, args.episodes,
                                     args.max_path_length)
                rows.append((domain, setting, seed, name, strength, round(mean, 2),
                             round(std, 2), args.episodes))
        print(f"evaluated {domain} {setting} seed {seed}", flush=True)
    write_csv(os.path.join(output, "training.csv"), TRAINING_COLUMNS, training_rows)
    write_csv(os.path.join(output, "robustness.csv"), ROBUSTNESS_COLUMNS, rows)
    draw(os.path.join(output, "robustness.png"), rows)
    print(f"wrote {output}/robustness.csv, training.csv, robustness.png", flush=True)
    return rows


if __name__ == "__main__":
    main()
