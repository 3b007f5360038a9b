"""Malformed inputs are rejected with a ValueError that names the problem."""

import numpy as np
import pytest

from softlearning_tf2.inference import (
    backward_messages, hard_value_iteration, maxent_policy_gradient, policy_evaluation,
    posterior_dynamics, random_mdp, soft_value_iteration, tabular_soft_q_learning)

MDP = random_mdp(3, 2, seed=0)


def with_broken_row(transitions):
    broken = transitions.copy()
    broken[1, 0, 0] += 0.1
    return broken


def with_negative_entry(transitions):
    broken = transitions.copy()
    broken[0, 1, :] = [1.5, -0.5, 0.0]
    return broken


@pytest.mark.parametrize("transitions, match", [
    (MDP.transitions[..., :2], r"shape \[S, A, S\]"),
    (MDP.transitions[0], "3-d array"),
    (with_broken_row(MDP.transitions), r"row \(s=1, a=0\) sums to 1.1"),
    (with_negative_entry(MDP.transitions), "negative probabilities"),
    (np.full((3, 2, 3), np.nan), "NaN"),
])
def test_bad_transitions(transitions, match):
    with pytest.raises(ValueError, match=match):
        soft_value_iteration(transitions, MDP.rewards, 0.9, 1.0)


@pytest.mark.parametrize("rewards, match", [
    (np.zeros((2, 3)), r"rewards must have shape \[S, A\] = \(3, 2\)"),
    (np.array([[0.0, np.inf]] * 3), "rewards contains NaN or infinite"),
])
def test_bad_rewards(rewards, match):
    with pytest.raises(ValueError, match=match):
        hard_value_iteration(MDP.transitions, rewards, 0.9)


@pytest.mark.parametrize("discount", [1.0, -0.1, 1.5, float("nan")])
def test_bad_discount(discount):
    with pytest.raises(ValueError, match="discount"):
        soft_value_iteration(MDP.transitions, MDP.rewards, discount, 1.0)


@pytest.mark.parametrize("temperature", [-1.0, float("inf"), "warm"])
def test_bad_temperature(temperature):
    with pytest.raises(ValueError, match="temperature"):
        soft_value_iteration(MDP.transitions, MDP.rewards, 0.9, temperature)


def test_zero_temperature_rejected_where_undefined():
    with pytest.raises(ValueError, match="temperature must be > 0"):
        tabular_soft_q_learning(MDP.transitions, MDP.rewards, 0.9, 0.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        maxent_policy_gradient(MDP.transitions, MDP.rewards, 0.9, 0.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        posterior_dynamics(MDP.transitions, MDP.rewards, 3, temperature=0.0)


def test_bad_horizon_and_prior():
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        backward_messages(MDP.transitions, MDP.rewards, 0)
    with pytest.raises(ValueError, match="horizon must be an integer"):
        backward_messages(MDP.transitions, MDP.rewards, 2.5)
    with pytest.raises(ValueError, match="prior_policy must have shape"):
        backward_messages(MDP.transitions, MDP.rewards, 3, prior_policy=np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="prior_policy rows must sum to 1"):
        backward_messages(MDP.transitions, MDP.rewards, 3, prior_policy=np.ones((3, 2)))
    with pytest.raises(ValueError, match="T = horizon = 3"):
        backward_messages(MDP.transitions, MDP.rewards, 3,
                          prior_policy=np.full((4, 3, 2), 0.5))


def test_bad_policy_for_evaluation():
    with pytest.raises(ValueError, match="policy rows must sum to 1"):
        policy_evaluation(MDP.transitions, MDP.rewards, 0.9, np.full((3, 2), 0.4))
    with pytest.raises(ValueError, match=r"policy must have shape \[S, A\]"):
        policy_evaluation(MDP.transitions, MDP.rewards, 0.9, np.full((2, 2), 0.5))


def test_bad_learner_arguments():
    with pytest.raises(ValueError, match="sampling must be one of"):
        tabular_soft_q_learning(MDP.transitions, MDP.rewards, 0.9, 1.0, sampling="greedy")
    with pytest.raises(ValueError, match="learning_rate must be <= 1"):
        tabular_soft_q_learning(MDP.transitions, MDP.rewards, 0.9, 1.0, learning_rate=2.0)
    with pytest.raises(ValueError, match="initial_state_distribution must sum to 1"):
        maxent_policy_gradient(MDP.transitions, MDP.rewards, 0.9, 1.0,
                               initial_state_distribution=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        maxent_policy_gradient(MDP.transitions, MDP.rewards, 0.9, 1.0, learning_rate=0.0)
