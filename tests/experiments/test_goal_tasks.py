"""Goal tasks through an Experiment: hindsight relabelling in training, success rates in the
diagnostics, resume with relabelling on, SQL, export.

Epochs of 50 steps end with GoalPoint's 50-step episodes: a checkpoint keeps no path in
progress, so resumes compare at path boundaries."""
import numpy as np
import pytest

from softlearning_tf2 import Experiment
from tests.experiments.resume_checks import save_restore_and_compare

pytestmark = pytest.mark.integration  # Experiments


def goal_point(algorithm="SAC", **overrides):
    return Experiment.from_defaults(
        algorithm, domain="GoalPoint", seed=0, n_epochs=4, epoch_length=50,
        n_initial_exploration_steps=50, min_pool_size=50, batch_size=16, max_size=1000,
        eval_n_episodes=3, final_eval_n_episodes=3, overrides={"policy_params.config.hidden_layer_sizes": [16, 16],
                                      "Q_params.config.hidden_layer_sizes": [16, 16],
                                      **overrides})


def test_goal_tasks_get_a_hindsight_pool_and_report_success_rates():
    experiment = goal_point()
    assert type(experiment.pool).__name__ == "HindsightExperienceReplayPool"
    assert experiment.pool.relabel_probability == 0.8
    diagnostics = experiment.train(2)[-1]
    for key in ("evaluation/success-rate", "training/success-rate",
                "training/success-rate-recent"):
        assert 0.0 <= diagnostics[key] <= 1.0, key
    # The pool knows the sampler's episodes: 50 steps each.
    starts = experiment.pool.last_n_batch(100)["episode_starts"]
    np.testing.assert_array_equal(starts, np.repeat([0, 50], 50))


def test_training_batches_are_relabelled():
    experiment = goal_point(**{"replay_pool_params.config.relabel_probability": 1.0})
    experiment.train(1)
    batch = experiment.pool.random_batch(200)
    stored = experiment.pool.last_n_batch(50)["observations"]["desired_goal"]
    assert not np.isin(batch["observations"]["desired_goal"][:, 0], stored[:, 0]).any()
    achieved = batch["next_observations"]["achieved_goal"]
    goals = batch["observations"]["desired_goal"]
    reached = np.linalg.norm(achieved - goals, axis=1) <= 0.05
    np.testing.assert_array_equal(batch["rewards"], np.where(reached, 0.0, -1.0))


@pytest.mark.parametrize("fused", [False, True])
def test_resume_with_relabelling_is_bit_exact(tmp_path, fused):
    overrides = ({"algorithm_params.config.n_train_repeat": 2,
                  "algorithm_params.config.train_every_n_steps": 2} if fused else {})
    experiment = goal_point(**overrides)
    experiment.train(2)
    restored = save_restore_and_compare(experiment, tmp_path / "checkpoint_000002")
    np.testing.assert_array_equal(experiment.pool.episode_starts,
                                  restored.pool.episode_starts)


@pytest.mark.parametrize("algorithm", ["SQL", "SACV"])
def test_the_other_algorithms_train_with_relabelling(algorithm):
    experiment = goal_point(algorithm, **{"replay_pool_params.config.relabel_strategy": "final"})
    diagnostics = experiment.train(2)[-1]
    assert np.isfinite(diagnostics["algorithm/Q_0_loss"])
    assert "evaluation/success-rate" in diagnostics


def test_the_export_takes_the_goal_keys(tmp_path):
    experiment = goal_point()
    experiment.train(1)
    metadata = experiment.export(str(tmp_path / "export"))
    assert sorted(metadata["observation_layout"]) == ["achieved_goal", "desired_goal",
                                                      "observation"]
