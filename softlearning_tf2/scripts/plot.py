"""``softlearning plot EXPERIMENT_DIR``: learning curves of an experiment's trials.

One line per configuration (trials that differ only in their seed are averaged), the band is
one standard deviation over seeds.
"""
import argparse
import os
import sys

from softlearning_tf2.utils.experiment_results import learning_curves, load_trials
from softlearning_tf2.utils.plotting import plot_curves


def main(argv=None):
    parser = argparse.ArgumentParser(prog="softlearning plot", description=__doc__)
    parser.add_argument("experiment_dir")
    parser.add_argument("--metric", default="evaluation/episode-reward-mean")
    parser.add_argument("--x", default="timestep")
    parser.add_argument("--output", default=None,
                        help="PNG path (default: EXPERIMENT_DIR/curves.png)")
    args = parser.parse_args(argv)
    try:
        trials = load_trials(args.experiment_dir)
        curves = learning_curves(trials, args.metric, args.x)
    except (FileNotFoundError, KeyError) as error:
        print(f"softlearning plot: error: {error.args[0]}", file=sys.stderr)
        return 2
    output = args.output or os.path.join(args.experiment_dir, "curves.png")
    plot_curves(curves, args.metric, output, args.x,
                title=os.path.basename(os.path.normpath(args.experiment_dir)))
    for label, curve in curves.items():
        print(f"{label}: {curve['num_trials']} seeds, final {args.metric} "
              f"{curve['mean'][-1]:.4g} +- {curve['std'][-1]:.3g} at {args.x} {curve['x'][-1]}")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
