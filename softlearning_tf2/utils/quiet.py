"""Keeping TensorFlow's and Ray's start-up chatter off the terminal unless asked for.

TensorFlow's C++ runtime prints lines to stderr while it loads (oneDNN, CUDA drivers, CPU
features; "failed call to cuInit" on a machine without a GPU), some before its own log level
applies. ``import_tensorflow`` imports it with stderr pointed at /dev/null for that moment and,
unless ``TF_CPP_MIN_LOG_LEVEL`` is set already, the C++ log level at 3 (fatal messages only:
the cuInit line is logged as an error). ``SOFTLEARNING_VERBOSE=1`` (the CLI's ``--verbose``)
keeps everything. Python exceptions are unaffected.
"""
import contextlib
import os
import sys

VERBOSE_VARIABLE = "SOFTLEARNING_VERBOSE"


def verbose():
    return os.environ.get(VERBOSE_VARIABLE, "0") not in ("", "0")


@contextlib.contextmanager
def stderr_silenced():
    """Points file descriptor 2 at /dev/null (C libraries' prints included) for a moment."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """``import tensorflow``, quietly unless verbose; returns the module."""
    import importlib

    if "tensorflow" not in sys.modules and not verbose():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with stderr_silenced():
            return importlib.import_module("tensorflow")
    return importlib.import_module("tensorflow")
