"""The results page: SAC, SACV and SQL on MuJoCo tasks, run through the CLI, beside the
published figures.

    python -m benchmarks.results_page run [--only NAME ...]   # train (or continue) the rows
    python -m benchmarks.results_page collect                 # Tune's progress.csv -> CSVs
    python -m benchmarks.results_page render                  # CSVs -> README.md + PNGs

``run`` launches every row of ``ROWS`` that is not finished, one after another, as one
``softlearning run_example_local examples.development`` experiment per row (its 3 seeds are 3
Tune trials side by side, one CPU each), checkpointing every ``CHECKPOINT_FREQUENCY`` epochs.
A row whose experiment directory exists but did not finish is continued with ``--restore``
(the run was cut off: a crash, a reboot, the end of a sitting); every launch is logged in
``sittings.jsonl`` so the page can say which rows were resumed. Stop a sitting with SIGINT to
this process: the running experiment stops and saves, and no further row starts. To end a
sitting between rows instead, send SIGUSR1 (``kill -USR1 <pid>``): the running row goes on to
its end and no further row starts.

``collect`` condenses each row's trials into ``<row>.csv`` (seed, environment steps, steps
after the warm-up, evaluation return; when a trial was resumed from a checkpoint the epochs it
ran again replace the ones it lost). ``render`` writes ``README.md`` (the table is generated
from those CSVs: ``tests/benchmarks/test_results_page.py`` checks that they agree) and one PNG
per task. Experiment directories (checkpoints, Tune's files) stay under ``runs/``, which git
ignores; the CSVs, the log of sittings and the figures (``results/mujoco/``) and the page
(``results/README.md``) are committed.
"""
import argparse
import csv
import datetime
import glob
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from benchmarks.learning import PRESETS

RESULTS_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
PAGE_DIRECTORY = os.path.join(RESULTS_DIRECTORY, "mujoco")
RUNS_DIRECTORY = os.path.join(RESULTS_DIRECTORY, "runs")
SITTINGS_FILE = "sittings.jsonl"
SEEDS = (0, 1, 2)
EVAL_EPISODES = 3
CHECKPOINT_FREQUENCY = 5
RESULT_COLUMNS = ["seed", "timestep", "steps_after_warmup", "evaluation_return"]


@dataclass(frozen=True)
class Row:
    """One experiment of the page: an algorithm on a task, 3 seeds, reported at ``report_at``
    environment steps after the uniform-random warm-up."""
    algorithm: str
    env: str
    steps: int
    preset: str
    report_at: tuple
    label: str = ""
    overrides: tuple = field(default=())
    worker_cpus: float = 0.0  # CPUs of a trial's sampler workers, beside its own one

    @property
    def name(self):
        suffix = f"-{self.label}" if self.label else ""
        return f"{self.algorithm}-{self.env}-{self.preset}-{self.steps // 1000}k{suffix}"

    @property
    def title(self):
        """The algorithm, and what the label changes (for the table and the figures)."""
        return f"{self.algorithm}, {self.label.replace('-', ' ')}" if self.label else (
            self.algorithm)

    @property
    def domain(self):
        return self.env.split("-", 1)[0]

    @property
    def task(self):
        return self.env.split("-", 1)[1]

    def variant_overrides(self):
        return list(PRESETS[self.preset]) + list(self.overrides)


# SAC with Tianshou's settings (the published curve's), read at 100k and 300k from one run;
# SAC collecting with 2 asynchronous Ray workers (issue 17's check against the default
# sampler; the synchronous HalfCheetah row follows it, so the two come from one sitting);
# SACV and SQL at their papers' settings (reward scales 5 and 30 on these tasks: the
# variant's defaults), 100k. This is the order the runner trains them in (Ant, the longest,
# last); the page groups them by algorithm.
ROWS = (
    Row("SAC", "Hopper-v5", 300_000, "tianshou", (100_000, 300_000)),
    Row("SAC", "Walker2d-v5", 300_000, "tianshou", (100_000, 300_000)),
    Row("SAC", "HalfCheetah-v5", 100_000, "tianshou", (100_000,), label="2-async-workers",
        overrides=("sampler_params.class_name=RemoteSampler",
                   "sampler_params.config.num_workers=2",
                   "sampler_params.config.asynchronous=true",
                   "sampler_params.config.worker_cpus=0.5"), worker_cpus=1.0),
    Row("SAC", "HalfCheetah-v5", 300_000, "tianshou", (100_000, 300_000)),
    Row("SACV", "HalfCheetah-v5", 100_000, "reference", (100_000,)),
    Row("SACV", "Hopper-v5", 100_000, "reference", (100_000,)),
    Row("SQL", "HalfCheetah-v5", 100_000, "reference", (100_000,)),
    Row("SQL", "Hopper-v5", 100_000, "reference", (100_000,)),
    Row("SAC", "Ant-v5", 300_000, "tianshou", (100_000, 300_000)),
)


def warmup_and_epochs(row):
    """(warm-up steps, epoch length, epochs) of the row's variant."""
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = apply_overrides(get_variant(row.algorithm, "gymnasium", row.domain, row.task, 0),
                              row.variant_overrides())
    config = variant["algorithm_params"]["config"]
    warmup, epoch_length = config["n_initial_exploration_steps"], config["epoch_length"]
    return warmup, epoch_length, -(-(row.steps + warmup) // epoch_length)


def command(row):
    """The CLI command that trains the row (what the page prints beside it)."""
    _, _, epochs = warmup_and_epochs(row)
    sets = row.variant_overrides() + [f"algorithm_params.config.n_epochs={epochs}",
                                      f"algorithm_params.config.eval_n_episodes={EVAL_EPISODES}"]
    return (["softlearning", "run_example_local", "examples.development",
             "--algorithm", row.algorithm, "--universe", "gymnasium",
             "--domain", row.domain, "--task", row.task,
             "--num-samples", str(len(SEEDS)), "--seed", str(SEEDS[0])]
            + [argument for entry in sets for argument in ("--set", entry)]
            + ["--exp-name", row.name] + launch_flags(row))


def launch_flags(row):
    """Flags every launch and restore of a row needs: the seeds side by side, one CPU each
    (and their workers' CPUs: Ray's CPUs are logical, they may exceed the cores)."""
    cpus = len(SEEDS) * (1 + row.worker_cpus)
    return ["--cpus", f"{cpus:g}", "--trial-cpus", "1",
            "--max-concurrent-trials", str(len(SEEDS)),
            "--checkpoint-frequency", str(CHECKPOINT_FREQUENCY)]


def experiment_directories(row, runs_directory=RUNS_DIRECTORY):
    """The row's experiment directories (oldest first): ``<timestamp>-<row name>``."""
    return sorted(glob.glob(os.path.join(runs_directory, "gymnasium", row.domain, row.task,
                                         f"*-{row.name}")))


def trial_progress(experiment_directory):
    """{seed: {timestep: evaluation return}} from the trials' progress.csv files; a timestep
    reported twice (epochs run again after a restore) keeps its last report."""
    curves = {}
    for progress in sorted(glob.glob(os.path.join(experiment_directory, "*", "progress.csv"))):
        with open(os.path.join(os.path.dirname(progress), "params.json")) as file:
            seed = int(json.load(file)["run_params"]["seed"])
        with open(progress, newline="") as file:
            for record in csv.DictReader(file):
                value = record.get("evaluation/episode-reward-mean", "")
                if value not in ("", "nan"):
                    curves.setdefault(seed, {})[int(record["timestep"])] = float(value)
    return curves


def finished(row, curves):
    warmup, _, _ = warmup_and_epochs(row)
    return (set(curves) >= set(SEEDS)
            and all(max(curves[seed], default=0) >= row.steps + warmup for seed in SEEDS))


def log_sitting(row, action, curves, page_directory):
    entry = {"row": row.name, "action": action,
             "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
             "timestep_before": {str(seed): max(curve) for seed, curve in sorted(curves.items())}}
    with open(os.path.join(page_directory, SITTINGS_FILE), "a") as file:
        file.write(json.dumps(entry) + "\n")


def run_rows(rows, runs_directory, page_directory):
    """Trains or continues each unfinished row, one at a time; returns on the first SIGINT,
    or after the running row once SIGUSR1 has arrived."""
    # A runner started in the background of a script inherits SIGINT ignored: the CLI would
    # stop on it (Tune sets its own handler) and this loop would start the next row.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_after_row = []

    def request_stop_after_row(signum, frame):
        stop_after_row.append(signum)  # read between rows; no printing inside a handler

    previous_handler = signal.signal(signal.SIGUSR1, request_stop_after_row)
    try:
        return _run_rows(rows, runs_directory, page_directory, stop_after_row)
    finally:
        signal.signal(signal.SIGUSR1, previous_handler)


def _run_rows(rows, runs_directory, page_directory, stop_after_row):
    for row in rows:
        if stop_after_row:
            print(f"results_page: stopped before {row.name} (SIGUSR1)", flush=True)
            return 0
        directories = experiment_directories(row, runs_directory)
        curves = trial_progress(directories[-1]) if directories else {}
        if directories and finished(row, curves):
            print(f"results_page: {row.name} finished", flush=True)
            continue
        if directories and not glob.glob(os.path.join(directories[-1], "experiment_state*")):
            # Cut off before Tune wrote any state: nothing to continue; kept aside, not deleted.
            os.rename(directories[-1], directories[-1] + ".unstarted")
            print(f"results_page: {directories[-1]} has no Tune state; set aside as "
                  f"{os.path.basename(directories[-1])}.unstarted", flush=True)
            directories, curves = [], {}
        if directories:
            arguments = ["softlearning", "run_example_local", "examples.development",
                         "--restore", directories[-1]] + launch_flags(row)
            action = "restore"
        else:
            arguments = command(row) + ["--local-dir", runs_directory]
            action = "start"
        log_sitting(row, action, curves, page_directory)
        print(f"results_page: {action} {row.name}: {' '.join(arguments)}", flush=True)
        process = subprocess.Popen(arguments)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            # The CLI got the same SIGINT (one process group): Tune saves and stops.
            process.send_signal(signal.SIGINT)
            process.wait()
            print(f"results_page: interrupted during {row.name}", flush=True)
            return 130
        if code != 0:
            print(f"results_page: {row.name} exited with {code}; next row", flush=True)
    return 0


def collect(rows, runs_directory=RUNS_DIRECTORY, page_directory=PAGE_DIRECTORY):
    """Writes ``<row>.csv`` for every row whose experiment has evaluated; returns the paths."""
    paths = []
    for row in rows:
        directories = experiment_directories(row, runs_directory)
        if not directories:
            continue
        curves = trial_progress(directories[-1])
        if not curves:  # just started: no evaluation yet, nothing to tabulate or draw
            continue
        warmup, _, _ = warmup_and_epochs(row)
        path = os.path.join(page_directory, f"{row.name}.csv")
        with open(path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(RESULT_COLUMNS)
            for seed, curve in sorted(curves.items()):
                writer.writerows((seed, step, step - warmup, round(value, 2))
                                 for step, value in sorted(curve.items()))
        paths.append(path)
    return paths


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("run", "collect", "render"))
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only these rows (names as in ROWS, e.g. SAC-Hopper-v5-tianshou-300k)")
    parser.add_argument("--page-dir", default=PAGE_DIRECTORY)
    parser.add_argument("--runs-dir", default=RUNS_DIRECTORY)
    return parser.parse_args(argv)


def select_rows(names):
    known = {row.name: row for row in ROWS}
    unknown = [name for name in names if name not in known]
    if unknown:
        sys.exit(f"results_page: unknown row {', '.join(unknown)}; rows: {', '.join(known)}")
    return [known[name] for name in names] if names else list(ROWS)


def main(argv=None):
    args = parse_args(argv)
    rows = select_rows(args.only)
    if args.action == "run":
        return run_rows(rows, args.runs_dir, args.page_dir)
    if args.action == "collect":
        for path in collect(rows, args.runs_dir, args.page_dir):
            print(path)
        return 0
    from benchmarks.results_table import render_page
    print(render_page(args.page_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
