"""``softlearning make_dataset CHECKPOINT --dataset-id ID``: a Minari dataset from a trained run.

Two kinds, as D4RL's:

* policy episodes (``--episodes N``, the default kind): N episodes of the checkpoint's policy
  (stochastic, as D4RL's "medium" and "expert" data; ``--deterministic`` for its mean
  action), in the environment of the checkpoint's variant;
* ``--replay``: the replay pool of the checkpoint's chain (every transition the run stored,
  oldest first, cut into episodes): D4RL's "medium-replay" kind.

The dataset's reference scores normalize returns (100 * (return - random) / (expert -
random)): the minimum is a uniformly random policy's mean return over
``--reference-episodes`` episodes (or ``--reference-min-score``), the maximum that of
``--expert CHECKPOINT``'s policy (for an "expert" dataset, the checkpoint itself) or
``--reference-max-score``: one of the two is required. The dataset goes to Minari's
directory (``MINARI_DATASETS_PATH``, default ``~/.minari/datasets``); ``--dataset ID`` of
``run_example_*`` trains from it.
"""
import argparse
import sys

import numpy as np

from softlearning_tf2.utils.cli import (
    OneLineErrorParser, non_negative_int, positive_int, report_error, run_with_exit_code)

PROG = "softlearning make_dataset"


def get_parser():
    parser = OneLineErrorParser(prog=PROG, allow_abbrev=False, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint_dir", help="a checkpoint directory (checkpoint_NNNNNN)")
    parser.add_argument("--dataset-id", required=True,
                        help="the new dataset's id, e.g. softlearning/hopper/medium-v0")
    parser.add_argument("--episodes", type=positive_int, default=100,
                        help="policy episodes to record (default 100)")
    parser.add_argument("--replay", action="store_true",
                        help="the checkpoint chain's replay pool instead of new episodes")
    parser.add_argument("--deterministic", action="store_true",
                        help="record the policy's mean action (default: sample from it)")
    parser.add_argument("--expert", default=None, metavar="CHECKPOINT",
                        help="a checkpoint whose policy's mean return is ref_max_score")
    parser.add_argument("--reference-max-score", type=float, default=None)
    parser.add_argument("--reference-min-score", type=float, default=None)
    parser.add_argument("--reference-episodes", type=positive_int, default=10,
                        help="episodes behind each measured reference score (default 10)")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    return parser


def _check(args):
    from softlearning_tf2.datasets.minari_datasets import DatasetError, local_dataset_ids

    if args.dataset_id in local_dataset_ids():
        raise DatasetError(f"dataset {args.dataset_id} exists already (minari delete "
                           f"{args.dataset_id} removes it)")
    if args.expert is not None and args.reference_max_score is not None:
        raise ValueError("give --expert or --reference-max-score, not both")
    if args.expert is None and args.reference_max_score is None:
        raise ValueError("the dataset's expert score needs --expert CHECKPOINT (the checkpoint "
                         "itself for an expert dataset) or --reference-max-score")
    for name in ("reference_max_score", "reference_min_score"):
        value = getattr(args, name)
        if value is not None and not np.isfinite(value):
            raise ValueError(f"--{name.replace('_', '-')} must be finite, got {value}")


def check_one_environment(variant, checkpoint_dir):
    """A pool cut into episodes must hold one environment's steps in order; vectorized and
    remote samplers interleave several environments' rows."""
    sampler = variant["sampler_params"]
    if sampler["class_name"] != "SimpleSampler":
        from softlearning_tf2.datasets.minari_datasets import DatasetError

        raise DatasetError(f"{checkpoint_dir}'s run collected with {sampler['class_name']}, "
                           f"whose pool interleaves several environments' steps: --replay "
                           f"needs a SimpleSampler run")


def _policy_returns(checkpoint, episodes, seed, deterministic, progress):
    from softlearning_tf2.datasets.minari_datasets import record_episodes
    from softlearning_tf2.policies.trained_policy import checkpoint_actor

    actor = checkpoint_actor(checkpoint, deterministic, seed=seed)
    raw = actor.environment.raw

    def act(observation):
        return actor(np.asarray(observation, np.float32))

    max_path_length = checkpoint.variant["sampler_params"]["config"]["max_path_length"]
    progress(f"recording {episodes} episodes of the {actor.description}")
    buffers, returns = record_episodes(raw, act, episodes, seed, max_path_length)
    return actor.environment, buffers, returns


def random_returns(environment, episodes, seed, max_path_length):
    """A uniformly random policy's returns: D4RL's minimum reference score."""
    from softlearning_tf2.datasets.minari_datasets import record_episodes

    raw = environment.raw
    raw.action_space.seed(int(seed))
    _, returns = record_episodes(raw, lambda observation: raw.action_space.sample(), episodes,
                                 seed, max_path_length)
    return returns


def _main(argv):
    args = get_parser().parse_args(argv)
    from softlearning_tf2.utils.quiet import import_tensorflow

    import_tensorflow()  # quietly, before the policy's modules import it
    from softlearning_tf2.checkpoints import Checkpoint, CheckpointError
    from softlearning_tf2.datasets.minari_datasets import (
        DatasetError, episodes_of_transitions, write_dataset)
    from softlearning_tf2.policies.trained_policy import make_environment
    from softlearning_tf2.replay_pools.simple_replay_pool import FIELDS

    def progress(message):
        print(f"make_dataset: {message}", flush=True)

    try:
        _check(args)
        checkpoint = Checkpoint.read(args.checkpoint_dir, for_acting=not args.replay)
        expert = (Checkpoint.read(args.expert, for_acting=True) if args.expert is not None
                  else None)
        max_path_length = checkpoint.variant["sampler_params"]["config"]["max_path_length"]
        if args.replay:
            environment = make_environment(checkpoint.environment_params)
            transitions = checkpoint.pool_transitions(
                int(checkpoint.variant["replay_pool_params"]["config"]["max_size"]),
                list(FIELDS))
            if transitions is None:
                raise DatasetError(f"{args.checkpoint_dir}'s run left the replay pool out of "
                                   f"its checkpoints (checkpoint_replay_pool false)")
            check_one_environment(checkpoint.variant, args.checkpoint_dir)
            buffers, returns = episodes_of_transitions(
                transitions, environment.raw.observation_space.dtype,
                environment.to_environment_actions)
            kind = f"the replay pool ({len(transitions['rewards'])} transitions)"
        else:
            environment, buffers, returns = _policy_returns(
                checkpoint, args.episodes, args.seed, args.deterministic, progress)
            kind = f"{args.episodes} {'deterministic' if args.deterministic else 'sampled'} " \
                   f"policy episodes"
        reference_min = args.reference_min_score
        if reference_min is None:
            reference_min = float(np.mean(random_returns(
                environment, args.reference_episodes, args.seed + 1, max_path_length)))
        reference_max = args.reference_max_score
        if expert is not None:
            _, _, expert_returns = _policy_returns(expert, args.reference_episodes,
                                                   args.seed + 2, args.deterministic, progress)
            reference_max = float(np.mean(expert_returns))
        write_dataset(args.dataset_id, buffers, environment.raw, reference_min, reference_max,
                      f"{checkpoint.algorithm} (timestep {checkpoint.timestep})",
                      f"{kind} of {checkpoint.algorithm} on "
                      f"{environment.environment_id}, recorded by softlearning make_dataset")
    except (CheckpointError, DatasetError, ValueError) as error:
        return report_error(PROG, error)
    progress(f"wrote {args.dataset_id}: {len(buffers)} episodes, "
             f"{sum(len(buffer.rewards) for buffer in buffers)} steps, return "
             f"{np.mean(returns):.1f} ± {np.std(returns):.1f}; reference scores "
             f"{reference_min:.1f} (random) and {reference_max:.1f} (expert)")
    return 0


def main(argv=None):
    return run_with_exit_code(_main, sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
