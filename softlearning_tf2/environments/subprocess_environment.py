"""An environment stepped in a child process: how pixel observations from MuJoCo are rendered.

MuJoCo's headless OpenGL (EGL through Mesa, which loads LLVM) and TensorFlow crash when they
share a process on this project's machines: a segmentation fault on import, or ``free():
invalid pointer`` at exit (benchmarks/README.md). So an environment that renders runs in a
child process, a fresh interpreter running only this module (``python -m``: unlike
multiprocessing's ``spawn``, it does not import the parent's main module, which may import
TensorFlow), and ``SubprocessEnvironment`` forwards ``reset`` / ``step`` / ``render`` /
``close`` to it as pickled messages over the child's stdin and a private copy of its stdout
(what the child's libraries print goes to stderr). The observation and action spaces are read
from the child once.

The child's environment is built by ``factory(**factory_kwargs)``, a module-level function
named ``"module:function"``. An exception in the child comes back and is raised again here
with its type name and message; a child that dies is a RuntimeError naming its exit code.
"""
import importlib
import os
import pickle
import subprocess
import sys

import gymnasium


class _Connection:
    """Pickled messages over two binary pipes."""

    def __init__(self, reader, writer):
        self._reader, self._writer = reader, writer

    def send(self, message):
        pickle.dump(message, self._writer, protocol=pickle.HIGHEST_PROTOCOL)
        self._writer.flush()

    def recv(self):
        return pickle.load(self._reader)

    def close(self):
        for stream in (self._reader, self._writer):
            try:
                stream.close()
            except OSError:
                pass


def _serve(connection):
    try:
        factory_name, factory_kwargs = connection.recv()
        module, function = factory_name.split(":")
        environment = getattr(importlib.import_module(module), function)(**factory_kwargs)
        unwrapped = environment.unwrapped
        connection.send(("ready", (environment.observation_space, environment.action_space,
                                   getattr(unwrapped, "max_episode_steps", None)
                                   or getattr(environment.spec, "max_episode_steps", None))))
    except Exception as error:  # noqa: BLE001 (reported to the parent)
        connection.send(("error", f"{type(error).__name__}: {error}"))
        return
    while True:
        try:
            command, argument = connection.recv()
        except (EOFError, OSError):
            break
        try:
            if command == "reset":
                result = environment.reset(**argument)
            elif command == "step":
                result = environment.step(argument)
            elif command == "render":
                result = environment.render()
            elif command == "rng_state":
                result = (unwrapped.rng_state() if hasattr(unwrapped, "rng_state")
                          else unwrapped.np_random.bit_generator.state)
            elif command == "set_rng_state":
                if hasattr(unwrapped, "set_rng_state"):
                    unwrapped.set_rng_state(argument)
                else:
                    unwrapped.np_random.bit_generator.state = argument
                result = None
            elif command == "close":
                environment.close()
                connection.send(("ok", None))
                break
            else:
                raise ValueError(f"unknown command {command!r}")
            connection.send(("ok", result))
        except Exception as error:  # noqa: BLE001 (reported to the parent)
            connection.send(("error", f"{type(error).__name__}: {error}"))
    connection.close()


class SubprocessEnvironment(gymnasium.Env):
    """``factory(**factory_kwargs)`` (``factory``: ``"module:function"``), run in a child
    process."""

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, factory, factory_kwargs=None, name="environment"):
        self.name = name
        self._closed = True
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._connection = _Connection(self._process.stdout, self._process.stdin)
        self._closed = False
        self._connection.send((factory, factory_kwargs or {}))
        self.observation_space, self.action_space, self.max_episode_steps = self._receive()

    def _receive(self):
        try:
            status, value = self._connection.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            self._closed = True
            exit_code = self._process.wait(timeout=10)
            raise RuntimeError(f"the process of {self.name} died (exit code "
                               f"{exit_code})") from None
        if status == "error":
            raise RuntimeError(f"{self.name}: {value}")
        return value

    def _call(self, command, argument=None):
        if self._closed:
            raise RuntimeError(f"{self.name} is closed")
        self._connection.send((command, argument))
        return self._receive()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._call("reset", {"seed": seed, "options": options})

    def step(self, action):
        return self._call("step", action)

    def render(self):
        return self._call("render")

    def rng_state(self):
        return self._call("rng_state")

    def set_rng_state(self, state):
        self._call("set_rng_state", state)

    def close(self):
        if self._closed:
            return
        try:
            self._call("close")
        except (RuntimeError, OSError):
            pass
        self._closed = True
        self._connection.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 (interpreter shutdown)
            pass


def main():
    # Messages go over a private copy of stdout; the child's own prints go to stderr.
    writer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(_Connection(sys.stdin.buffer, writer))


if __name__ == "__main__":
    main()
