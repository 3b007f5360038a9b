"""The development example's trial: the library's ``Experiment`` behind Tune's ``Trainable``.

Everything a trial does lives in ``softlearning_tf2.experiments``: ``Experiment`` (build,
train, save, restore; also the Python API) and ``ExperimentRunner`` (the Tune trial).
"""
from softlearning_tf2.experiments.experiment import (  # noqa: F401
    Experiment, configure_tensorflow_threads)
from softlearning_tf2.experiments.tune_runner import ExperimentRunner  # noqa: F401
