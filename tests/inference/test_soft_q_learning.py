"""Sampled tabular soft Q-learning converges to the soft value iteration fixed point."""

import numpy as np
import pytest

from softlearning_tf2.inference import random_mdp, soft_value_iteration, tabular_soft_q_learning

DISCOUNT, TEMPERATURE = 0.8, 1.0


@pytest.fixture(scope="module")
def problem():
    mdp = random_mdp(5, 3, seed=1)
    soft = soft_value_iteration(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE)
    assert np.max(np.abs(soft[2] - 1.0 / 3.0)) > 0.2  # Far from the uniform start.
    return mdp, soft


def test_uniform_sampling_reaches_soft_fixed_point(problem):
    mdp, (soft_q, soft_v, soft_policy) = problem
    q_values, values, policy = tabular_soft_q_learning(
        mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE, num_steps=20000, seed=0)
    assert np.max(np.abs(q_values - soft_q)) < 0.05
    assert np.max(np.abs(values - soft_v)) < 0.05
    assert np.max(np.abs(policy - soft_policy)) < 0.01


def test_on_policy_boltzmann_exploration_reaches_soft_policy(problem):
    mdp, (soft_q, _, soft_policy) = problem
    q_values, _, policy = tabular_soft_q_learning(
        mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE, num_steps=20000, seed=1,
        sampling="behavior")
    assert np.max(np.abs(q_values - soft_q)) < 0.2
    assert np.max(np.abs(policy - soft_policy)) < 0.03


def test_too_few_updates_leave_q_far_from_fixed_point(problem):
    # The convergence tests are able to fail: very few updates leave Q far from the fixed point.
    mdp, (soft_q, _, _) = problem
    q_values, _, _ = tabular_soft_q_learning(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                             num_steps=3, seed=0)
    assert np.max(np.abs(q_values - soft_q)) > 0.5
