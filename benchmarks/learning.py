"""Learning curves at reference settings, beside the published ones.

    python -m benchmarks.learning --algorithm SAC --env HalfCheetah-v5 --steps 100000 --seeds 3

Trains ``--seeds`` seeds (one after another, or ``--processes`` at a time, each with
``--threads`` TensorFlow threads) and evaluates the deterministic policy every epoch (1000
steps) on ``--eval-episodes`` episodes. Writes ``learning.csv`` (seed, environment steps,
steps after the warm-up, return) and ``learning.png`` (mean and standard deviation over seeds,
with Tianshou's published SAC means (``PUBLISHED``) drawn beside it) into
``--output-dir``, and prints the final figures and the wall time.

Steps are counted as the published curve counts them: ``--steps`` is the number of environment
steps *after* the uniform-random warm-up (``n_initial_exploration_steps``, 10 000 on MuJoCo),
which is also the number of gradient updates. Tianshou's ``mujoco_sac.py`` collects its 10 000
random steps before its trainer starts counting, so its "100k" point is 110 000 environment
steps into the run; ``--steps 100000`` trains for 110 000 here too.

``--preset tianshou`` trains with the settings that produced the published curve (see
``PRESETS``), for a like-for-like comparison; ``--set KEY=VALUE`` changes any other entry of
the variant.
"""
import argparse
import csv
import json
import multiprocessing
import os
import resource
import time

from softlearning_tf2.experiments.variants import ALGORITHMS

# Tianshou SAC, 10 seeds, mean evaluation return (MuJoCo v3 tasks), by environment steps after
# its 10k-step random warm-up (its trainer counts from there).
PUBLISHED = {
    "HalfCheetah": {50_000: 4747, 100_000: 6515, 200_000: 8208, 300_000: 9059},
    "Hopper": {50_000: 851, 100_000: 2613, 200_000: 3234, 300_000: 3388},
}

# Overrides of the default variant. Tianshou's examples/mujoco/mujoco_sac.py, which produced
# the published curve, trains actor and critics at lr 1e-3 with the temperature fixed at 0.2
# (its --auto-alpha is off by default); everything else matches the reference settings.
SAC_CONFIG = "algorithm_params.config"
PRESETS = {
    "reference": [],
    "tianshou": [f"{SAC_CONFIG}.policy_lr=1e-3", f"{SAC_CONFIG}.Q_lr=1e-3",
                 f"{SAC_CONFIG}.fixed_alpha=0.2"],
}


def apply_fuse(config, fuse):
    """``--fuse K``: K updates fused into one call every K steps, for algorithms that take
    one update per step. REDQ's and DroQ's G updates per step go with their policy step on
    every G-th: refused, with the settings that change G."""
    if fuse is None:
        return
    if config.get("policy_update_interval", 1) != 1:
        raise SystemExit(f"--fuse is for one update per step; this algorithm runs "
                         f"{config['n_train_repeat']} per step with its policy step on every "
                         f"{config['policy_update_interval']}th: change them with --set "
                         f"algorithm_params.config.n_train_repeat=G --set "
                         f"algorithm_params.config.policy_update_interval=G")
    config.update(n_train_repeat=fuse, train_every_n_steps=fuse)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithm", default="SAC", choices=ALGORITHMS)
    parser.add_argument("--env", default="HalfCheetah-v5")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first-seed, first-seed + 1, ... (more seeds of a run)")
    parser.add_argument("--eval-episodes", type=int, default=3)
    parser.add_argument("--fuse", type=int, default=None,
                        help="K updates fused into one compiled call every K steps "
                             "(train_every_n_steps = n_train_repeat = K); default: the "
                             "variant's own")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--preset", default="reference", choices=sorted(PRESETS),
                        help="reference: arXiv:1812.05905's settings (the default variant); "
                             "tianshou: the settings behind the published Tianshou curve")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override, as in the CLI's --set")
    parser.add_argument("--output-dir", default="benchmark_results")
    parser.add_argument("--redraw", default=None, metavar="CSV",
                        help="train nothing: draw the figure of a learning.csv written before "
                             "into --output-dir/learning.png (--env and --algorithm label it)")
    return parser.parse_args(argv)


def read_curves(csv_path):
    """{seed: [(timestep, steps after warm-up, evaluation return)]} from a learning.csv."""
    curves = {}
    with open(csv_path, newline="") as file:
        for row in csv.DictReader(file):
            curves.setdefault(int(row["seed"]), []).append(
                (int(row["timestep"]), int(row["steps_after_warmup"]),
                 float(row["evaluation_return"])))
    return curves


def build_variant(args, seed):
    """The development example's default variant, with the preset's and --set's overrides."""
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    domain, task = args.env.split("-", 1)
    variant = apply_overrides(
        get_variant(args.algorithm, "gymnasium", domain, task, seed, trial_cpus=args.threads),
        PRESETS[args.preset] + args.overrides)
    config = variant["algorithm_params"]["config"]
    total_steps = args.steps + warmup_steps(variant)
    config.update(n_epochs=-(-total_steps // config["epoch_length"]),
                  eval_n_episodes=args.eval_episodes,
                  final_eval_n_episodes=args.eval_episodes)
    apply_fuse(config, args.fuse)
    return variant


def warmup_steps(variant):
    return variant["algorithm_params"]["config"]["n_initial_exploration_steps"]


def train_seed(args, seed):
    """Trains one seed; returns the seed, [(environment steps, steps after the warm-up,
    evaluation return)], the wall time and the process's peak resident memory in MB (the whole
    run: pool, networks, TensorFlow)."""
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads

    variant = build_variant(args, seed)
    configure_tensorflow_threads(variant["run_params"])
    experiment = Experiment(variant)
    start, curve = time.perf_counter(), []
    while not experiment.algorithm.done:
        diagnostics = experiment.train_epoch()
        timestep = diagnostics["timestep"]
        curve.append((timestep, timestep - warmup_steps(variant),
                      diagnostics["evaluation/episode-reward-mean"]))
        print(json.dumps({"seed": seed, "timestep": timestep, "after_warmup": curve[-1][1],
                          "return": round(curve[-1][2], 1),
                          "wall_s": round(time.perf_counter() - start, 1)}), flush=True)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return seed, curve, time.perf_counter() - start, peak_rss_mb


def _train_seed_star(arguments):
    return train_seed(*arguments)


def plot(curves, after_warmup, args, path):
    import numpy as np

    from softlearning_tf2.utils.plotting import plot_curves

    returns = np.array([[value for _, _, value in curve] for curve in curves.values()])
    mean, std = returns.mean(axis=0), returns.std(axis=0)
    label = f"softlearning_tf2 {args.algorithm}"
    reference = None
    published = PUBLISHED.get(args.env.split("-")[0])
    if published:
        steps = [step for step in sorted(published) if step <= max(args.steps, 50_000)]
        reference = (steps, [published[step] for step in steps],
                     "Tianshou SAC, 10 seeds (published)")
    plot_curves({label: {"x": after_warmup, "mean": mean, "std": std,
                         "num_trials": len(curves)}},
                "evaluation return (deterministic)", path,
                "environment steps after the random warm-up (= gradient updates)",
                title=args.env, reference=reference)
    return mean, std


def versus_published(env, after_warmup, mean):
    """Our mean return beside the published one, at each published step the run evaluated."""
    published = PUBLISHED.get(env.split("-")[0], {})
    return {str(step): {"mean": round(float(mean[after_warmup.index(step)]), 1),
                        "published": value}
            for step, value in sorted(published.items()) if step in after_warmup}


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.output_dir, exist_ok=True)
    if args.redraw:
        curves = read_curves(args.redraw)
        png_path = os.path.join(args.output_dir, "learning.png")
        plot(curves, [step for _, step, _ in next(iter(curves.values()))], args, png_path)
        print(json.dumps({"png": png_path, "seeds": len(curves)}), flush=True)
        return {"png": png_path}
    start = time.perf_counter()
    jobs = [(args, seed) for seed in range(args.first_seed, args.first_seed + args.seeds)]
    if args.processes > 1:
        with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
            results = pool.map(_train_seed_star, jobs)
    else:
        results = [train_seed(*job) for job in jobs]
    wall = time.perf_counter() - start
    curves = {seed: curve for seed, curve, _, _ in results}

    csv_path = os.path.join(args.output_dir, "learning.csv")
    with open(csv_path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["seed", "timestep", "steps_after_warmup", "evaluation_return"])
        for seed, curve in curves.items():
            writer.writerows((seed, *point) for point in curve)
    first_curve = next(iter(curves.values()))  # every seed is evaluated at the same steps
    after_warmup = [step for _, step, _ in first_curve]
    png_path = os.path.join(args.output_dir, "learning.png")
    mean, std = plot(curves, after_warmup, args, png_path)
    figures = {"algorithm": args.algorithm, "env": args.env, "preset": args.preset,
               "overrides": args.overrides, "steps_after_warmup": args.steps,
               "env_steps": int(first_curve[-1][0]),
               "seeds": args.seeds, "final_return_mean": round(float(mean[-1]), 1),
               "final_return_std": round(float(std[-1]), 1),
               # One evaluation is a few episodes: the last five, averaged, say more.
               "last_5_evaluations_mean": round(float(mean[-5:].mean()), 1),
               "versus_published": versus_published(args.env, after_warmup, mean),
               "wall_s": round(wall, 1),
               "peak_rss_mb": round(max(rss for _, _, _, rss in results), 1),
               "csv": csv_path, "png": png_path}
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
