"""SQL keeps every goal of MultiGoal reachable (arXiv:1702.08165, Fig. 2). Slow: ``-m slow``."""
import numpy as np
import pytest

from softlearning_tf2.experiments.variants import get_variant
from examples.multi_goal.main import MultiGoalExperiment
from examples.multi_goal.plotting import goal_counts, plot_paths, stochastic_rollouts


def train_and_count_goals(algorithm, directory, seed=0):
    variant = get_variant(algorithm, "gymnasium", "MultiGoal", "Default-v0", seed=seed)
    variant["run_params"].update(plot_every_n_epochs=0, plot_num_rollouts=50)
    experiment = MultiGoalExperiment(variant)
    while not experiment.algorithm.done:
        experiment.train_epoch()
    paths = stochastic_rollouts(experiment.evaluation_environment, experiment.policy, 50)
    counts = goal_counts(paths)
    plot_paths(paths, experiment.evaluation_environment.unwrapped.goals,
               str(directory / f"{algorithm}-paths.png"), title=algorithm)
    return experiment.sampler.total_samples, counts


@pytest.mark.slow
def test_sql_reaches_at_least_three_goals_and_sac_is_reported(tmp_path):
    timesteps, sql_counts = train_and_count_goals("SQL", tmp_path)
    _, sac_counts = train_and_count_goals("SAC", tmp_path)
    print(f"after {timesteps} steps, goals reached in 50 stochastic rollouts: "
          f"SQL {sql_counts.tolist()}, SAC {sac_counts.tolist()}; pictures in {tmp_path}")
    assert timesteps == 10_000
    assert np.count_nonzero(sql_counts) >= 3, sql_counts
