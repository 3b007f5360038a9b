"""Runs an example module's experiment: locally through Tune, in-process, or as a dry run.

An example module (e.g. ``examples.development``) provides ``get_parser()``,
``get_variant_spec(args)``, ``get_trainable_class()`` and ``get_experiment_class()``.
"""
import datetime
import importlib
import json
import os
import sys

from examples.utils import count_trials, random_seed, search_space_entries, to_json

LOOPBACK = "127.0.0.1"
REPORTED_METRICS = {
    "timestep": "timestep",
    "evaluation/episode-reward-mean": "eval return",
    "training/episode-reward-mean": "train return",
    "algorithm/alpha": "alpha",
}


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit code 2, nothing started."""


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
    if args.seed is None:
        args.seed = random_seed()
    args.exp_name = args.exp_name or args.algorithm
    try:
        variant_spec = module.get_variant_spec(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return module, args, variant_spec


def experiment_directory(args, variant_spec):
    """LOCAL_DIR/<universe>/<domain>/<task>, and the experiment's name within it."""
    environment = variant_spec["environment_params"]["training"]
    storage_path = os.path.join(os.path.abspath(os.path.expanduser(args.local_dir)),
                                environment["universe"], environment["domain"],
                                environment["task"])
    timestamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    return storage_path, f"{timestamp}-{args.exp_name}"


def trial_dirname(trial):
    seed = trial.config.get("run_params", {}).get("seed")
    return f"id={trial.trial_id}-seed={seed}"


def configure_local_ray_environment():
    """Must run before ``ray`` is first imported: Ray reads these at import time.

    Ray on Linux advertises and binds the machine's outward address even when asked for
    127.0.0.1 (it resolves loopback to a "reachable" address). Its single-machine mode, which it
    otherwise reserves for macOS and Windows, keeps every Ray server on 127.0.0.1. Usage
    statistics are off, and Tune's classic reporter (the one that takes our columns) is on.
    """
    if "ray" in sys.modules:
        raise RuntimeError("configure_local_ray_environment() must run before ray is imported")
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")


def _start_local_ray(args, example_root):
    """Ray on this machine only: every address bound to the loopback interface."""
    # Trial processes import the example module; make its root importable there.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [example_root, os.environ.get("PYTHONPATH")]))
    import ray
    ray.init(num_cpus=args.cpus, include_dashboard=False, _node_ip_address=LOOPBACK,
             log_to_driver=True, logging_level="WARNING")
    return ray


def run_tune_experiment(module, args, variant_spec):
    from ray import tune

    storage_path, name = experiment_directory(args, variant_spec)
    trainable = tune.with_resources(module.get_trainable_class(), {"cpu": args.trial_cpus})
    run_params = variant_spec["run_params"]
    tuner = tune.Tuner(
        trainable,
        param_space=variant_spec,
        tune_config=tune.TuneConfig(num_samples=1, trial_dirname_creator=trial_dirname,
                                    max_concurrent_trials=args.max_concurrent_trials),
        run_config=tune.RunConfig(
            name=name,
            storage_path=storage_path,
            checkpoint_config=tune.CheckpointConfig(
                checkpoint_frequency=run_params["checkpoint_frequency"],
                checkpoint_at_end=run_params["checkpoint_at_end"]),
            failure_config=tune.FailureConfig(max_failures=args.max_failures),
            # Files a trial writes into its working directory (pictures) reach its trial dir.
            sync_config=tune.SyncConfig(sync_artifacts=True),
            progress_reporter=tune.CLIReporter(metric_columns=REPORTED_METRICS,
                                               parameter_columns=[], max_report_frequency=10),
            verbose=1,
        ),
    )
    print(f"softlearning: experiment directory {os.path.join(storage_path, name)}", flush=True)
    results = tuner.fit()
    return os.path.join(storage_path, name), results


def run_example_local(example_module_name, example_argv):
    module, args, variant_spec = load_example(example_module_name, example_argv)
    example_root = os.path.dirname(os.path.dirname(os.path.abspath(module.__file__)))
    ray = _start_local_ray(args, example_root)
    try:
        experiment_path, results = run_tune_experiment(module, args, variant_spec)
    finally:
        ray.shutdown()
    return report_results(experiment_path, results)


def report_results(experiment_path, results):
    errors = results.errors
    print(f"softlearning: {len(results)} trial(s) in {experiment_path}", flush=True)
    for result in results:
        metrics = result.metrics or {}
        print(f"  {os.path.basename(result.path)}: timestep={metrics.get('timestep')} "
              f"eval return={metrics.get('evaluation/episode-reward-mean')} "
              f"checkpoint={result.checkpoint.path if result.checkpoint else None}")
    if errors:
        for error in errors:
            print(f"softlearning: trial failed: {error}", file=sys.stderr)
        return 1
    return 0


def run_example_debug(example_module_name, example_argv):
    """The same experiment in this process, without Tune workers: for a debugger."""
    module, args, variant_spec = load_example(example_module_name, example_argv)
    if count_trials(variant_spec) != 1 or search_space_entries(variant_spec):
        raise UsageError("run_example_debug runs a single trial: remove search spaces "
                         "and --num-samples")
    import tensorflow as tf
    if args.run_eagerly:
        tf.config.run_functions_eagerly(True)
    experiment = module.get_experiment_class()(variant_spec)
    while True:
        diagnostics = experiment.train_epoch()
        print(json.dumps({key: diagnostics[key] for key in
                          ("epoch", "timestep", "evaluation/episode-reward-mean",
                           "training/episode-reward-mean", "algorithm/alpha")
                          if key in diagnostics}), flush=True)
        if diagnostics["done"]:
            return 0


def run_example_dry(example_module_name, example_argv):
    """Prints the variant spec and the number of trials; starts nothing."""
    _, args, variant_spec = load_example(example_module_name, example_argv)
    print(to_json(variant_spec))
    for path, description in search_space_entries(variant_spec):
        print(f"search space: {path} = {description}")
    print(f"number of trials: {count_trials(variant_spec)}")
    return 0
