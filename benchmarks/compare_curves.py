"""Several ``benchmarks.learning`` runs in one figure and one table.

    python -m benchmarks.compare_curves --env HalfCheetah-v5 \\
        --curve "Gaussian=benchmarks/results/run_a/learning.csv" \\
        --curve "GMM=benchmarks/results/run_b/learning.csv" --output figure.png

Each ``--curve LABEL=CSV`` is a ``learning.csv`` written by ``benchmarks.learning`` (seed,
timestep, steps after warm-up, return). Draws mean and standard deviation over seeds per
label, with the published points of ``--env`` (``benchmarks.learning.PUBLISHED``), into
``--output``; prints one JSON line per label: seeds, final mean and standard deviation, the
mean of the last five evaluations, each seed's final return.
"""
import argparse
import json

import numpy as np

from benchmarks.learning import PUBLISHED, read_curves


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--curve", action="append", required=True, metavar="LABEL=CSV")
    parser.add_argument("--env", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--title", default=None)
    args = parser.parse_args(argv)
    args.curves = []
    for item in args.curve:
        label, separator, path = item.partition("=")
        if not separator or not label or not path:
            parser.error(f"--curve expects LABEL=CSV, got {item!r}")
        args.curves.append((label, path))
    return args


def summarize(curves):
    returns = np.array([[value for _, _, value in curve] for curve in curves.values()])
    mean, std = returns.mean(axis=0), returns.std(axis=0)
    return returns, mean, std


def main(argv=None):
    from softlearning_tf2.utils.plotting import plot_curves

    args = parse_args(argv)
    drawn, rows = {}, []
    for label, path in args.curves:
        curves = read_curves(path)
        after_warmup = [step for _, step, _ in next(iter(curves.values()))]
        returns, mean, std = summarize(curves)
        drawn[label] = {"x": after_warmup, "mean": mean, "std": std,
                        "num_trials": len(curves)}
        rows.append({"label": label, "seeds": len(curves), "steps_after_warmup": after_warmup[-1],
                     "final_mean": round(float(mean[-1]), 1),
                     "final_std": round(float(std[-1]), 1),
                     "last_5_evaluations_mean": round(float(mean[-5:].mean()), 1),
                     "final_per_seed": [round(float(value), 1) for value in returns[:, -1]]})
        print(json.dumps(rows[-1]), flush=True)
    published = PUBLISHED.get(args.env.split("-")[0])
    reference = None
    if published:
        last = max(max(curve["x"]) for curve in drawn.values())
        steps = [step for step in sorted(published) if step <= max(last, 50_000)]
        reference = (steps, [published[step] for step in steps],
                     "Tianshou SAC, 10 seeds (published)")
    plot_curves(drawn, "evaluation return (deterministic)", args.output,
                "environment steps after the random warm-up (= gradient updates)",
                title=args.title or args.env, reference=reference)
    return rows


if __name__ == "__main__":
    main()
