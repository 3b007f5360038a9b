"""Runs an example module's experiment: through Tune (locally or on a Ray cluster),
in-process for debugging, or as a dry run.

An example module (e.g. ``examples.development``) provides ``get_parser()``,
``get_variant_spec(args)``, ``get_trainable_class()`` and ``get_experiment_class()``.
"""
import datetime
import importlib
import json
import math
import os
import sys

from softlearning_tf2.experiments.command_line import (
    count_trials, search_space_entries, to_json)
from softlearning_tf2.experiments.search import (
    check_search, search_algorithm, tune_num_samples)
from softlearning_tf2.experiments.tracking import check_trackers, tracker_callbacks
from softlearning_tf2.utils.cli import UsageError
from softlearning_tf2.utils.quiet import VERBOSE_VARIABLE, import_tensorflow, verbose
from softlearning_tf2.utils.random import random_seed
from softlearning_tf2.utils.runtime import (  # noqa: F401  (console_scripts calls them here)
    configure_local_ray_environment, configure_ray_client_environment)

LOOPBACK = "127.0.0.1"
REPORTED_METRICS = {
    "timestep": "timestep",
    "evaluation/episode-reward-mean": "eval return",
    "evaluation/normalized-score-mean": "normalized score",
    "training/episode-reward-mean": "train return",
    "algorithm/alpha": "alpha",
}
SUMMARY_FILE = "summary.json"
EVALUATION_SPREAD = "evaluation/episode-reward-std"
EVALUATION_EPISODES = "evaluation/episodes"
NORMALIZED_SCORE = "evaluation/normalized-score-mean"  # offline, with reference scores


def load_example(example_module_name, example_argv):
    """Imports the example, parses its flags and builds the variant spec."""
    try:
        module = importlib.import_module(example_module_name)
    except ModuleNotFoundError as error:
        raise UsageError(f"cannot import example module {example_module_name!r}: {error}")
    missing = [name for name in ("get_parser", "get_variant_spec", "get_trainable_class")
               if not hasattr(module, name)]
    if missing:
        raise UsageError(f"{example_module_name} is not an example module "
                         f"(it lacks {', '.join(missing)})")
    args = module.get_parser().parse_args(example_argv)
    # Trial processes inherit these: TensorFlow's C++ log lines only with --verbose.
    verbose_run = getattr(args, "verbose", False)
    os.environ[VERBOSE_VARIABLE] = "1" if verbose_run else "0"
    if verbose_run:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.seed is None:
        args.seed = random_seed()
    args.exp_name = args.exp_name or args.algorithm
    if args.resources_per_trial and "cpu" in args.resources_per_trial:
        args.trial_cpus = max(1, int(args.resources_per_trial["cpu"]))
    try:
        variant_spec = module.get_variant_spec(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return module, args, variant_spec


def example_root(module):
    """The directory that holds the ``examples`` package."""
    return os.path.dirname(os.path.dirname(os.path.abspath(module.__file__)))


def experiment_directory(root, variant_spec, exp_name):
    """ROOT/<universe>/<domain>/<task>, and the experiment's name within it."""
    environment = variant_spec["environment_params"]["training"]
    storage_path = os.path.join(os.path.abspath(os.path.expanduser(root)),
                                environment["universe"], environment["domain"],
                                environment["task"])
    timestamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    return storage_path, f"{timestamp}-{exp_name}"


def trial_dirname(trial):
    seed = trial.config.get("run_params", {}).get("seed")
    return f"id={trial.trial_id}-seed={seed}"


def _trainable(module, args, variant_spec):
    """The trainable with its resources: the trial's CPUs, and one bundle per sampler worker
    (a RemoteSampler's actors go into the trial's placement group)."""
    from ray import tune
    resources = args.resources_per_trial or {"cpu": args.trial_cpus}
    worker_bundles = sampler_worker_bundles(variant_spec)
    if worker_bundles:
        trial_bundle = {key.upper() if key in ("cpu", "gpu") else key: value
                        for key, value in resources.items()}
        resources = tune.PlacementGroupFactory([trial_bundle] + worker_bundles)
    return tune.with_resources(module.get_trainable_class(), resources)


def sampler_worker_bundles(variant_spec):
    """[{"CPU": worker_cpus}] per RemoteSampler worker ([] for the other samplers)."""
    params = variant_spec["sampler_params"]
    if params["class_name"] != "RemoteSampler":
        return []
    config = params["config"]
    num_workers, worker_cpus = config["num_workers"], config["worker_cpus"]
    if not isinstance(num_workers, int) or not isinstance(worker_cpus, (int, float)):
        raise UsageError("a RemoteSampler's num_workers and worker_cpus cannot be searched "
                         "over (they size the trial's resources)")
    return [{"CPU": float(worker_cpus)}] * num_workers


def check_local_cpus(args, variant_spec):
    """A trial that needs more CPUs than the local Ray has would wait forever: one line."""
    needed = float(args.trial_cpus) + sum(bundle["CPU"]
                                          for bundle in sampler_worker_bundles(variant_spec))
    available = args.cpus if args.cpus is not None else os.cpu_count()
    if needed > available:
        raise UsageError(f"a trial needs {needed:g} CPUs (--trial-cpus {args.trial_cpus} plus "
                         f"its RemoteSampler workers' worker_cpus) but the local Ray has "
                         f"{available}: pass --cpus {math.ceil(needed)} (Ray's CPUs are "
                         f"logical; they may exceed the cores) or lower "
                         f"sampler_params.config.worker_cpus")


def _scheduler(args, variant_spec):
    if args.scheduler == "fifo":
        return None
    if args.scheduler == "median":
        from ray.tune.schedulers import MedianStoppingRule

        # Tune's version of Optuna's median pruning: after the grace period, a trial whose
        # best result so far is below the median of the other trials' running averages (of
        # their results up to the same epoch) stops.
        return MedianStoppingRule(time_attr="training_iteration", metric=args.metric,
                                  mode=args.mode, grace_period=args.grace_period,
                                  min_samples_required=3)
    from ray.tune.schedulers import ASHAScheduler
    n_epochs = variant_spec["algorithm_params"]["config"]["n_epochs"]
    if not isinstance(n_epochs, int):
        raise UsageError("--scheduler asha needs a fixed algorithm_params.config.n_epochs")
    return ASHAScheduler(time_attr="training_iteration", metric=args.metric, mode=args.mode,
                         max_t=n_epochs, grace_period=min(args.grace_period, n_epochs),
                         reduction_factor=args.reduction_factor)


def _reporter(variant_spec):
    from ray import tune

    from softlearning_tf2.experiments.progress import TrialProgressReporter
    if not verbose():
        return TrialProgressReporter()
    parameters = {path.replace(".", "/"): path.rsplit(".", 1)[-1]
                  for path, _ in search_space_entries(variant_spec)}
    metrics = dict(REPORTED_METRICS)
    if variant_spec["replay_pool_params"]["class_name"] == "HindsightExperienceReplayPool":
        metrics["evaluation/success-rate"] = "eval success"
    return tune.CLIReporter(metric_columns=metrics, parameter_columns=parameters,
                            max_report_frequency=10)


def _run_config(args, variant_spec, name, storage_path):
    from ray import tune
    run_params = variant_spec["run_params"]
    return tune.RunConfig(
        callbacks=tracker_callbacks(args, name),
        name=name,
        storage_path=storage_path,
        checkpoint_config=tune.CheckpointConfig(
            checkpoint_frequency=run_params["checkpoint_frequency"],
            checkpoint_at_end=run_params["checkpoint_at_end"]),
        failure_config=tune.FailureConfig(max_failures=args.max_failures),
        # Files a trial writes into its working directory (pictures) reach its trial dir.
        sync_config=tune.SyncConfig(sync_artifacts=True),
        progress_reporter=_reporter(variant_spec),
        verbose=1,
    )


def run_tune_experiment(module, args, variant_spec, results_root):
    """Runs (or, with ``--restore``, continues) the experiment; returns its path and results."""
    from ray import tune

    if args.restore:
        experiment_path = os.path.abspath(os.path.expanduser(args.restore))
        print(f"softlearning: restoring experiment {experiment_path}", flush=True)
        tuner = tune.Tuner.restore(experiment_path,
                                   _trainable(module, args,
                                              saved_variant(experiment_path) or variant_spec),
                                   resume_unfinished=True, resume_errored=True)
        return experiment_path, tuner.fit()

    storage_path, name = experiment_directory(results_root, variant_spec, args.exp_name)
    tuner = tune.Tuner(
        _trainable(module, args, variant_spec),
        param_space=variant_spec,
        tune_config=tune.TuneConfig(num_samples=tune_num_samples(args),
                                    search_alg=search_algorithm(args),
                                    trial_dirname_creator=trial_dirname, reuse_actors=True,
                                    max_concurrent_trials=args.max_concurrent_trials,
                                    scheduler=_scheduler(args, variant_spec)),
        run_config=_run_config(args, variant_spec, name, storage_path),
    )
    experiment_path = os.path.join(storage_path, name)
    print(f"softlearning: experiment directory {experiment_path}", flush=True)
    return experiment_path, tuner.fit()


def saved_variant(experiment_path):
    """The variant of an experiment's first trial that has one readable (its params.json, or
    its newest checkpoint's variant.json where a crash damaged that), for a restore; None
    where no trial has one yet."""
    from softlearning_tf2.utils.experiment_results import trial_variant
    path = os.path.abspath(os.path.expanduser(experiment_path))
    for trial_dir in sorted(os.listdir(path)):
        if os.path.isdir(os.path.join(path, trial_dir)):
            variant = trial_variant(os.path.join(path, trial_dir))
            if variant is not None:
                return variant
    return None


def validate_restore_path(args):
    """The experiment directory exists, and every trial that has checkpoints has one that
    verifies (otherwise nothing can resume it: one line, exit 2, nothing started)."""
    if args.restore is None:
        return
    path = os.path.abspath(os.path.expanduser(args.restore))
    if not os.path.isdir(path):
        raise UsageError(f"--restore {args.restore}: no such directory")
    from ray import tune

    from softlearning_tf2.checkpoints import (
        CheckpointError, checkpoints_inside, newest_readable, verify_manifest)
    if not tune.Tuner.can_restore(path):
        raise UsageError(f"--restore {args.restore}: not a Tune experiment directory "
                         f"(no experiment state in it)")
    for trial_dir in sorted(os.listdir(path)):
        checkpoints = checkpoints_inside(os.path.join(path, trial_dir))
        if not checkpoints:
            continue
        try:
            newest_readable(checkpoints[-1], verify_manifest)
        except CheckpointError as error:
            raise UsageError(f"--restore {args.restore}: {error}") from None


def run_example_local(example_module_name, example_argv):
    """The experiment on a Ray instance started here, every server bound to 127.0.0.1."""
    return run_local(example_module_name, example_argv)[0]


def run_local(example_module_name, example_argv):
    """``run_example_local``'s work: (exit code, the path of the search's summary.json)."""
    module, args, variant_spec = load_example(example_module_name, example_argv)
    validate_restore_path(args)
    check_local_cpus(args, (saved_variant(args.restore) if args.restore else None)
                     or variant_spec)
    check_search(args, variant_spec)
    check_trackers(args)
    # Trial processes import the example module; make its root importable there.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [example_root(module), os.environ.get("PYTHONPATH")]))
    import ray
    started_here = not ray.is_initialized()
    if started_here:
        # address="local": always a new instance here, never a cluster that happens to run.
        with _quiet_start():
            ray.init(address="local", num_cpus=args.cpus, include_dashboard=False,
                     _node_ip_address=LOOPBACK, log_to_driver=True,
                     logging_level="INFO" if verbose() else "WARNING")
    try:
        experiment_path, results = run_tune_experiment(module, args, variant_spec,
                                                       args.local_dir)
    finally:
        if started_here:
            ray.shutdown()
    code = summarize(experiment_path, results, variant_spec, args.metric, args.mode)
    return code, os.path.join(experiment_path, SUMMARY_FILE)


def _quiet_start():
    """Ray's start-up warnings off the terminal, unless verbose."""
    import contextlib

    from softlearning_tf2.utils.quiet import stderr_silenced
    return contextlib.nullcontext() if verbose() else stderr_silenced()


def run_example_ray(example_module_name, example_argv):
    """The experiment on an existing Ray cluster (``--address HOST:PORT``).

    Trials import the example module on the cluster's nodes: install softlearning_tf2 there
    (the cluster's image), or run from a checkout present on every node. Results go to
    ``--storage-path`` (shared storage that every node can write) or ``--local-dir``.
    """
    module, args, variant_spec = load_example(example_module_name, example_argv)
    if not args.address:
        raise UsageError("run_example_ray needs --address HOST:PORT of a running Ray cluster")
    validate_restore_path(args)
    check_search(args, variant_spec)
    check_trackers(args)
    import ray
    try:
        ray.init(address=args.address, logging_level="INFO" if verbose() else "WARNING",
                 runtime_env={"env_vars": {"PYTHONPATH": example_root(module),
                                           VERBOSE_VARIABLE: "1" if verbose() else "0"}})
    except (ConnectionError, ValueError) as error:
        raise UsageError(f"cannot connect to the Ray cluster at {args.address}: {error}")
    try:
        experiment_path, results = run_tune_experiment(
            module, args, variant_spec, args.storage_path or args.local_dir)
    finally:
        ray.shutdown()
    return summarize(experiment_path, results, variant_spec, args.metric, args.mode)


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)


def summarize(experiment_path, results, variant_spec, metric, mode):
    """Prints a table of the trials and the best one; writes ``summary.json`` beside them."""
    from ray.tune.utils import flatten_dict

    search_paths = [path for path, _ in search_space_entries(variant_spec)]
    trials = []
    for result in results:  # Tune's ResultGrid: one Result per trial, failed ones included
        metrics = result.metrics or {}
        config = flatten_dict(result.config or {}, delimiter=".")
        trials.append({
            "trial": os.path.basename(result.path),
            "path": result.path,
            "config": {path: config.get(path) for path in search_paths},
            metric: metrics.get(metric),
            EVALUATION_SPREAD: metrics.get(EVALUATION_SPREAD),
            EVALUATION_EPISODES: metrics.get(EVALUATION_EPISODES),
            NORMALIZED_SCORE: metrics.get(NORMALIZED_SCORE),
            "timestep": metrics.get("timestep"),
            "epochs": metrics.get("training_iteration"),
            "status": "ERROR" if result.error else "OK",
            "checkpoint": result.checkpoint.path if result.checkpoint else None,
        })
    ranked = [trial for trial in trials if _finite(trial[metric])]
    best = None
    if ranked:
        best = (max if mode == "max" else min)(ranked, key=lambda trial: trial[metric])
    summary = {"experiment_path": experiment_path, "metric": metric, "mode": mode,
               "search_space": search_paths, "trials": trials, "best": best}
    with open(os.path.join(experiment_path, SUMMARY_FILE), "w") as file:
        json.dump(summary, file, indent=2, default=str)

    print(f"\nsoftlearning: {len(trials)} trial(s) in {experiment_path}")
    # The last evaluation's spread over its episodes (the last epoch runs
    # final_eval_n_episodes of them), beside the ranked metric when that is the mean return.
    spread = metric == "evaluation/episode-reward-mean"
    # Offline runs: D4RL's normalized score of that return, beside it.
    normalized = metric != NORMALIZED_SCORE and any(
        trial[NORMALIZED_SCORE] is not None for trial in trials)
    headers = ["trial", *[path.rsplit(".", 1)[-1] for path in search_paths], metric,
               *(["std (episodes)"] if spread else []),
               *(["normalized score"] if normalized else []), "timestep", "epochs", "status"]
    rows = [[trial["trial"], *[trial["config"].get(path) for path in search_paths],
             trial[metric], *([_spread_cell(trial)] if spread else []),
             *([trial[NORMALIZED_SCORE]] if normalized else []), trial["timestep"],
             trial["epochs"], trial["status"]]
            for trial in trials]
    print(format_table(headers, rows))
    if best:
        print(f"best trial ({mode} {metric} = {best[metric]:.4g}): {best['path']}\n"
              f"best checkpoint: {best['checkpoint']}")
    print(f"summary: {os.path.join(experiment_path, SUMMARY_FILE)}", flush=True)
    for result in results:
        if result.error:
            print(f"softlearning: trial {os.path.basename(result.path)} failed: "
                  f"{_error_line(result.error)}", file=sys.stderr)
    return 1 if any(result.error for result in results) else 0


def _error_line(error):
    """The last line of a (Ray-wrapped) exception: its type and message, no traceback."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def _spread_cell(trial):
    """``± 54.1 (10)``: the standard deviation of the last evaluation's returns and its
    number of episodes."""
    std, episodes = trial[EVALUATION_SPREAD], trial[EVALUATION_EPISODES]
    if std is None or episodes is None:
        return ""
    return f"± {std:.4g} ({episodes})"


def format_table(headers, rows):
    def cell(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    text = [[cell(value) for value in row] for row in [headers, *rows]]
    widths = [max(len(row[column]) for row in text) for column in range(len(headers))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths)) for row in text]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def run_example_debug(example_module_name, example_argv):
    """The same experiment in this process, without Tune workers: for a debugger."""
    module, args, variant_spec = load_example(example_module_name, example_argv)
    if count_trials(variant_spec) != 1 or search_space_entries(variant_spec):
        raise UsageError("run_example_debug runs a single trial: remove search spaces "
                         "and --num-samples")
    tf = import_tensorflow()
    tf.config.run_functions_eagerly(args.run_eagerly)
    try:
        experiment = module.get_experiment_class()(variant_spec)
        while True:
            diagnostics = experiment.train_epoch()
            print(json.dumps({key: diagnostics[key] for key in
                              ("epoch", "timestep", "evaluation/episode-reward-mean",
                               "training/episode-reward-mean", "algorithm/alpha")
                              if key in diagnostics}), flush=True)
            if diagnostics["done"]:
                return 0
    finally:
        tf.config.run_functions_eagerly(False)


def run_example_dry(example_module_name, example_argv):
    """Prints the variant spec, its search spaces and the number of trials; starts nothing."""
    _, args, variant_spec = load_example(example_module_name, example_argv)
    print(to_json(variant_spec))
    for path, description in search_space_entries(variant_spec):
        print(f"search space: {path} = {description}")
    print(f"scheduler: {args.scheduler} (metric {args.metric}, mode {args.mode})")
    print(f"number of trials: {count_trials(variant_spec)}")
    return 0
