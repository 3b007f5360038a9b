"""Success rate against environment steps on goal tasks, with and without hindsight relabelling.

    python -m benchmarks.hindsight --domain GoalPoint --task Reach-v0 --steps 30000
    python -m benchmarks.hindsight --domain PointMaze_UMaze --task v3 --steps 50000 \\
        --relabel future

Each ``--relabel`` value is one configuration of the default goal-task variant (a
``HindsightExperienceReplayPool``, future strategy, k = 4): ``none`` sets the relabelling
probability to 0 (the same pool, every goal as experienced), ``future`` / ``final`` /
``episode`` / ``random`` pick the strategy. Every ``--eval-every`` environment steps the
deterministic policy runs ``--eval-episodes`` episodes; an episode succeeds when its last step's
info says so (``is_success``, or ``success`` in gymnasium-robotics' mazes).

Seeds train through ``benchmarks.resumable`` (checkpoints after every evaluation; the same
command continues a cut-off seed and skips finished ones). Output under
``{output}/{domain}-{task}/{configuration}/`` (``SQL-{configuration}`` for SQL): ``seed{N}.csv``
(environment steps, success rate, return) and ``seed{N}.json``. Curves of Stable-Baselines3 written by ``benchmarks/sb3_her.py``
into ``sb3-future/`` of the same task directory are drawn beside. At the end, in the task
directory: ``summary.json``, ``success.png`` (with and without relabelling, SB3 beside) and,
where SAC ran more than two configurations, ``strategies.png``; one JSON line per
configuration.
"""
import json
import os

from benchmarks.resumable import (
    finished_seeds, learning_benchmark_parser, read_rows, save_figure, train_seed)

CONFIGURATIONS = ("none", "future", "final", "episode", "random")
COLUMNS = ("environment_steps", "evaluation_success_rate", "evaluation_return")
SB3_CONFIGURATION = "sb3-future"  # written by benchmarks/sb3_her.py


def parse_args(argv=None):
    parser = learning_benchmark_parser(
        __doc__.split("\n")[0], steps=30_000, eval_every=1000,
        output_dir="benchmark_results/hindsight", figure="the figures")
    parser.add_argument("--domain", default="GoalPoint")
    parser.add_argument("--task", default="Reach-v0")
    parser.add_argument("--algorithm", default="SAC", choices=("SAC", "SQL"))
    parser.add_argument("--relabel", action="append", choices=CONFIGURATIONS,
                        help="configurations to run (repeatable; default: none and future)")
    args = parser.parse_args(argv)
    args.relabel = args.relabel or ["none", "future"]
    if args.steps % args.eval_every:
        parser.error("--eval-every must divide --steps")
    return args


def build_variant(args, seed, configuration):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant(args.algorithm, "gymnasium", args.domain, args.task, seed)
    if variant["replay_pool_params"]["class_name"] != "HindsightExperienceReplayPool":
        raise SystemExit(f"{args.domain}-{args.task} is not a goal task")
    relabelling = (["replay_pool_params.config.relabel_probability=0"]
                   if configuration == "none"
                   else [f"replay_pool_params.config.relabel_strategy={configuration}"])
    variant = apply_overrides(variant, relabelling + args.overrides)
    variant["algorithm_params"]["config"].update(
        epoch_length=args.eval_every, n_epochs=args.steps // args.eval_every,
        eval_n_episodes=args.eval_episodes, final_eval_n_episodes=args.eval_episodes)
    return variant


def row_of(diagnostics):
    return (diagnostics["evaluation/success-rate"],
            diagnostics["evaluation/episode-reward-mean"])


SUCCESS_THRESHOLD = 0.9


def first_step_at(curve, threshold):
    """The first evaluation's step count with a success rate of at least ``threshold``, or
    None where none reached it."""
    return next((row[0] for row in curve if row[1] >= threshold), None)


def run_directory(algorithm, configuration):
    """``future`` for SAC, ``SQL-future`` for SQL: both algorithms' runs in one task folder."""
    return configuration if algorithm == "SAC" else f"{algorithm}-{configuration}"


def summarize(args, task_directory):
    import numpy as np

    summary = {"domain": args.domain, "task": args.task, "configurations": {}}
    runs = [run_directory(algorithm, configuration) for algorithm in ("SAC", "SQL")
            for configuration in CONFIGURATIONS]
    for configuration in [*runs, SB3_CONFIGURATION]:
        directory = os.path.join(task_directory, configuration)
        seeds = finished_seeds(directory, args.seeds) if os.path.isdir(directory) else []
        if not seeds:
            continue
        curves = [read_rows(os.path.join(directory, f"seed{seed}.csv")) for seed in seeds]
        length = min(len(curve) for curve in curves)
        success = np.array([[row[1] for row in curve[:length]] for curve in curves])
        timing = [json.load(open(os.path.join(directory, f"seed{seed}.json")))
                  for seed in seeds]
        speeds = [t["environment_steps_per_s_while_learning"] for t in timing
                  if t.get("environment_steps_per_s_while_learning")]
        summary["configurations"][configuration] = {
            "seeds": len(seeds), "environment_steps": [row[0] for row in curves[0][:length]],
            "mean": success.mean(0).tolist(), "std": success.std(0).tolist(),
            "final_per_seed": success[:, -1].tolist(),
            f"steps_to_{SUCCESS_THRESHOLD}_per_seed": [
                first_step_at(curve, SUCCESS_THRESHOLD) for curve in curves],
            "final_mean": float(success[:, -1].mean()),
            "final_std": float(success[:, -1].std()),
            "environment_steps_per_s_while_learning":
                float(np.mean(speeds)) if speeds else None,
            "resumed_seeds": [seed for seed, t in zip(seeds, timing) if t.get("resumed_from")]}
    return summary


STRATEGY_LABELS = {"none": "no relabelling", "future": "HER future, k = 4",
                   "final": "HER final", "episode": "HER episode", "random": "HER random"}


def label_of(configuration):
    if configuration == SB3_CONFIGURATION:
        return "Stable-Baselines3 SAC, HER future, k = 4"
    algorithm, _, strategy = configuration.rpartition("-")
    return f"{algorithm or 'SAC'}, {STRATEGY_LABELS[strategy]}"


def draw(summary, path, configurations, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, ax = plt.subplots(figsize=(6.4, 4.2))
    for configuration in configurations:
        curve = summary["configurations"][configuration]
        steps = np.array(curve["environment_steps"]) / 1000
        mean, std = np.array(curve["mean"]), np.array(curve["std"])
        ax.plot(steps, mean, label=f"{label_of(configuration)} ({curve['seeds']} seeds)")
        ax.fill_between(steps, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), alpha=0.2)
    ax.set_ylim(-0.02, 1.02)
    save_figure(figure, ax, path, title=f"{summary['domain']}-{summary['task']}: {title}",
                xlabel="environment steps (thousands; warm-up included)",
                ylabel="evaluation success rate (mean over seeds)")


def main(argv=None):
    args = parse_args(argv)
    task_directory = os.path.join(args.output_dir, f"{args.domain}-{args.task}")
    if not args.redraw:
        for configuration in args.relabel:
            directory = os.path.join(task_directory,
                                     run_directory(args.algorithm, configuration))
            os.makedirs(directory, exist_ok=True)
            for seed in range(args.seeds):
                if not os.path.exists(os.path.join(directory, f"seed{seed}.json")):
                    train_seed(build_variant(args, seed, configuration), directory, seed,
                               COLUMNS, row_of, notes={"overrides": args.overrides})
    summary = summarize(args, task_directory)
    if not summary["configurations"]:
        raise SystemExit(f"no finished seed under {task_directory}")
    with open(os.path.join(task_directory, "summary.json"), "w") as file:
        json.dump(summary, file, indent=1)
    # success.png: relabelling or not (and SB3); strategies.png: SAC's strategies side by side.
    drawn = summary["configurations"]
    main_runs = [name for name in drawn if name.rpartition("-")[2] in ("none", "future")]
    if main_runs:
        draw(summary, os.path.join(task_directory, "success.png"), main_runs,
             "hindsight relabelling")
    strategies = [name for name in CONFIGURATIONS if name in drawn]
    if len(strategies) > 2:
        draw(summary, os.path.join(task_directory, "strategies.png"), strategies,
             "relabelling strategies")
    for configuration, curve in summary["configurations"].items():
        print(json.dumps({"configuration": configuration, "seeds": curve["seeds"],
                          "final_success_mean": curve["final_mean"],
                          "final_success_std": curve["final_std"],
                          f"steps_to_{SUCCESS_THRESHOLD}":
                              curve[f"steps_to_{SUCCESS_THRESHOLD}_per_seed"],
                          "steps_per_s": curve["environment_steps_per_s_while_learning"]}),
              flush=True)
    return summary


if __name__ == "__main__":
    main()
