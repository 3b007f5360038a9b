"""softlearning_tf2: maximum-entropy reinforcement learning (SAC, SQL) in Keras 3 / TensorFlow 2.

Importing the top-level package is cheap: it does not import TensorFlow. ``Experiment`` (the
Python API, ``softlearning_tf2.experiments.experiment``) is imported on first use.
"""

from softlearning_tf2.version import __version__  # noqa: F401

__all__ = ["Experiment", "run_search"]


def __getattr__(name):
    if name == "Experiment":
        from softlearning_tf2.utils.quiet import import_tensorflow

        import_tensorflow()
        from softlearning_tf2.experiments.experiment import Experiment
        return Experiment
    if name == "run_search":
        from softlearning_tf2.experiments.search import run_search
        return run_search
    raise AttributeError(f"module 'softlearning_tf2' has no attribute {name!r}")
