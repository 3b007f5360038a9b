"""``softlearning simulate_policy PATH``: roll a trained policy out and report its returns.

PATH is a checkpoint directory (the in-package policy is rebuilt from the saved variant) or a
directory written by ``softlearning export_policy`` (the SavedModel is run with plain
TensorFlow). One line per episode (return, length), then a summary line.

Seeds: ``--seed S`` resets the environment with S for the first episode (later episodes continue
its random stream); a checkpoint's policy draws its noise from a generator seeded with S, an
export's ``sample`` signature from its noise stream seeded with S (``seed_noise``).

Video (``--video-save-path out.mp4|out.gif``): episodes are replayed in a separate rendering
process (softlearning_tf2/utils/video.py).
"""
import argparse
import os
import sys

import numpy as np

from softlearning_tf2.utils.cli import (
    OneLineErrorParser, positive_int, report_error, run_with_exit_code)

PROG = "softlearning simulate_policy"


def get_parser(prog=PROG):
    parser = OneLineErrorParser(prog=prog, allow_abbrev=False, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="a checkpoint directory or an exported policy directory")
    parser.add_argument("--num-rollouts", type=positive_int, default=10)
    parser.add_argument("--max-path-length", type=positive_int, default=1000,
                        help="steps per episode at most (the environment's own time limit "
                             "may end it sooner)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--deterministic", dest="deterministic", action="store_true",
                      default=True, help="act with the policy's deterministic action (default)")
    mode.add_argument("--stochastic", dest="deterministic", action="store_false",
                      help="sample actions from the policy")
    parser.add_argument("--video-save-path", default=None, metavar="FILE.mp4|FILE.gif",
                        help="render the episodes into a video (.mp4 needs imageio-ffmpeg)")
    parser.add_argument("--fps", type=positive_int, default=None,
                        help="video frame rate (default: the environment's render_fps)")
    parser.add_argument("--seed", type=int, default=None,
                        help="default: random (with a video, a random seed is drawn and printed "
                             "so that the episodes can be replayed for rendering)")
    return parser


def simulate(actor, num_rollouts, max_path_length, seed=None, renderer=None):
    """Runs the episodes on the raw environment, printing one line each; returns (returns,
    lengths, successes) arrays (successes empty where the environment reports none)."""
    from tqdm import tqdm

    from softlearning_tf2.samplers.episode_statistics import path_success
    from softlearning_tf2.samplers.utils import rollout

    returns, lengths, successes = [], [], []
    episodes = tqdm(range(num_rollouts), desc="rollouts", unit="episode", file=sys.stderr,
                    disable=None, leave=False)
    for index in episodes:
        reset_seed = seed if index == 0 else None
        # The actor maps to the environment's own bounds: it acts on the raw environment.
        path = rollout(actor.environment.raw, actor, max_path_length, reset_seed=reset_seed)
        if renderer is not None:
            renderer.send_episode(reset_seed, path["actions"], path["return"])
        returns.append(path["return"])
        lengths.append(path["length"])
        success = path_success(path["infos"][-1])
        outcome = "" if success is None else f", {'success' if success else 'failure'}"
        if success is not None:
            successes.append(success)
        episodes.write(f"episode {index + 1}: return {path['return']:.6f}, length "
                       f"{path['length']}{outcome}", file=sys.stdout)
    return np.array(returns), np.array(lengths), np.array(successes)


def _main(argv):
    args = get_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from softlearning_tf2.checkpoints import CheckpointError
    from softlearning_tf2.policies.trained_policy import PolicySource
    from softlearning_tf2.utils.random import random_seed
    from softlearning_tf2.utils.video import Renderer, VideoError, check_video_path

    seed = args.seed
    renderer = None
    try:
        if args.video_save_path:
            check_video_path(args.video_save_path)
        source = PolicySource(args.path)
        if args.video_save_path:
            # Episodes are replayed for rendering: the first reset needs a known seed.
            seed = random_seed() if seed is None else seed
            renderer = Renderer(source.environment_params, args.video_save_path, args.fps)
        actor = source.actor(args.deterministic, seed)
    except (CheckpointError, VideoError) as error:
        if renderer is not None:
            renderer.terminate()
        return report_error(PROG, error)

    mode = "deterministic" if args.deterministic else "stochastic"
    print(f"simulate_policy: {actor.description} on {actor.environment.environment_id}, "
          f"{mode}, seed {seed}", flush=True)
    try:
        returns, lengths, successes = simulate(actor, args.num_rollouts, args.max_path_length,
                                               seed, renderer)
    except BaseException:
        if renderer is not None:
            renderer.terminate()
        raise
    finally:
        actor.environment.close()
    print(f"mean return {returns.mean():.6f} (std {returns.std():.6f}, min {returns.min():.6f}, "
          f"max {returns.max():.6f}), mean length {lengths.mean():.1f} over {len(returns)} "
          f"episodes" + (f", success rate {successes.mean():.3f}" if len(successes) else ""),
          flush=True)
    if renderer is not None:
        try:
            frames, diverged = renderer.close()
        except VideoError as error:
            return report_error(PROG, error)
        if diverged:
            print(f"simulate_policy: warning: {diverged} episode(s) replayed differently for "
                  f"the video (the environment is not deterministic given seed and actions)",
                  file=sys.stderr)
        print(f"simulate_policy: wrote {frames} frames to {args.video_save_path}")
    return 0


def main(argv=None):
    return run_with_exit_code(_main, sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
