"""Hindsight relabelling makes a sparse goal task learnable early (slow: ``pytest -m slow``).

GoalPoint-Reach-v0 with the default goal variant, seed 0, 8,000 environment steps: with
relabelling (future, k = 4) the deterministic policy reaches at least 80% of 20 evaluation
goals; without it (the same pool, relabel_probability 0) at most 20%. benchmarks/README.md has
the curves behind these bounds (3 seeds each)."""
import pytest

from softlearning_tf2 import Experiment


def success_after_8000_steps(relabel_probability):
    experiment = Experiment.from_defaults(
        "SAC", domain="GoalPoint", seed=0, n_epochs=8, eval_n_episodes=20,
        overrides={"replay_pool_params.config.relabel_probability": relabel_probability})
    return experiment.train()[-1]["evaluation/success-rate"]


@pytest.mark.slow
def test_relabelling_solves_goal_point_before_plain_sac_does():
    assert success_after_8000_steps(None) >= 0.8
    assert success_after_8000_steps(0.0) <= 0.2
