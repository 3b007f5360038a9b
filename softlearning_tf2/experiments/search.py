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


def _grid_entries(value, path=""):
    """Dotted paths of every Tune grid in a variant spec."""
    if isinstance(value, dict) and set(value) == {"grid_search"}:
        return [path]
    if isinstance(value, dict):
        return [entry for key, item in value.items()
                for entry in _grid_entries(item, f"{path}.{key}" if path else key)]
    return []


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
    grids = _grid_entries(variant_spec)
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
