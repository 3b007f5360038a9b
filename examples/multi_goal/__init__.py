"""MultiGoal (arXiv:1702.08165, Fig. 2): SQL keeps every goal reachable; SAC for contrast.

    softlearning run_example_local examples.multi_goal --algorithm SQL

Every ``run_params.plot_every_n_epochs`` epochs the trial writes ``Q_contours-epochNNNN.png``
and ``paths-epochNNNN.png`` into its directory.
"""
from examples.multi_goal.variants import ALGORITHMS, get_variant_spec  # noqa: F401
from softlearning_tf2.experiments.command_line import get_parser as _get_parser


def get_parser():
    return _get_parser(algorithms=ALGORITHMS, default_domain="MultiGoal")


def get_trainable_class():
    from examples.multi_goal.main import MultiGoalExperimentRunner
    return MultiGoalExperimentRunner


def get_experiment_class():
    from examples.multi_goal.main import MultiGoalExperiment
    return MultiGoalExperiment
