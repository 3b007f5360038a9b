"""The offline results page: BC, CQL, SAC-N, EDAC and offline SAC on recorded Minari datasets.

    python -m benchmarks.offline_results datasets   # record the datasets from their runs
    python -m benchmarks.offline_results run [--only NAME ...]   # train (or continue) rows
    python -m benchmarks.offline_results render     # CSVs -> benchmarks/results/offline/README.md

``DATASETS`` says how each dataset is recorded (``softlearning make_dataset``) from a
checkpoint of a results-page run: "medium" from the checkpoint at about a third of the run's
best return, "medium-replay" from that checkpoint's replay pool, "expert" from the last one;
the reference scores are a random policy's mean return and the last checkpoint's. The
checkpoints are not committed (benchmarks/results/runs is ignored): ``datasets`` needs the
runs on this machine, and says which are missing.

``run`` launches each unfinished row through the CLI (``--dataset``, checkpoints every
epoch), continuing an interrupted one with ``--restore``, and after each finished row writes
its curve (normalized score per epoch) to ``benchmarks/results/offline/<row>.csv``. ``render``
writes the table of final normalized scores (the last epoch's 10 evaluation episodes), with
the interquartile mean over seeds, beside CORL's published last scores for the same
algorithms on D4RL's datasets of the same tasks (``corl_last_scores.csv``): the datasets
differ, so the comparison is of orderings, not of numbers.
"""
import argparse
import csv
import glob
import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "offline")
RUNS = os.path.join(ROOT, "benchmarks", "results", "runs")
CROSSQ_HALFCHEETAH = ("gymnasium/HalfCheetah/v5/*-CrossQ-HalfCheetah-v5-reference-100k-256/"
                      "id=*_00000-seed=0")


@dataclass(frozen=True)
class Dataset:
    dataset_id: str
    run_glob: str  # the results-page run (under benchmarks/results/runs) it comes from
    checkpoint: str  # the checkpoint its data comes from
    expert_checkpoint: str
    kind: str  # "policy" (--episodes 100) or "replay"
    note: str


DATASETS = (
    # CrossQ (critic 256) on HalfCheetah-v5, seed 0 of the results page's row: return 3,105
    # at 20k steps (a third of its best, 8,400 at 100k), checkpoint_000003.
    Dataset("softlearning/halfcheetah/medium-v0", CROSSQ_HALFCHEETAH, "checkpoint_000003",
            "checkpoint_000019", "policy",
            "100 episodes of CrossQ's stochastic policy at 20k steps (100k transitions, "
            "reward 2.85 per step)"),
    Dataset("softlearning/halfcheetah/medium-replay-v0", CROSSQ_HALFCHEETAH,
            "checkpoint_000003", "checkpoint_000019", "replay",
            "CrossQ's replay pool up to 20k steps (10k of them the uniform warm-up; "
            "reward 0.456 per step, so R / (1 - 0.99) = 45.6)"),
    Dataset("softlearning/halfcheetah/expert-v0", CROSSQ_HALFCHEETAH, "checkpoint_000019",
            "checkpoint_000019", "policy",
            "100 episodes of CrossQ's stochastic policy at 100k steps (100k transitions, "
            "reward 7.96 per step)"),
)


@dataclass(frozen=True)
class Row:
    algorithm: str
    dataset_id: str
    env: str
    epochs: int  # of 5000 gradient updates
    seeds: tuple = (0,)
    estimate: str = ""

    @property
    def name(self):
        return f"{self.algorithm}-{self.dataset_id.split('/', 1)[1].replace('/', '-')}-" \
               f"{self.epochs * 5}k"


# 10k updates each (of the papers' 300k-3M): what one sitting's CPU allows beside the
# frontier rows. Estimates: `python -m benchmarks.offline_throughput --env HalfCheetah-v5
# --updates 1000 --dataset-steps 20000` on this 2-core AMD EPYC with a frontier row running
# beside it (updates/s: BC 258, SAC 75.8, SAC-N 16.2, EDAC 5.8, CQL 4.1), for 10k updates
# and two 10-episode evaluations, plus about a minute of start-up.
ESTIMATES = {"BC": "0.03 h", "SAC": "0.06 h", "SAC-N": "0.2 h", "EDAC": "0.5 h",
             "CQL": "0.7 h"}
ROWS = tuple(Row(algorithm, "softlearning/halfcheetah/medium-replay-v0", "HalfCheetah-v5", 2,
                 estimate=ESTIMATES[algorithm])
             for algorithm in ("BC", "SAC", "SAC-N", "CQL", "EDAC"))


def run_directory(pattern):
    matches = sorted(glob.glob(os.path.join(RUNS, pattern)))
    return matches[-1] if matches else None


def make_datasets():
    missing = []
    for dataset in DATASETS:
        directory = run_directory(dataset.run_glob)
        if directory is None:
            missing.append(f"{dataset.dataset_id}: no run {dataset.run_glob} in {RUNS}")
            continue
        source = os.path.join(directory, dataset.checkpoint)
        expert = os.path.join(directory, dataset.expert_checkpoint)
        kind = ["--replay"] if dataset.kind == "replay" else ["--episodes", "100"]
        code = subprocess.call([sys.executable, "-m", "softlearning_tf2.scripts.console_scripts",
                                "make_dataset", source, *kind, "--expert", expert,
                                "--dataset-id", dataset.dataset_id, "--seed", "0"])
        print(f"{dataset.dataset_id}: exit {code}", flush=True)
    for line in missing:
        print(f"missing: {line}", flush=True)
    return 1 if missing else 0


def experiment_directories(row, seed):
    domain, task = row.env.split("-", 1)
    return sorted(glob.glob(os.path.join(RUNS, "gymnasium", domain, task,
                                         f"*-{row.name}-seed{seed}")))


def progress_of(directory):
    paths = glob.glob(os.path.join(directory, "id=*", "progress.csv"))
    if not paths:
        return []
    with open(paths[0]) as file:
        return list(csv.DictReader(file))


def finished(row, seed):
    return any(len(progress_of(directory)) >= row.epochs
               for directory in experiment_directories(row, seed))


def launch(row, seed):
    domain, task = row.env.split("-", 1)
    existing = experiment_directories(row, seed)
    command = [sys.executable, "-m", "softlearning_tf2.scripts.console_scripts",
               "run_example_local", "examples.development"]
    if existing:
        command += ["--restore", existing[-1]]
    command += ["--algorithm", row.algorithm, "--domain", domain, "--task", task,
                "--dataset", row.dataset_id, "--seed", str(seed), "--exp-name",
                f"{row.name}-seed{seed}", "--local-dir", RUNS, "--checkpoint-frequency", "1",
                "--trial-cpus", "2", "--set", f"algorithm_params.config.n_epochs={row.epochs}"]
    print(" ".join(command[2:]), flush=True)
    return subprocess.call(command, cwd=ROOT)


def collect(row):
    """The row's curves (seed, updates, return, normalized score) into its CSV."""
    lines = []
    for seed in row.seeds:
        for directory in experiment_directories(row, seed):
            for result in progress_of(directory):
                lines.append([seed, int(float(result["timestep"])),
                              float(result["evaluation/episode-reward-mean"]),
                              float(result["evaluation/normalized-score-mean"]),
                              result.get("algorithm/Q_target-mean", "")])
    if not lines:
        return
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{row.name}.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["seed", "updates", "evaluation_return", "normalized_score",
                         "Q_target_mean"])
        writer.writerows(lines)


def read_curve(row):
    path = os.path.join(RESULTS, f"{row.name}.csv")
    if not os.path.isfile(path):
        return {}
    curves = {}
    with open(path) as file:
        for line in csv.DictReader(file):
            curves.setdefault(int(line["seed"]), []).append(
                (int(line["updates"]), float(line["normalized_score"]),
                 float(line["evaluation_return"]), line["Q_target_mean"]))
    return curves


def interquartile_mean(values):
    values = np.sort(np.asarray(values, np.float64))
    cut = int(np.floor(0.25 * len(values)))
    kept = values[cut:len(values) - cut] if len(values) > 3 else values
    return float(np.mean(kept))


def corl_scores():
    path = os.path.join(RESULTS, "corl_last_scores.csv")
    with open(path) as file:
        return {(line["dataset"], line["algorithm"]): line["score"]
                for line in csv.DictReader(file)}


def page_text():
    """The page, from the committed CSVs."""
    published = corl_scores()
    lines = ["# Offline results: BC, CQL, SAC-N, EDAC and offline SAC", "",
             "Generated by `python -m benchmarks.offline_results render` from the CSVs beside "
             "this page. Normalized score: 100 * (return - random) / (expert - random), of the "
             "last epoch's 10 evaluation episodes (the dataset's reference scores); IQM over "
             "seeds. CORL's column: the last scores its README publishes (tinkoff-ai/CORL, "
             "'D4RL Benchmarks', Gym-MuJoCo) on D4RL's v2 dataset of the same task and kind, "
             "after CORL's own budgets (1M updates for CQL, 3M for EDAC); the datasets "
             "differ, so compare orderings, not numbers.", "",
             "The Q column is the critics' target in the last update, against a dataset whose "
             "rewards average R per step (R / (1 - discount) is the scale a critic that does "
             "not over-estimate stays near): offline SAC's grows where the data gives it "
             "nothing to correct it.", "",
             "| dataset | algorithm | updates | seeds | normalized score (IQM) | return | "
             "Q target (last update) | CORL (D4RL) |", "|---|---|---|---|---|---|---|---|"]
    for row in ROWS:
        curves = read_curve(row)
        final = [curve[-1] for curve in curves.values()
                 if curve and curve[-1][0] >= row.epochs * 5000]
        kind = row.dataset_id.split("/")[-1].rsplit("-v", 1)[0]
        task = row.dataset_id.split("/")[1]
        reference = published.get((f"{task}-{kind}-v2", row.algorithm), "")
        if final:
            score = f"{interquartile_mean([value[1] for value in final]):.1f}"
            returns = ", ".join(f"{value[2]:,.0f}" for value in final)
            Q_targets = ", ".join(f"{float(value[3]):.1f}" for value in final if value[3])
            seeds = f"{len(final)} of {len(row.seeds)}"
        else:
            score, returns, Q_targets, seeds = "", "", "", f"0 of {len(row.seeds)}"
        lines.append(f"| {row.dataset_id} | {row.algorithm} | {row.epochs * 5000:,} | {seeds} "
                     f"| {score} | {returns} | {Q_targets} | {reference} |")
    lines += ["", "Datasets (`python -m benchmarks.offline_results datasets`):", ""]
    lines += [f"- `{dataset.dataset_id}`: {dataset.note}; reference scores from a random "
              f"policy and the {dataset.expert_checkpoint} policy (10 episodes each)."
              for dataset in DATASETS]
    lines += ["", "Estimated cost before each row ran:", ""]
    lines += [f"- {row.name}: {row.estimate}" for row in ROWS if row.estimate]
    return "\n".join(lines) + "\n"


def render():
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "README.md"), "w") as file:
        file.write(page_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("datasets", "run", "collect", "render"))
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    args = parser.parse_args(argv)
    names = {row.name for row in ROWS}
    unknown = sorted(set(args.only) - names)
    if unknown:
        parser.exit(2, f"offline_results: error: unknown row {', '.join(unknown)}; rows: "
                       f"{', '.join(sorted(names))}\n")
    rows = [row for row in ROWS if not args.only or row.name in args.only]
    if args.action == "datasets":
        return make_datasets()
    if args.action == "run":
        for row in rows:
            for seed in row.seeds:
                if not finished(row, seed):
                    launch(row, seed)
            collect(row)
            render()
        return 0
    for row in rows:
        collect(row)
    render()
    return 0


if __name__ == "__main__":
    sys.exit(main())
