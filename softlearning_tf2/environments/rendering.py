"""Headless MuJoCo rendering: picks ``MUJOCO_GL`` before MuJoCo is imported.

dm_control reads ``MUJOCO_GL`` once, when its renderer is first imported, and binds its OpenGL
context to that backend; gymnasium's MuJoCo renderer reads it when it makes a context. Pixel observations (gymnasium's MuJoCo tasks, dm_control) need a
backend that runs without a display: EGL (a GPU driver, or Mesa's EGL) or OSMesa (software).
``configure_headless_rendering`` keeps a ``MUJOCO_GL`` the user set, and otherwise tries EGL
then OSMesa, each in a short subprocess, and keeps the first that can make a context.
"""
import functools
import os
import subprocess
import sys

HEADLESS_BACKENDS = ("egl", "osmesa")

_PROBE = "import mujoco; context = mujoco.GLContext(8, 8); context.make_current(); context.free()"


class RenderingError(RuntimeError):
    """No headless OpenGL backend works here."""


_configured_in_this_process = []  # the backend, once this process was set up to render


def configured_backend():
    """The backend ``configure_headless_rendering`` set in this process, or None: a process
    that never asked to render keeps dm_control's renderer disabled."""
    return _configured_in_this_process[0] if _configured_in_this_process else None


@functools.lru_cache(maxsize=None)
def _backend_works(backend):
    environment = {**os.environ, "MUJOCO_GL": backend, "PYOPENGL_PLATFORM": backend}
    try:
        result = subprocess.run([sys.executable, "-c", _PROBE], env=environment,
                                capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def headless_backend():
    """The backend rendering will use: the user's ``MUJOCO_GL``, or the first of EGL and
    OSMesa that can make a context (probed in subprocesses; nothing here is changed).
    RenderingError (one line) where neither works."""
    chosen = os.environ.get("MUJOCO_GL")
    if chosen is not None and chosen not in ("disable", "disabled", "off"):
        return chosen
    chosen = next((backend for backend in HEADLESS_BACKENDS if _backend_works(backend)), None)
    if chosen is None:
        raise RenderingError(
            "pixel observations need headless OpenGL: neither MUJOCO_GL=egl nor "
            "MUJOCO_GL=osmesa works here (install libegl1 or libosmesa6)")
    return chosen


def configure_headless_rendering():
    """Sets ``MUJOCO_GL`` (and ``PYOPENGL_PLATFORM``) for rendering without a display; returns
    the backend. Only for the process that renders (a child without TensorFlow: see
    ``subprocess_environment.py``). RenderingError (one line) where neither EGL nor OSMesa
    works, or where dm_control's renderer was already imported with another backend."""
    chosen = headless_backend()
    os.environ["MUJOCO_GL"] = chosen
    _configured_in_this_process[:] = [chosen]
    bound = getattr(sys.modules.get("dm_control._render"), "BACKEND", None)
    if bound is not None and bound not in HEADLESS_BACKENDS:
        raise RenderingError(
            f"dm_control's renderer was imported with MUJOCO_GL={bound!s}; set MUJOCO_GL=egl "
            f"(or osmesa) in the environment before starting Python")
    os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
    return chosen
