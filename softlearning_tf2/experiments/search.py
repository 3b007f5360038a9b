"""Model-based hyperparameter search: ``--search optuna`` (Optuna's TPE sampler through Tune's
``OptunaSearch``) over the same ``--set KEY=loguniform:...`` spaces the grid search takes.

TPE (Bergstra et al. 2011) models the results of the finished trials and samples where the
better ones lie; it is seeded with ``--seed``, and Tune saves its state in the experiment
directory, so ``--restore`` continues the search where it stopped. Every trial trains with the
same seed: the trials differ in their hyperparameters only.
"""
from softlearning_tf2.experiments.command_line import search_space_entries
from softlearning_tf2.utils.cli import UsageError

DEFAULT_OPTUNA_TRIALS = 10


def check_search(args, variant_spec):
    """The flags of a search agree: one line where they do not, before anything starts."""
    if args.search != "optuna":
        if args.num_trials is not None:
            raise UsageError("--num-trials is for --search optuna; a grid search runs every "
                             "grid point (and --num-samples seeds of each)")
        return
    if args.num_samples > 1:
        raise UsageError("--search optuna samples one configuration per trial, all with the "
                         "same seed; pass --num-trials N instead of --num-samples")
    grids = [path for path, description in search_space_entries(variant_spec)
             if description.startswith("grid_search(")]
    if grids:
        raise UsageError(f"--search optuna samples its spaces; {grids[0]} is a grid (grid:...):"
                         f" use uniform:, loguniform:, choice: or randint: with optuna, or "
                         f"--search grid")
    if not search_space_entries(variant_spec):
        raise UsageError("--search optuna needs a space to search: --set KEY=loguniform:a,b "
                         "(or uniform:, choice:, randint:)")
    try:
        import optuna  # noqa: F401
        from ray.tune.search.optuna import OptunaSearch  # noqa: F401
    except ImportError as error:
        raise UsageError(f'--search optuna needs the optuna package (pip install -e '
                         f'".[tracking]"): {error}') from None


def search_algorithm(args):
    """Tune's search algorithm for ``--search`` (None: Tune's own variant generator)."""
    if args.search != "optuna":
        return None
    import optuna
    from ray.tune.search.optuna import OptunaSearch

    sampler = optuna.samplers.TPESampler(seed=args.seed)
    return OptunaSearch(metric=args.metric, mode=args.mode, sampler=sampler)


def tune_num_samples(args):
    """Tune's ``num_samples``: with Optuna the number of trials it samples, otherwise 1 (the
    grid and ``--num-samples``' seed grid make the trials)."""
    if args.search == "optuna":
        return args.num_trials or DEFAULT_OPTUNA_TRIALS
    return 1


def run_search(algorithm="SAC", domain="Pendulum", task=None, *, overrides=None,
               search="grid", num_trials=None, num_samples=1, seed=None, scheduler="fifo",
               metric="evaluation/episode-reward-mean", mode="max", mlflow=None, wandb=None,
               exp_name=None, local_dir="~/ray_results", cpus=None, universe="gymnasium"):
    """``softlearning run_example_local examples.development`` from Python, keyword for flag:
    ``overrides`` is ``{dotted path: value}`` (``--set``; a value may be a search space string
    such as ``"loguniform:1e-4,1e-2"``), ``search="optuna"`` with ``num_trials``, ``mlflow``
    a tracking URI (``"mlruns"``: the local store), ``wandb`` a project name. Returns the
    search's ``summary.json`` as a dict; bad input raises ``UsageError`` with the CLI's line,
    and failed trials a ``RuntimeError`` naming them.
    Starts a local Ray on 127.0.0.1 as the command does (so: not inside a running Ray)."""
    import json
    import sys

    if "ray" not in sys.modules:  # Ray reads its loopback settings when first imported
        from softlearning_tf2.utils.runtime import configure_local_ray_environment
        configure_local_ray_environment()
    from softlearning_tf2.experiments import launcher

    argv = ["--algorithm", algorithm, "--universe", universe, "--domain", domain,
            "--search", search, "--num-samples", str(num_samples), "--scheduler", scheduler,
            "--metric", metric, "--mode", mode, "--local-dir", local_dir]
    for flag, value in (("--task", task), ("--num-trials", num_trials), ("--seed", seed),
                        ("--exp-name", exp_name), ("--cpus", cpus), ("--mlflow", mlflow),
                        ("--wandb", wandb)):
        if value is not None:
            argv += [flag, str(value)]
    for path, value in (overrides or {}).items():
        argv += ["--set", f"{path}={value if isinstance(value, str) else json.dumps(value)}"]
    code, summary_path = launcher.run_local("examples.development", argv)
    with open(summary_path) as file:
        summary = json.load(file)
    if code != 0:
        failed = [trial["trial"] for trial in summary["trials"] if trial["status"] != "OK"]
        raise RuntimeError(f"{len(failed)} trial(s) failed ({', '.join(failed)}); "
                           f"see {summary_path}")
    return summary
