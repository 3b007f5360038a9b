"""``softlearning simulate_policy PATH``: roll a trained policy out and report its returns.

PATH is a checkpoint directory (the in-package policy is rebuilt from the saved variant) or a
directory written by ``softlearning export_policy`` (the SavedModel is run with plain
TensorFlow). One line per episode (return, length), then a summary line.

Seeds: ``--seed S`` resets the environment with S for the first episode (later episodes continue
its random stream); a checkpoint's policy draws its noise from a generator seeded with S, an
export's ``sample`` signature from its noise stream seeded with S (``seed_noise``).

Video (``--video-save-path out.mp4|out.gif``): frames are rendered in a separate process that
never imports TensorFlow, by replaying each finished episode (same reset seed, same actions) in
an ``rgb_array`` copy of the environment. TensorFlow and Mesa's OpenGL (EGL/OSMesa, what MuJoCo
uses headless) crash when loaded into one process; the replay keeps them apart, and a renderer
that fails or crashes is reported in one line (exit code 2) instead of taking the run down.
"""
import argparse
import glob
import math
import os
import sys

import numpy as np

from softlearning_tf2.scripts.export_policy import OneLineErrorParser, run_with_exit_code

PROG = "softlearning simulate_policy"
VIDEO_EXTENSIONS = (".mp4", ".gif")
GL_HINT = ("MuJoCo renders headless with MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa "
           "(software)")


class SimulationError(Exception):
    """A problem the user can fix (path, video format, rendering): one line, exit code 2."""


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


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
    parser.add_argument("--seed", type=int, default=None,
                        help="default: random (with a video, a random seed is drawn and printed "
                             "so that the episodes can be replayed for rendering)")
    return parser


# -- Policies ---------------------------------------------------------------------------------

class Actor:
    """Maps one observation to one action in the environment's own bounds."""

    def __init__(self, act, environment, environment_params, description):
        self.act = act
        self.environment = environment  # a GymnasiumAdapter, without rendering
        self.environment_params = environment_params
        self.description = description

    def __call__(self, observation):
        return self.act(observation)


def checkpoint_actor(checkpoint, deterministic, seed=None):
    """An actor from a ``PolicyCheckpoint``: the in-package policy, seeded with ``seed``."""
    from softlearning_tf2.policies.export import load_policy, make_environment

    environment = make_environment(checkpoint.environment_params)
    policy = load_policy(checkpoint, environment, seed=seed)
    dtype = environment.env.action_space.dtype

    def act(observation):
        action = policy.action(observation, deterministic=deterministic)
        return environment.to_environment_actions(action).astype(dtype)

    return Actor(act, environment, checkpoint.environment_params,
                 f"{checkpoint.algorithm} checkpoint at timestep {checkpoint.timestep}")


def export_actor(path, metadata, deterministic, seed=None):
    """An actor from an exported SavedModel, run with plain TensorFlow."""
    import tensorflow as tf

    from softlearning_tf2.policies.checkpoint_reader import make_environment

    environment = make_environment(metadata["environment_params"])
    try:
        loaded = tf.saved_model.load(path)
    except Exception as error:  # a damaged saved_model.pb or variables/
        raise SimulationError(f"cannot load the SavedModel in {path}: "
                              f"{type(error).__name__}: {_one_line(error)}") from None
    function = loaded.signatures["serving_default" if deterministic else "sample"]
    if seed is not None:
        tf.random.set_seed(seed)
        if hasattr(loaded, "seed_noise"):
            loaded.seed_noise(tf.constant(seed, tf.int64))
    dtype = environment.env.action_space.dtype

    def act(observation):
        observations = tf.constant(np.asarray(observation, np.float32)[None])
        return function(observations=observations)["actions"].numpy()[0].astype(dtype)

    return Actor(act, environment, metadata["environment_params"],
                 f"exported {metadata.get('algorithm')} policy (timestep "
                 f"{metadata.get('training_timestep')})")


class PolicySource:
    """PATH, read and checked (numpy and json only): a checkpoint or an export."""

    def __init__(self, path):
        from softlearning_tf2.policies.checkpoint_reader import (
            CHECKPOINT_FILES, is_exported_policy, read_checkpoint, read_export_metadata)

        if not os.path.exists(path):
            raise SimulationError(f"{path}: no such directory")
        if not os.path.isdir(path):
            raise SimulationError(f"{path} is not a directory")
        self.path = path
        if is_exported_policy(path):
            self.kind = "export"
            self.metadata = read_export_metadata(path)
            self.environment_params = self.metadata["environment_params"]
            return
        if not any(os.path.exists(os.path.join(path, name)) for name in CHECKPOINT_FILES):
            inner = sorted(os.path.basename(entry) for entry in
                           glob.glob(os.path.join(path, "checkpoint_*")) if os.path.isdir(entry))
            hint = f"; it holds {', '.join(inner[-3:])}: pass one of those" if inner else ""
            raise SimulationError(f"{path} is neither a checkpoint directory (no "
                                  f"{', '.join(CHECKPOINT_FILES)}) nor an exported policy "
                                  f"(no saved_model.pb){hint}")
        self.kind = "checkpoint"
        self.checkpoint = read_checkpoint(path)
        self.environment_params = self.checkpoint.environment_params

    def actor(self, deterministic, seed=None):
        if self.kind == "export":
            return export_actor(self.path, self.metadata, deterministic, seed)
        return checkpoint_actor(self.checkpoint, deterministic, seed)


# -- Video ----------------------------------------------------------------------------------

def check_video_path(path):
    """Fails early (before any rollout) if the video file cannot be written."""
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


def is_mujoco(environment_params):
    import gymnasium

    try:
        spec = gymnasium.spec(f"{environment_params['domain']}-{environment_params['task']}")
    except Exception:
        return False
    return "mujoco" in str(spec.entry_point)


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


def _render_worker(connection, environment_params, video_path, fps):
    """The renderer process: replays episodes in an ``rgb_array`` environment into a video.

    Messages in: ``("episode", reset_seed, actions, episode_return)``, then ``("close",)``.
    Out: ``("ready", fps)`` or ``("error", message)`` first; ``("done", frames, diverged)`` or
    ``("error", message)`` after the close.
    """
    try:
        from softlearning_tf2.environments.utils import get_environment

        kwargs = {**(environment_params.get("kwargs") or {}), "render_mode": "rgb_array"}
        environment = get_environment(environment_params["universe"],
                                      environment_params["domain"],
                                      environment_params["task"], kwargs)
        environment.reset()
        frame = environment.render()
        if frame is None or np.asarray(frame).ndim != 3:
            raise RuntimeError("render() returned no rgb_array frame")
        fps = fps or int(environment.metadata.get("render_fps") or 30)
        writer = VideoWriter(video_path, fps)
    except Exception as error:
        connection.send(("error", f"{type(error).__name__}: {_one_line(error)}"))
        return
    connection.send(("ready", fps))
    diverged = 0
    try:
        while True:
            message = connection.recv()
            if message[0] == "close":
                break
            _, seed, actions, episode_return = message
            environment.reset(seed=seed)
            writer.append(environment.render())
            replayed_return = 0.0
            for action in actions:
                _, reward, _, _, _ = environment.env.step(action)
                replayed_return += float(reward)
                writer.append(environment.render())
            if not math.isclose(replayed_return, episode_return, rel_tol=1e-6, abs_tol=1e-6):
                diverged += 1
        writer.close()
        environment.close()
    except Exception as error:
        try:  # no half-written video left behind
            writer.close()
            os.remove(video_path)
        except Exception:
            pass
        connection.send(("error", f"{type(error).__name__}: {_one_line(error)}"))
        return
    connection.send(("done", writer.frames, diverged))


class Renderer:
    """The parent's handle on the renderer process."""

    def __init__(self, environment_params, video_path, fps=None):
        import multiprocessing

        self.environment_params = environment_params
        self.video_path = video_path
        if is_mujoco(environment_params) and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            # MuJoCo's default (GLFW) needs a display; headless, EGL is the usual choice.
            os.environ.setdefault("MUJOCO_GL", "egl")
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_render_worker, args=(child, environment_params, video_path, fps),
            daemon=True)
        self._process.start()
        child.close()
        reply = self._receive("starting")
        if reply[0] == "error":
            self._process.join()
            raise self._error(reply[1])
        self.fps = reply[1]

    def _error(self, message):
        name = f"{self.environment_params['domain']}-{self.environment_params['task']}"
        mujoco = is_mujoco(self.environment_params)
        backend = os.environ.get("MUJOCO_GL") if mujoco else None
        where = f" (MUJOCO_GL={backend})" if backend else ""
        hint = f"; {GL_HINT}" if mujoco else ""
        return SimulationError(f"cannot render {name} offscreen{where}: {message}{hint}")

    def _receive(self, stage):
        try:
            return self._connection.recv()
        except (EOFError, ConnectionError):
            self._process.join(timeout=10)
            code = self._process.exitcode
            how = (f"was killed by signal {-code}" if code is not None and code < 0
                   else f"exited with code {code}")
            raise self._error(f"the renderer process {how} while {stage}") from None

    def send_episode(self, seed, actions, episode_return):
        try:
            self._connection.send(("episode", seed, actions, episode_return))
        except (BrokenPipeError, ConnectionError):
            pass  # the process died: reported by close()

    def close(self):
        """(frames written, episodes whose replay diverged); ``SimulationError`` on failure."""
        try:
            self._connection.send(("close",))
        except (BrokenPipeError, ConnectionError):
            pass
        reply = self._receive("rendering")
        self._process.join(timeout=30)
        if reply[0] == "error":
            raise self._error(reply[1])
        return reply[1], reply[2]

    def terminate(self):
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=10)


# -- Rollouts -------------------------------------------------------------------------------

def rollout(actor, max_path_length, seed=None, record_actions=False):
    """One episode: (return, length, actions or None)."""
    environment = actor.environment
    observation, _ = environment.reset(seed=seed)
    episode_return, length, actions = 0.0, 0, []
    while length < max_path_length:
        action = actor(observation)
        if record_actions:
            actions.append(action)
        # The actor maps to the environment's own bounds: step the wrapped gymnasium env.
        observation, reward, terminated, truncated, _ = environment.env.step(action)
        observation = np.asarray(observation, np.float32)
        episode_return += float(reward)
        length += 1
        if terminated or truncated:
            break
    return episode_return, length, (actions if record_actions else None)


def simulate(actor, num_rollouts, max_path_length, seed=None, renderer=None):
    """Runs the episodes, printing one line each; returns (returns, lengths) arrays."""
    from tqdm import tqdm

    returns, lengths = [], []
    episodes = tqdm(range(num_rollouts), desc="rollouts", unit="episode", file=sys.stderr,
                    disable=None, leave=False)
    for index in episodes:
        reset_seed = seed if index == 0 else None
        episode_return, length, actions = rollout(actor, max_path_length, seed=reset_seed,
                                                  record_actions=renderer is not None)
        if renderer is not None:
            renderer.send_episode(reset_seed, actions, episode_return)
        returns.append(episode_return)
        lengths.append(length)
        episodes.write(f"episode {index + 1}: return {episode_return:.6f}, length {length}",
                       file=sys.stdout)
    return np.array(returns), np.array(lengths)


def _main(argv):
    args = get_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from softlearning_tf2.policies.checkpoint_reader import ExportError

    seed = args.seed
    renderer = None
    try:
        if args.video_save_path:
            check_video_path(args.video_save_path)
        source = PolicySource(args.path)
        if args.video_save_path:
            # Episodes are replayed for rendering: the first reset needs a known seed.
            if seed is None:
                seed = int(np.random.SeedSequence().entropy % (2 ** 31))
            renderer = Renderer(source.environment_params, args.video_save_path, args.fps)
        actor = source.actor(args.deterministic, seed)
    except (ExportError, SimulationError) as error:
        if renderer is not None:
            renderer.terminate()
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2

    mode = "deterministic" if args.deterministic else "stochastic"
    print(f"simulate_policy: {actor.description} on {actor.environment.environment_id}, "
          f"{mode}, seed {seed}", flush=True)
    try:
        returns, lengths = simulate(actor, args.num_rollouts, args.max_path_length, seed,
                                    renderer)
    except BaseException:
        if renderer is not None:
            renderer.terminate()
        raise
    finally:
        actor.environment.close()
    print(f"mean return {returns.mean():.6f} (std {returns.std():.6f}, min {returns.min():.6f}, "
          f"max {returns.max():.6f}), mean length {lengths.mean():.1f} over {len(returns)} "
          f"episodes", flush=True)
    if renderer is not None:
        try:
            frames, diverged = renderer.close()
        except SimulationError as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            return 2
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
