"""The results page: SAC, SACV and SQL on MuJoCo tasks, and the SAC family's frontier (TQC,
REDQ, DroQ), run through the CLI, beside the published figures.

    python -m benchmarks.results_page run [--only NAME ...]   # train (or continue) the rows
    python -m benchmarks.results_page collect                 # Tune's progress.csv -> CSVs
    python -m benchmarks.results_page render                  # CSVs -> README.md + PNGs

``run`` launches every row of ``ROWS`` that is not finished, one after another, as one
``softlearning run_example_local examples.development`` experiment per row (its seeds are
Tune trials side by side, one CPU each), checkpointing every ``CHECKPOINT_FREQUENCY`` epochs.
A row is finished when its committed CSV, or its experiment directory, has every seed at the
row's last step.
A row whose experiment directory exists but did not finish is continued with ``--restore``
(the run was cut off: a crash, a reboot, the end of a sitting); every launch is logged in
``sittings.jsonl`` so the page can say which rows were resumed. Stop a sitting with SIGINT to
this process: the running experiment stops and saves, and no further row starts. To end a
sitting between rows instead, send SIGUSR1 (``kill -USR1 <pid>``): the running row goes on to
its end and no further row starts.

Two pages share the runner: ``mujoco`` (``MUJOCO_ROWS``: steps counted after the random
warm-up, as Tianshou's published SAC counts them) and ``frontier`` (``FRONTIER_ROWS``: steps
counted from the first environment step, warm-up included, as the SimbaV2 authors' baseline
CSVs count them). Each row's CSV goes to ``results/<page>/``.

``collect`` condenses each row's trials into ``<row>.csv`` (seed, environment steps, steps
after the warm-up, evaluation return; when a trial was resumed from a checkpoint the epochs it
ran again replace the ones it lost). ``render`` writes ``README.md`` (the table is generated
from those CSVs: ``tests/benchmarks/test_results_page.py`` checks that they agree) and one PNG
per task. Experiment directories (checkpoints, Tune's files) stay under ``runs/``, which git
ignores; the CSVs, the logs of sittings and the figures (``results/mujoco/``,
``results/frontier/``) and the page (``results/README.md``) are committed.
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
RUNS_DIRECTORY = os.path.join(RESULTS_DIRECTORY, "runs")
SITTINGS_FILE = "sittings.jsonl"
SEEDS = (0, 1, 2)
EVAL_EPISODES = 3
CHECKPOINT_FREQUENCY = 5
RESULT_COLUMNS = ["seed", "timestep", "steps_after_warmup", "evaluation_return"]


@dataclass(frozen=True)
class Row:
    """One experiment of a page: an algorithm on a task over ``seeds``, trained for ``steps``
    and reported at ``report_at``, both counted as ``steps_from`` says: "warmup" after the
    uniform-random warm-up (the run takes warm-up + steps), "first" from the first
    environment step (the warm-up is part of them)."""
    algorithm: str
    env: str
    steps: int
    preset: str
    report_at: tuple
    label: str = ""
    overrides: tuple = field(default=())
    worker_cpus: float = 0.0  # CPUs of a trial's sampler workers, beside its own one
    seeds: tuple = SEEDS
    steps_from: str = "warmup"
    page: str = "mujoco"
    estimate: str = ""  # the row's cost, estimated from benchmarks.throughput before it ran
    targets: tuple = ()  # ((step, return), ...): a return the row is expected to reach

    def __post_init__(self):
        if self.steps_from not in ("warmup", "first"):
            raise ValueError(f"steps_from is 'warmup' or 'first', not {self.steps_from!r}")

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

    def timestep(self, step, warmup):
        """The environment step (from the first) of ``step`` as this row counts steps."""
        return step + warmup if self.steps_from == "warmup" else step

    def page_directory(self, results_directory=RESULTS_DIRECTORY):
        return os.path.join(results_directory, self.page)


# SAC with Tianshou's settings (the published curve's), read at 100k and 300k from one run;
# SAC collecting with 2 asynchronous Ray workers (issue 17's check against the default
# sampler; the synchronous HalfCheetah row follows it, so the two come from one sitting);
# SACV and SQL at their papers' settings (reward scales 5 and 30 on these tasks: the
# variant's defaults), 100k. This is the order the runner trains them in (Ant, the longest,
# last); the page groups them by algorithm.
MUJOCO_ROWS = (
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

# The frontier at the variants' defaults (the papers' settings; README's "The SAC family's
# frontier"), counted from the first step as the SimbaV2 baseline CSVs count them. Estimates:
# env steps/s of one seed alone from `python -m benchmarks.throughput --algorithm A --env
# HalfCheetah-v5` (benchmarks/README.md, session 14's sweep: TQC 145.3, DroQ 11.3, REDQ 6.6;
# two threads), the 10k warm-up steps at no cost, and each of three seeds side by side (one
# thread each on two cores) at SIDE_BY_SIDE_RATE of that: measured on the first TQC row (43
# env steps/s per seed against 145.3 alone; before it, the estimate assumed 1.5-3 times one
# seed's time for the three, 3.4 measured). None is above eight hours: every row runs three
# seeds.
SIDE_BY_SIDE_RATE = 0.30


def _estimate(steps_per_second, steps, warmup=10_000):
    alone = (steps - warmup) / steps_per_second / 3600
    return (f"{alone:.1f} h per seed alone ({steps_per_second:g} env steps/s); 3 seeds side "
            f"by side {alone / SIDE_BY_SIDE_RATE:.1f} h")


FRONTIER = dict(steps_from="first", page="frontier")
FRONTIER_ROWS = (
    Row("TQC", "HalfCheetah-v5", 100_000, "reference", (50_000, 100_000),
        estimate=_estimate(145.3, 100_000), **FRONTIER),
    Row("TQC", "Hopper-v5", 100_000, "reference", (50_000, 100_000),
        estimate=_estimate(145.3, 100_000), **FRONTIER),
    # TQC at the settings of our SAC rows (Tianshou's: learning rates 1e-3, alpha fixed at
    # 0.2): the reference TQC row ended below those rows on HalfCheetah at 100k.
    Row("TQC", "HalfCheetah-v5", 100_000, "tianshou", (50_000, 100_000),
        estimate=_estimate(145.3, 100_000), **FRONTIER),
    # TQC at the reference settings with no atom dropped, the paper's d for HalfCheetah
    # (arXiv:2005.04269 tunes d per task; 2 per critic is sb3-contrib's and SBX's default),
    # on the default 2 critics of 25 quantiles: the reference row's truncation isolated.
    Row("TQC", "HalfCheetah-v5", 100_000, "reference", (50_000, 100_000), label="d0",
        overrides=("algorithm_params.config.top_quantiles_to_drop_per_net=0",),
        estimate=_estimate(145.3, 100_000), **FRONTIER),
    Row("DroQ", "HalfCheetah-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(11.3, 50_000), targets=((50_000, 6_000),), **FRONTIER),
    Row("DroQ", "Hopper-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(11.3, 50_000), **FRONTIER),
    Row("REDQ", "Hopper-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(6.6, 50_000), targets=((50_000, 2_000),), **FRONTIER),
    Row("REDQ", "HalfCheetah-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(6.6, 50_000), **FRONTIER),
)
ROWS = MUJOCO_ROWS + FRONTIER_ROWS
PAGES = tuple(dict.fromkeys(row.page for row in ROWS))


def warmup_and_epochs(row):
    """(warm-up steps, epoch length, epochs) of the row's variant."""
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = apply_overrides(get_variant(row.algorithm, "gymnasium", row.domain, row.task, 0),
                              row.variant_overrides())
    config = variant["algorithm_params"]["config"]
    warmup, epoch_length = config["n_initial_exploration_steps"], config["epoch_length"]
    return warmup, epoch_length, -(-row.timestep(row.steps, warmup) // epoch_length)


def command(row):
    """The CLI command that trains the row (what the page prints beside it)."""
    _, _, epochs = warmup_and_epochs(row)
    sets = row.variant_overrides() + [f"algorithm_params.config.n_epochs={epochs}",
                                      f"algorithm_params.config.eval_n_episodes={EVAL_EPISODES}"]
    return (["softlearning", "run_example_local", "examples.development",
             "--algorithm", row.algorithm, "--universe", "gymnasium",
             "--domain", row.domain, "--task", row.task,
             "--num-samples", str(len(row.seeds)), "--seed", str(row.seeds[0])]
            + [argument for entry in sets for argument in ("--set", entry)]
            + ["--exp-name", row.name] + launch_flags(row))


def launch_flags(row):
    """Flags every launch and restore of a row needs: the seeds side by side, one CPU each
    (and their workers' CPUs: Ray's CPUs are logical, they may exceed the cores)."""
    cpus = len(row.seeds) * (1 + row.worker_cpus)
    return ["--cpus", f"{cpus:g}", "--trial-cpus", "1",
            "--max-concurrent-trials", str(len(row.seeds)),
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
    """Every seed of ``curves`` ({seed: {timestep: return}}) at the row's last step."""
    warmup, _, _ = warmup_and_epochs(row)
    return (set(curves) >= set(row.seeds)
            and all(max(curves[seed], default=0) >= row.timestep(row.steps, warmup)
                    for seed in row.seeds))


def committed_progress(row, results_directory):
    """{seed: {timestep: return}} from the row's committed CSV ({} where there is none): a
    machine without the experiment directories still knows which rows are done."""
    path = os.path.join(row.page_directory(results_directory), f"{row.name}.csv")
    curves = {}
    if os.path.exists(path):
        with open(path, newline="") as file:
            for record in csv.DictReader(file):
                curves.setdefault(int(record["seed"]), {})[int(record["timestep"])] = (
                    float(record["evaluation_return"]))
    return curves


def log_sitting(row, action, curves, results_directory):
    entry = {"row": row.name, "action": action,
             "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
             "timestep_before": {str(seed): max(curve) for seed, curve in sorted(curves.items())}}
    os.makedirs(row.page_directory(results_directory), exist_ok=True)
    with open(os.path.join(row.page_directory(results_directory), SITTINGS_FILE), "a") as file:
        file.write(json.dumps(entry) + "\n")


def run_rows(rows, runs_directory, results_directory):
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
        return _run_rows(rows, runs_directory, results_directory, stop_after_row)
    finally:
        signal.signal(signal.SIGUSR1, previous_handler)


def _run_rows(rows, runs_directory, results_directory, stop_after_row):
    for row in rows:
        if stop_after_row:
            print(f"results_page: stopped before {row.name} (SIGUSR1)", flush=True)
            return 0
        directories = experiment_directories(row, runs_directory)
        curves = trial_progress(directories[-1]) if directories else {}
        # The committed CSV first: a leftover or partial experiment directory must not make a
        # finished row start again (its collect would overwrite the finished CSV).
        if finished(row, committed_progress(row, results_directory)) or (
                directories and finished(row, curves)):
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
        log_sitting(row, action, curves, results_directory)
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


def collect(rows, runs_directory=RUNS_DIRECTORY, results_directory=RESULTS_DIRECTORY):
    """Writes ``<page>/<row>.csv`` for every row whose experiment has evaluated; returns the
    paths."""
    paths = []
    for row in rows:
        directories = experiment_directories(row, runs_directory)
        if not directories:
            continue
        curves = trial_progress(directories[-1])
        if not curves:  # just started: no evaluation yet, nothing to tabulate or draw
            continue
        warmup, _, _ = warmup_and_epochs(row)
        path = os.path.join(row.page_directory(results_directory), f"{row.name}.csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
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
    parser.add_argument("--page", action="append", default=[], choices=PAGES,
                        help="only this page's rows (frontier: TQC, REDQ, DroQ)")
    parser.add_argument("--results-dir", default=RESULTS_DIRECTORY,
                        help="where the pages' CSVs, logs and figures are (one folder a page)")
    parser.add_argument("--runs-dir", default=RUNS_DIRECTORY)
    return parser.parse_args(argv)


def select_rows(names, pages=()):
    known = {row.name: row for row in ROWS}
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"results_page: unknown row {', '.join(unknown)}; rows: {', '.join(known)}",
              file=sys.stderr)
        raise SystemExit(2)
    rows = [known[name] for name in names] if names else list(ROWS)
    return [row for row in rows if row.page in pages] if pages else rows


def main(argv=None):
    args = parse_args(argv)
    rows = select_rows(args.only, args.page)
    if args.action == "run":
        return run_rows(rows, args.runs_dir, args.results_dir)
    if args.action == "collect":
        for path in collect(rows, args.runs_dir, args.results_dir):
            print(path)
        return 0
    from benchmarks.results_table import render_page
    print(render_page(args.results_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
