"""Goal coverage on MultiGoal (arXiv:1702.08165, Fig. 2) by policy class: how many of the four
goals 100 stochastic rollouts of the final policy reach.

    python -m benchmarks.multi_goal_policies --output-dir benchmarks/results/multi_goal_policies

Methods (``--method``, repeatable; default all): SAC with the tanh-Gaussian, the Gaussian
mixture (``GMMPolicy``) and the RealNVP flow (``RealNVPPolicy``); SQL with its amortized SVGD
sampler and with the MCMC sampler (``MCMCSamplerPolicy``, Langevin). Each trains the MultiGoal
default variant (100 epochs of 100 steps) through ``benchmarks.resumable`` (a cut-off seed
continues from its checkpoint), then runs ``--rollouts`` stochastic rollouts of its final
policy. Output under ``{output}/{method}/``: ``seed{N}.csv`` (steps, evaluation return),
``seed{N}.json``, ``seed{N}-goals.json`` (rollouts per goal); in ``{output}``:
``goal_coverage.csv`` (one row per method and seed), ``goal_coverage.png`` (seed 0's paths per
method and the goals reached, mean and range over seeds).
"""
import csv
import json
import os

import numpy as np

from benchmarks.resumable import learning_benchmark_parser, train_seed

METHODS = {
    "SAC-Gaussian": ("SAC", []),
    "SAC-GMM": ("SAC", ["policy_params.class_name=GMMPolicy"]),
    "SAC-RealNVP": ("SAC", ["policy_params.class_name=RealNVPPolicy"]),
    "SQL-SVGD": ("SQL", []),
    "SQL-MCMC": ("SQL", ["policy_params.class_name=MCMCSamplerPolicy"]),
}
COLUMNS = ("environment_steps", "evaluation_return")
COVERAGE_COLUMNS = ("method", "seed", "goals_reached", "rollouts_at_a_goal", "goal_0",
                    "goal_1", "goal_2", "goal_3", "goal_entropy_nats")


def parse_args(argv=None):
    parser = learning_benchmark_parser(
        __doc__.split("\n")[0], steps=10_000, eval_every=100,
        output_dir="benchmark_results/multi_goal_policies", figure="goal_coverage.png")
    parser.add_argument("--method", action="append", choices=sorted(METHODS))
    parser.add_argument("--rollouts", type=int, default=100)
    args = parser.parse_args(argv)
    args.method = args.method or list(METHODS)
    return args


def build_variant(method, seed, args):
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    algorithm, overrides = METHODS[method]
    variant = get_variant(algorithm, "gymnasium", "MultiGoal", "Default-v0", seed)
    epoch_length = variant["algorithm_params"]["config"]["epoch_length"]
    variant = apply_overrides(variant, overrides + args.overrides + [
        f"algorithm_params.config.n_epochs={args.steps // epoch_length}"])
    return variant


def goal_entropy(counts):
    """Entropy (nats) of where the rollouts that reached a goal went; 0 when none did."""
    total = counts.sum()
    if total == 0:
        return 0.0
    shares = counts[counts > 0] / total
    return float(-(shares * np.log(shares)).sum())


def evaluate_coverage(variant, directory, seed, num_rollouts):
    """Rollouts of the final policy (restored from the seed's last checkpoint)."""
    from examples.multi_goal.plotting import goal_counts, stochastic_rollouts
    from softlearning_tf2.experiments.experiment import Experiment

    checkpoints = os.path.join(directory, "checkpoints", f"seed{seed}")
    experiment = Experiment(variant)
    experiment.restore(os.path.join(checkpoints, sorted(os.listdir(checkpoints))[-1]))
    experiment.evaluation_environment.reset(seed=10_000 + seed)
    paths = stochastic_rollouts(experiment.evaluation_environment, experiment.policy,
                                num_rollouts, experiment.sampler.max_path_length)
    experiment.close()
    counts = goal_counts(paths)
    result = {"counts": counts.tolist(),
              "positions": [path["positions"].tolist() for path in paths]}
    with open(os.path.join(directory, f"seed{seed}-goals.json"), "w") as file:
        json.dump(result, file)
    return result


def coverage_row(method, seed, counts):
    counts = np.asarray(counts)
    return (method, seed, int((counts > 0).sum()), int(counts.sum()), *map(int, counts),
            round(goal_entropy(counts), 4) + 0.0)


def draw(output_dir, rows, methods, num_rollouts):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from softlearning_tf2.environments.multi_goal import DEFAULT_GOALS

    figure, axes = plt.subplots(1, len(methods) + 1, figsize=(3.2 * (len(methods) + 1), 3.6))
    for axis, method in zip(axes, methods):
        with open(os.path.join(output_dir, method, "seed0-goals.json")) as file:
            positions = json.load(file)["positions"]
        for path in positions:
            path = np.asarray(path)
            axis.plot(path[:, 0], path[:, 1], lw=0.6, alpha=0.6)
        goals = np.asarray(DEFAULT_GOALS)
        axis.scatter(goals[:, 0], goals[:, 1], s=120, c="k", marker="*")
        axis.set_xlim(-7, 7)
        axis.set_ylim(-7, 7)
        axis.set_aspect("equal")
        axis.set_title(f"{method}\nseed 0", fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    reached = {method: [row[2] for row in rows if row[0] == method] for method in methods}
    means = [np.mean(reached[method]) for method in methods]
    low = [means[i] - min(reached[m]) for i, m in enumerate(methods)]
    high = [max(reached[m]) - means[i] for i, m in enumerate(methods)]
    bar_axis = axes[-1]
    bar_axis.bar(range(len(methods)), means, yerr=[low, high], capsize=4, color="tab:blue")
    bar_axis.set_xticks(range(len(methods)))
    bar_axis.set_xticklabels(methods, rotation=45, ha="right", fontsize=8)
    bar_axis.set_ylim(0, 4.3)
    bar_axis.set_ylabel("goals reached (of 4)")
    bar_axis.set_title(f"{num_rollouts} rollouts per seed;\nmean, min-max over seeds",
                       fontsize=9)
    figure.tight_layout()
    figure.savefig(os.path.join(output_dir, "goal_coverage.png"), dpi=100)
    plt.close(figure)


def main(argv=None):
    args = parse_args(argv)
    rows = []
    for method in args.method:
        directory = os.path.join(args.output_dir, method)
        os.makedirs(directory, exist_ok=True)
        for seed in range(args.seeds):
            variant = build_variant(method, seed, args)
            goals_path = os.path.join(directory, f"seed{seed}-goals.json")
            if not args.redraw:
                if not os.path.exists(os.path.join(directory, f"seed{seed}.json")):
                    train_seed(variant, directory, seed, COLUMNS,
                               lambda diagnostics: (diagnostics["evaluation/episode-reward-mean"],),
                               notes={"method": method})
                if not os.path.exists(goals_path):
                    evaluate_coverage(variant, directory, seed, args.rollouts)
            with open(goals_path) as file:
                counts = json.load(file)["counts"]
            rows.append(coverage_row(method, seed, counts))
            print(json.dumps(dict(zip(COVERAGE_COLUMNS, rows[-1]))), flush=True)
    with open(os.path.join(args.output_dir, "goal_coverage.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COVERAGE_COLUMNS)
        writer.writerows(rows)
    draw(args.output_dir, rows, args.method, args.rollouts)


if __name__ == "__main__":
    main()
