"""The development example's variant spec: the library's defaults, the CLI's flags and
overrides, and Tune search spaces (``softlearning_tf2/experiments/variants.py`` holds every
default value)."""
from ray import tune

from softlearning_tf2.environments.utils import validate_environment_name
from softlearning_tf2.experiments.variants import (
    apply_overrides, default_task, get_variant, validate_variant_spec)
from softlearning_tf2.models.utils import validate_observation_params
from softlearning_tf2.replay_pools.utils import validate_replay_pool_params


def check_initialization(path):
    """``--initialize-from``: an absolute checkpoint path whose files verify (ValueError, one
    line, if not), checked before any trial starts."""
    import os

    from softlearning_tf2.checkpoints import Checkpoint, CheckpointError

    try:
        return Checkpoint.read(os.path.abspath(os.path.expanduser(path)), for_acting=True).path
    except CheckpointError as error:
        raise ValueError(f"--initialize-from: {error}") from None


def get_variant_spec(args, **extra_run_params):
    """The variant spec of an experiment from the parsed CLI arguments.

    ``extra_run_params`` are an example's own run settings, added before the ``--set``
    overrides so that those can change them too.

    ``--num-samples K`` becomes a grid over K consecutive seeds, so every trial's seed is
    known in advance and written into its saved variant.
    """
    task = args.task or default_task(args.universe, args.domain)
    validate_environment_name(args.universe, args.domain, task)
    variant = get_variant(args.algorithm, args.universe, args.domain, task, args.seed,
                          trial_cpus=args.trial_cpus,
                          checkpoint_frequency=args.checkpoint_frequency,
                          pixels=getattr(args, "pixels", False),
                          dataset=getattr(args, "dataset", None))
    variant["run_params"].update(extra_run_params)
    if args.checkpoint_replay_pool is not None:
        variant["run_params"]["checkpoint_replay_pool"] = args.checkpoint_replay_pool
    if getattr(args, "initialize_from", None) is not None:
        variant["run_params"]["initialize_from"] = check_initialization(args.initialize_from)
    variant = apply_overrides(variant, args.overrides)
    validate_variant_spec(variant)
    validate_observation_params(variant)
    validate_replay_pool_params(variant)
    if getattr(args, "dataset", None) is not None:  # read and checked before any trial
        from softlearning_tf2.datasets.utils import check_dataset_of_variant
        check_dataset_of_variant(variant)
    if args.num_samples > 1:
        variant["run_params"]["seed"] = tune.grid_search(
            [args.seed + index for index in range(args.num_samples)])
    return variant
