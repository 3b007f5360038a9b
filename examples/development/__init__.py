"""The development example: any algorithm on any gymnasium task, through Ray Tune.

    softlearning run_example_local examples.development --algorithm SAC --domain Pendulum
"""
from examples.development.variants import get_variant_spec  # noqa: F401
from softlearning_tf2.experiments.command_line import get_parser as _get_parser
from softlearning_tf2.experiments.variants import ALGORITHMS


def get_parser():
    return _get_parser(algorithms=ALGORITHMS, default_domain="Pendulum")


def get_trainable_class():
    from examples.development.main import ExperimentRunner
    return ExperimentRunner


def get_experiment_class():
    from examples.development.main import Experiment
    return Experiment
