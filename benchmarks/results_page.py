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
    # One launch per seed, each its own experiment with ``trial_cpus`` CPUs, instead of every
    # seed side by side in one: a row longer than a sitting then lands seed by seed (each
    # finished seed goes into the committed CSV; the checkpoints of an unfinished one are
    # lost with the machine).
    seed_by_seed: bool = False
    trial_cpus: int = 1

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

    def launches(self):
        """[(experiment name, seeds)]: what one ``softlearning`` process trains at a time."""
        if self.seed_by_seed:
            return [(f"{self.name}-seed{seed}", (seed,)) for seed in self.seeds]
        return [(self.name, self.seeds)]


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


def _estimate(steps_per_second, steps, warmup=10_000, seed_by_seed=False, seeds=3):
    alone = (steps - warmup) / steps_per_second / 3600
    head = f"{alone:.1f} h per seed alone ({steps_per_second:g} env steps/s)"
    if seed_by_seed:
        return (f"{head}; seeds one after another, one launch each ({seeds} seeds "
                f"{seeds * alone:.1f} h)")
    return f"{head}; {seeds} seeds side by side {alone / SIDE_BY_SIDE_RATE:.1f} h"


FRONTIER = dict(steps_from="first", page="frontier")
SEED_BY_SEED = dict(FRONTIER, seed_by_seed=True, trial_cpus=2)
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
    # Hopper with the paper's d for it, 5 per critic (20% of the pooled atoms dropped, against
    # the default's 8%), on the default 2 critics of 25 quantiles: the reference row ended at
    # half our SAC's return there, and a second read of the update found no error, only this
    # setting (benchmarks/README.md, session 20). Seed by seed, so that a sitting's last hour
    # lands what it finishes.
    Row("TQC", "Hopper-v5", 100_000, "reference", (50_000, 100_000), label="d5",
        overrides=("algorithm_params.config.top_quantiles_to_drop_per_net=5",),
        estimate=_estimate(145.3, 100_000, seed_by_seed=True), **SEED_BY_SEED),
    # The high update-to-data rows take longer than a sitting (a machine that does not keep
    # its checkpoints between sittings): one seed at a time on both cores, each finished seed
    # committed. One seed alone is at least as fast as its share of three side by side.
    Row("DroQ", "HalfCheetah-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(11.3, 50_000, seed_by_seed=True), targets=((50_000, 6_000),),
        **SEED_BY_SEED),
    Row("DroQ", "Hopper-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(11.3, 50_000, seed_by_seed=True), **SEED_BY_SEED),
    Row("REDQ", "Hopper-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(6.6, 50_000, seed_by_seed=True), targets=((50_000, 2_000),),
        **SEED_BY_SEED),
    Row("REDQ", "HalfCheetah-v5", 50_000, "reference", (50_000,),
        estimate=_estimate(6.6, 50_000, seed_by_seed=True), **SEED_BY_SEED),
    # Issue 34. Rates from session 16's sweep on this AMD EPYC machine (benchmarks/README.md):
    # CrossQ at critic width 256 92.0 env steps/s, at SBX's 1024 14.9 (SBX's own CrossQ: 14.9);
    # SAC with SimBa networks at SimBa's widths (critic 512 x 2 blocks) 5.9, a 4.2 h seed and
    # 12.7 h for three, above eight hours: the rows run SimBa at critic width 128, actor 64
    # (54.2 env steps/s).
    Row("CrossQ", "HalfCheetah-v5", 100_000, "reference", (50_000, 100_000), label="256",
        overrides=("Q_params.config.hidden_layer_sizes=[256,256]",),
        estimate=_estimate(92.0, 100_000), **FRONTIER),
    Row("CrossQ", "Hopper-v5", 100_000, "reference", (50_000, 100_000), label="256",
        overrides=("Q_params.config.hidden_layer_sizes=[256,256]",),
        estimate=_estimate(92.0, 100_000), **FRONTIER),
    Row("CrossQ", "HalfCheetah-v5", 100_000, "reference", (50_000, 100_000), seeds=(0, 1),
        estimate=_estimate(14.9, 100_000, seed_by_seed=True, seeds=2),
        targets=((100_000, 8_000),), **SEED_BY_SEED),
    *(Row("SAC", env, 100_000, "reference", (50_000, 100_000), label="simba-128",
          overrides=("Q_params.config.network=simba", "Q_params.config.simba_width=128",
                     "policy_params.config.network=simba", "policy_params.config.simba_width=64"),
          estimate=_estimate(54.2, 100_000), **FRONTIER)
      for env in ("HalfCheetah-v5", "Hopper-v5")),
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


def command(row, name=None, seeds=None):
    """The CLI command that trains the row, or its launch ``name`` of ``seeds`` (what the page
    prints beside it)."""
    name, seeds = (name, seeds) if seeds is not None else row.launches()[0]
    _, _, epochs = warmup_and_epochs(row)
    sets = row.variant_overrides() + [f"algorithm_params.config.n_epochs={epochs}",
                                      f"algorithm_params.config.eval_n_episodes={EVAL_EPISODES}"]
    return (["softlearning", "run_example_local", "examples.development",
             "--algorithm", row.algorithm, "--universe", "gymnasium",
             "--domain", row.domain, "--task", row.task,
             "--num-samples", str(len(seeds)), "--seed", str(seeds[0])]
            + [argument for entry in sets for argument in ("--set", entry)]
            + ["--exp-name", name] + launch_flags(row, seeds))


def launch_flags(row, seeds=None):
    """Flags every launch and restore of a row (or of its ``seeds``) needs: the seeds side by
    side, ``trial_cpus`` each (and their workers' CPUs: Ray's CPUs are logical, they may
    exceed the cores)."""
    seeds = row.seeds if seeds is None else seeds
    cpus = len(seeds) * (row.trial_cpus + row.worker_cpus)
    return ["--cpus", f"{cpus:g}", "--trial-cpus", str(row.trial_cpus),
            "--max-concurrent-trials", str(len(seeds)),
            "--checkpoint-frequency", str(CHECKPOINT_FREQUENCY)]


def experiment_directories(row, runs_directory=RUNS_DIRECTORY, name=None):
    """The experiment directories (oldest first) of the row's launch ``name`` (the row's own
    name by default): ``<timestamp>-<name>``."""
    return sorted(glob.glob(os.path.join(runs_directory, "gymnasium", row.domain, row.task,
                                         f"*-{name or row.name}")))


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


def finished(row, curves, seeds=None):
    """Every one of ``seeds`` (the row's by default) in ``curves`` ({seed: {timestep:
    return}}) at the row's last step."""
    warmup, _, _ = warmup_and_epochs(row)
    seeds = row.seeds if seeds is None else seeds
    return (set(curves) >= set(seeds)
            and all(max(curves[seed], default=0) >= row.timestep(row.steps, warmup)
                    for seed in seeds))


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


def log_sitting(row, action, curves, results_directory, seeds=None):
    entry = {"row": row.name, "action": action,
             "seeds": list(row.seeds if seeds is None else seeds),
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
        committed = committed_progress(row, results_directory)
        for name, seeds in row.launches():
            if stop_after_row:
                print(f"results_page: stopped before {name} (SIGUSR1)", flush=True)
                return 0
            code = _run_launch(row, name, seeds, committed, runs_directory, results_directory)
            if code == 130:
                return code
    return 0


def _run_launch(row, name, seeds, committed, runs_directory, results_directory):
    """Starts, continues or skips one launch of a row; its exit code (130: interrupted)."""
    directories = experiment_directories(row, runs_directory, name)
    curves = trial_progress(directories[-1]) if directories else {}
    # The committed CSV first: a leftover or partial experiment directory must not make a
    # finished row start again (its collect would overwrite the finished CSV).
    if finished(row, committed, seeds) or (directories and finished(row, curves, seeds)):
        print(f"results_page: {name} finished", flush=True)
        return 0
    if directories and not glob.glob(os.path.join(directories[-1], "experiment_state*")):
        # Cut off before Tune wrote any state: nothing to continue; kept aside, not deleted.
        os.rename(directories[-1], directories[-1] + ".unstarted")
        print(f"results_page: {directories[-1]} has no Tune state; set aside as "
              f"{os.path.basename(directories[-1])}.unstarted", flush=True)
        directories, curves = [], {}
    if directories:
        arguments = ["softlearning", "run_example_local", "examples.development",
                     "--restore", directories[-1]] + launch_flags(row, seeds)
        action = "restore"
    else:
        arguments = command(row, name, seeds) + ["--local-dir", runs_directory]
        action = "start"
    log_sitting(row, action, curves, results_directory, seeds)
    print(f"results_page: {action} {name}: {' '.join(arguments)}", flush=True)
    process = subprocess.Popen(arguments)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        # The CLI got the same SIGINT (one process group): Tune saves and stops.
        process.send_signal(signal.SIGINT)
        process.wait()
        print(f"results_page: interrupted during {name}", flush=True)
        return 130
    if code != 0:
        print(f"results_page: {name} exited with {code}; next launch", flush=True)
    else:
        # A finished launch (a row, or one seed of it) is in the committed CSV at once: the
        # next machine may not have its runs.
        collect([row], runs_directory, results_directory)
    return code


def row_progress(row, runs_directory=RUNS_DIRECTORY, results_directory=RESULTS_DIRECTORY):
    """{seed: {timestep: return}} of a row: its committed CSV, with each seed that an
    experiment directory on this machine has replaced by that directory's (the latest of
    each launch)."""
    curves = committed_progress(row, results_directory)
    for name, seeds in row.launches():
        directories = experiment_directories(row, runs_directory, name)
        if directories:
            for seed, curve in trial_progress(directories[-1]).items():
                # A seed restarted on this machine does not replace one that got further.
                if max(curve, default=0) >= max(curves.get(seed, {}), default=0):
                    curves[seed] = curve
    return curves


def collect(rows, runs_directory=RUNS_DIRECTORY, results_directory=RESULTS_DIRECTORY):
    """Writes ``<page>/<row>.csv`` for every row with an experiment on this machine that has
    evaluated (seeds run elsewhere, already in the CSV, are kept); returns the paths."""
    paths = []
    for row in rows:
        if not any(experiment_directories(row, runs_directory, name)
                   for name, _ in row.launches()):
            continue
        curves = row_progress(row, runs_directory, results_directory)
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
