"""Videos of episodes, rendered in a process of their own.

Frames are rendered in a separate process that never imports TensorFlow, by replaying each
finished episode (same reset seed, same actions) in an ``rgb_array`` copy of the environment.
TensorFlow and Mesa's OpenGL (EGL/OSMesa, what MuJoCo uses headless) crash when loaded into
one process; the replay keeps them apart, and a renderer that fails or crashes is reported in
one line (``VideoError``) instead of taking the run down. Without a display, MuJoCo renders
with ``MUJOCO_GL=egl`` unless the environment already names a backend.
"""
import math
import os

import numpy as np

from softlearning_tf2.utils.cli import one_line

VIDEO_EXTENSIONS = (".mp4", ".gif")
GL_HINT = ("MuJoCo renders headless with MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa "
           "(software)")


class VideoError(Exception):
    """The video cannot be written (file name, codec, rendering): one line, exit code 2."""


def check_video_path(path):
    """Fails early (before any rollout) if the video file cannot be written."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in VIDEO_EXTENSIONS:
        raise VideoError(f"cannot write a video to {path}: use a .mp4 or .gif file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise VideoError(f"cannot write a video to {path}: {directory} does not exist")
    try:
        import imageio  # noqa: F401
    except ImportError:
        raise VideoError("writing a video needs imageio (pip install imageio)") from None
    if extension == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise VideoError(
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
        from softlearning_tf2.environments.rendering import configure_headless_rendering
        from softlearning_tf2.environments.utils import get_environment

        configure_headless_rendering()  # MuJoCo and dm_control render without a display
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
        connection.send(("error", f"{type(error).__name__}: {one_line(error)}"))
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
                _, reward, _, _, _ = environment.raw.step(action)
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
        connection.send(("error", f"{type(error).__name__}: {one_line(error)}"))
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
        return VideoError(f"cannot render {name} offscreen{where}: {message}{hint}")

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
        """(frames written, episodes whose replay diverged); ``VideoError`` on failure."""
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
