"""``softlearning simulate_policy PATH``: roll a trained policy out and report its returns.

PATH is a checkpoint directory (the in-package policy is rebuilt from the saved variant) or a
directory written by ``softlearning export_policy`` (the SavedModel is run with plain
TensorFlow). One line per episode (return, length), then a summary line; with
``--video-save-path`` the episodes are rendered (``rgb_array``) into an .mp4 or .gif.

Seeds: ``--seed S`` resets the environment with S for the first episode (later episodes continue
its random stream); a checkpoint's policy draws its noise from a generator seeded with S, an
export's ``sample`` signature from its noise stream seeded with S (``seed_noise``).
"""
import argparse
import os
import sys

import numpy as np

from softlearning_tf2.scripts.export_policy import OneLineErrorParser, run_with_exit_code

PROG = "softlearning simulate_policy"
VIDEO_EXTENSIONS = (".mp4", ".gif")


class SimulationError(Exception):
    """A problem the user can fix (path, video format, rendering): one line, exit code 2."""


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


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
    parser.add_argument("--seed", type=int, default=None)
    return parser


# -- Policies ---------------------------------------------------------------------------------

class Actor:
    """Maps one observation to one action in the environment's own bounds."""

    def __init__(self, act, environment, description):
        self.act = act
        self.environment = environment
        self.description = description

    def __call__(self, observation):
        return self.act(observation)


def _environment_dtype(environment):
    return environment.env.action_space.dtype


def checkpoint_actor(path, deterministic, seed=None, render_mode=None):
    from softlearning_tf2.policies.export import (
        load_policy, make_environment, read_checkpoint)

    checkpoint = read_checkpoint(path)
    environment = _make_environment(make_environment, checkpoint.environment_params,
                                    render_mode)
    policy = load_policy(checkpoint, environment, seed=seed)
    dtype = _environment_dtype(environment)

    def act(observation):
        action = policy.action(observation, deterministic=deterministic)
        return environment.to_environment_actions(action).astype(dtype)

    return Actor(act, environment, f"{checkpoint.algorithm} checkpoint at timestep "
                                   f"{checkpoint.timestep}")


def export_actor(path, deterministic, seed=None, render_mode=None):
    import tensorflow as tf

    from softlearning_tf2.policies.export import make_environment, read_export_metadata

    metadata = read_export_metadata(path)
    environment = _make_environment(make_environment, metadata["environment_params"],
                                    render_mode)
    loaded = tf.saved_model.load(path)
    function = loaded.signatures["serving_default" if deterministic else "sample"]
    if seed is not None:
        tf.random.set_seed(seed)
        if hasattr(loaded, "seed_noise"):
            loaded.seed_noise(tf.constant(seed, tf.int64))
    dtype = _environment_dtype(environment)

    def act(observation):
        observations = tf.constant(np.asarray(observation, np.float32)[None])
        return function(observations=observations)["actions"].numpy()[0].astype(dtype)

    return Actor(act, environment, f"exported {metadata.get('algorithm')} policy (timestep "
                                   f"{metadata.get('training_timestep')})")


def _make_environment(make_environment, environment_params, render_mode):
    from softlearning_tf2.policies.export import ExportError

    try:
        return make_environment(environment_params, render_mode=render_mode)
    except ExportError as error:
        if render_mode is None:
            raise
        raise SimulationError(f"{error} (while making it for rendering; {_GL_HINT})") from None


def load_actor(path, deterministic, seed=None, render_mode=None):
    from softlearning_tf2.policies.export import CHECKPOINT_FILES, is_exported_policy

    if not os.path.exists(path):
        raise SimulationError(f"{path}: no such directory")
    if not os.path.isdir(path):
        raise SimulationError(f"{path} is not a directory")
    if is_exported_policy(path):
        return export_actor(path, deterministic, seed, render_mode)
    if not any(os.path.exists(os.path.join(path, name)) for name in CHECKPOINT_FILES):
        raise SimulationError(f"{path} is neither a checkpoint directory (no "
                              f"{', '.join(CHECKPOINT_FILES)}) nor an exported policy "
                              f"(no saved_model.pb)")
    return checkpoint_actor(path, deterministic, seed, render_mode)


# -- Video ----------------------------------------------------------------------------------

_GL_HINT = ("MuJoCo renders headless with MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa "
            "(software)")


def check_video_path(path):
    """Fails early (before any rollout) if the video cannot be written."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in VIDEO_EXTENSIONS:
        raise SimulationError(f"cannot write a video to {path}: use a .mp4 or .gif file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise SimulationError(f"cannot write a video to {path}: {directory} does not exist")
    try:
        import imageio  # noqa: F401
    except ImportError:
        raise SimulationError("writing a video needs imageio (pip install imageio)") from None
    if extension == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise SimulationError(
                "writing .mp4 needs imageio-ffmpeg, which is not installed "
                "(pip install imageio-ffmpeg); or save a .gif instead") from None


def prepare_headless_rendering():
    """Without a display, MuJoCo's default (GLFW) cannot render: default to EGL then."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("MUJOCO_GL", "egl")


def first_frame(environment):
    """Renders once to find out whether rendering works at all here."""
    try:
        environment.reset()
        frame = environment.render()
    except Exception as error:  # missing pygame, no GL context, ...
        backend = os.environ.get("MUJOCO_GL")
        where = f" (MUJOCO_GL={backend})" if backend else ""
        message = " ".join(str(error).split()) or type(error).__name__
        raise SimulationError(f"cannot render {environment.environment_id} offscreen{where}: "
                              f"{type(error).__name__}: {message}; {_GL_HINT}") from None
    if frame is None or np.asarray(frame).ndim != 3:
        raise SimulationError(f"{environment.environment_id} returned no rgb_array frame")
    return np.asarray(frame)


class VideoWriter:
    """Streams frames into an .mp4 (imageio-ffmpeg) or .gif (Pillow) file."""

    def __init__(self, path, fps):
        import imageio

        self.path = path
        self.frames = 0
        if path.lower().endswith(".gif"):
            self._writer = imageio.v2.get_writer(path, mode="I", duration=1000.0 / fps, loop=0)
        else:
            self._writer = imageio.v2.get_writer(path, fps=fps)

    def append(self, frame):
        self._writer.append_data(np.asarray(frame, np.uint8))
        self.frames += 1

    def close(self):
        self._writer.close()


# -- Rollouts -------------------------------------------------------------------------------

def rollout(actor, max_path_length, seed=None, writer=None):
    """One episode; returns (return, length)."""
    environment = actor.environment
    observation, _ = environment.reset(seed=seed)
    if writer is not None:
        writer.append(environment.render())
    episode_return, length = 0.0, 0
    while length < max_path_length:
        # The actor already maps to the environment's bounds: step the unwrapped gymnasium env.
        observation, reward, terminated, truncated, _ = environment.env.step(actor(observation))
        observation = np.asarray(observation, np.float32)
        episode_return += float(reward)
        length += 1
        if writer is not None:
            writer.append(environment.render())
        if terminated or truncated:
            break
    return episode_return, length


def simulate(actor, num_rollouts, max_path_length, seed=None, writer=None, output=print):
    from tqdm import tqdm

    returns, lengths = [], []
    episodes = tqdm(range(num_rollouts), desc="rollouts", unit="episode", file=sys.stderr,
                    disable=None, leave=False)
    for index in episodes:
        episode_return, length = rollout(actor, max_path_length,
                                         seed=seed if index == 0 else None, writer=writer)
        returns.append(episode_return)
        lengths.append(length)
        episodes.write(f"episode {index + 1}: return {episode_return:.6f}, length {length}",
                       file=sys.stdout)
    return np.array(returns), np.array(lengths)


def _main(argv):
    args = get_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from softlearning_tf2.policies.export import ExportError

    writer = None
    try:
        render_mode = None
        if args.video_save_path:
            check_video_path(args.video_save_path)
            prepare_headless_rendering()
            render_mode = "rgb_array"
        actor = load_actor(args.path, args.deterministic, args.seed, render_mode)
        if args.video_save_path:
            first_frame(actor.environment)
            fps = args.fps or int(actor.environment.metadata.get("render_fps") or 30)
            writer = VideoWriter(args.video_save_path, fps)
    except (ExportError, SimulationError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2

    mode = "deterministic" if args.deterministic else "stochastic"
    print(f"simulate_policy: {actor.description} on {actor.environment.environment_id}, "
          f"{mode}, seed {args.seed}", flush=True)
    try:
        returns, lengths = simulate(actor, args.num_rollouts, args.max_path_length, args.seed,
                                    writer)
    finally:
        if writer is not None:
            writer.close()
        actor.environment.close()
    print(f"mean return {returns.mean():.6f} (std {returns.std():.6f}, min {returns.min():.6f}, "
          f"max {returns.max():.6f}), mean length {lengths.mean():.1f} over {len(returns)} "
          f"episodes", flush=True)
    if writer is not None:
        print(f"simulate_policy: wrote {writer.frames} frames to {args.video_save_path}")
    return 0


def main(argv=None):
    return run_with_exit_code(_main, sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
