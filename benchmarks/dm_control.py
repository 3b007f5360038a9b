"""SAC on DeepMind Control Suite tasks, from states or from pixels, beside the published points.

    python -m benchmarks.dm_control --task cartpole-swingup --observation states --steps 100000
    python -m benchmarks.dm_control --task cartpole-swingup --observation pixels --steps 100000

Protocol (the one the CURL and DrQ tables use for their "100k steps"): ``--steps`` counts
environment steps, i.e. the suite's control steps, with each agent step worth
``action_repeat`` of them (1 from states; 8 on cartpole from pixels) and the random warm-up
included. Every ``--eval-every`` environment steps the deterministic policy (the mean action)
runs ``--eval-episodes`` full episodes (1000 control steps, return at most 1000) on a separate
evaluation environment.

Each seed trains through ``Experiment`` and saves a checkpoint (incremental pool chunks) after
every evaluation under ``{output}/{task}-{observation}/checkpoints/seed{N}``; the same command
continues a seed that was cut off from its newest readable checkpoint and skips finished seeds.
Per seed: ``seed{N}.csv`` (environment steps, evaluation return), ``seed{N}.json`` (wall time,
environment steps/s while learning, peak resident memory). At the end: ``summary.json`` and
``learning.png`` (mean and spread over seeds, published points drawn), and one JSON line.
"""
import json
import os

from benchmarks.resumable import (
    finished_seeds, learning_benchmark_parser, read_rows, save_figure, train_seed, write_rows)

# Evaluation return at 100k and 500k environment steps, mean ± std (CURL arXiv:2004.04136 and
# DrQ arXiv:2004.13649, Table 1 of each).
PUBLISHED = {
    ("cartpole-swingup", "states"): [("SAC from states (CURL Table 1)", 835, 22),
                                     ("SAC from states (DrQ Table 1)", 812, 45)],
    ("cartpole-swingup", "pixels"): [("DrQ from pixels (DrQ Table 1)", 759, 92),
                                     ("CURL from pixels (CURL Table 1)", 582, 146),
                                     ("pixel SAC (CURL Table 1)", 419, 40)],
}
PUBLISHED_STEPS = 100_000


def parse_args(argv=None):
    parser = learning_benchmark_parser(
        __doc__.split("\n")[0], steps=100_000, eval_every=10_000,
        output_dir="benchmark_results/dm_control", figure="learning.png",
        steps_help="environment (control) steps, warm-up included")
    parser.add_argument("--task", default="cartpole-swingup", help="DOMAIN-TASK of the suite")
    parser.add_argument("--observation", default="states", choices=("states", "pixels"))
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args(argv)


def build_variant(args, seed):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    domain, task = args.task.split("-", 1)
    variant = apply_overrides(
        get_variant("SAC", "dm_control", domain, task, seed, trial_cpus=args.threads,
                    pixels=args.observation == "pixels"), args.overrides)
    repeat = variant["environment_params"]["training"]["kwargs"].get("action_repeat", 1)
    if args.eval_every % repeat or args.steps % args.eval_every:
        raise SystemExit(f"--eval-every must divide --steps and be a multiple of the action "
                         f"repeat ({repeat})")
    variant["algorithm_params"]["config"].update(
        epoch_length=args.eval_every // repeat, n_epochs=args.steps // args.eval_every,
        eval_n_episodes=args.eval_episodes, final_eval_n_episodes=args.eval_episodes)
    return variant, repeat


COLUMNS = ("environment_steps", "evaluation_return")


def run_seed(args, seed, directory):
    """Trains (or continues) one seed; writes seed{N}.csv after every evaluation."""
    variant, repeat = build_variant(args, seed)
    return train_seed(variant, directory, seed, COLUMNS,
                      lambda diagnostics: (diagnostics["evaluation/episode-reward-mean"],),
                      repeat=repeat, notes={"overrides": args.overrides})


def write_curve(path, rows):
    write_rows(path, COLUMNS, rows)


def read_curve(path):
    return read_rows(path)


def summarize(args, directory):
    import numpy as np

    seeds = finished_seeds(directory, args.seeds)
    if not seeds:
        return None
    curves = [read_curve(os.path.join(directory, f"seed{seed}.csv")) for seed in seeds]
    length = min(len(curve) for curve in curves)
    returns = np.array([[value for _, value in curve[:length]] for curve in curves])
    timing = [json.load(open(os.path.join(directory, f"seed{seed}.json"))) for seed in seeds]
    speeds = [t["environment_steps_per_s_while_learning"] for t in timing
              if t["environment_steps_per_s_while_learning"]]
    return {"task": args.task, "observation": args.observation, "seeds": len(seeds),
            "environment_steps": [step for step, _ in curves[0][:length]],
            "mean": returns.mean(0).tolist(), "std": returns.std(0).tolist(),
            "final_mean": float(returns[:, -1].mean()), "final_std": float(returns[:, -1].std()),
            "environment_steps_per_s_while_learning": float(np.mean(speeds)) if speeds else None,
            "peak_rss_mb": max(t["peak_rss_mb"] for t in timing),
            "resumed_seeds": [seed for seed, t in zip(seeds, timing) if t["resumed_from"]],
            "published": PUBLISHED.get((args.task, args.observation), [])}


def draw(summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    steps = np.array(summary["environment_steps"]) / 1000
    mean, std = np.array(summary["mean"]), np.array(summary["std"])
    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    seeds = summary["seeds"]
    ax.plot(steps, mean, label=f"softlearning_tf2 SAC ({seeds} seed{'s' if seeds > 1 else ''})")
    ax.fill_between(steps, mean - std, mean + std, alpha=0.25)
    offsets = np.linspace(-2, 2, max(len(summary["published"]), 1))
    for offset, (label, value, spread) in zip(offsets, summary["published"]):
        ax.errorbar(PUBLISHED_STEPS / 1000 + offset, value, yerr=spread, fmt="o", capsize=4,
                    label=f"{label}: {value} ± {spread}")
    ax.set_ylim(0, 1000)
    save_figure(figure, ax, path,
                title=f"dm_control {summary['task']} from {summary['observation']}",
                xlabel="environment steps (thousands; warm-up included)",
                ylabel="evaluation return (deterministic, 10 episodes)",
                legend_location="upper left")


def main(argv=None):
    args = parse_args(argv)
    directory = os.path.join(args.output_dir, f"{args.task}-{args.observation}")
    os.makedirs(directory, exist_ok=True)
    if not args.redraw:
        for seed in range(args.seeds):
            if os.path.exists(os.path.join(directory, f"seed{seed}.json")):
                continue
            run_seed(args, seed, directory)
    summary = summarize(args, directory)
    if summary is None:
        raise SystemExit(f"no finished seed under {directory}")
    with open(os.path.join(directory, "summary.json"), "w") as file:
        json.dump(summary, file, indent=1)
    draw(summary, os.path.join(directory, "learning.png"))
    print(json.dumps({key: summary[key] for key in (
        "task", "observation", "seeds", "final_mean", "final_std",
        "environment_steps_per_s_while_learning", "peak_rss_mb")}), flush=True)
    return summary


if __name__ == "__main__":
    main()
