"""Soft and hard value iteration: fixed points, limits and brute-force optimality."""

import itertools

import numpy as np
import pytest

from softlearning_tf2.inference import (
    cliff_gridworld, hard_value_iteration, random_mdp, soft_value_iteration)


def soft_bellman_residual(transitions, rewards, discount, temperature, q_values, values):
    """Residual of both soft Bellman equations, computed independently of the library."""
    target_q = rewards + discount * np.einsum("sat,t->sa", transitions, values)
    shift = q_values.max(axis=1)
    target_v = shift + temperature * np.log(
        np.exp((q_values - shift[:, None]) / temperature).sum(axis=1))
    return max(np.max(np.abs(target_q - q_values)), np.max(np.abs(target_v - values)))


def deterministic_policy_values(transitions, rewards, discount, choice):
    states = np.arange(transitions.shape[0])
    matrix = transitions[states, choice]
    return np.linalg.solve(np.eye(len(states)) - discount * matrix, rewards[states, choice])


@pytest.mark.parametrize("discount, temperature", [(0.9, 1.0), (0.99, 0.3), (0.0, 2.0),
                                                   (0.95, 25.0)])
def test_soft_bellman_residual_at_fixed_point(discount, temperature):
    mdp = random_mdp(6, 3, seed=5)
    q_values, values, policy = soft_value_iteration(mdp.transitions, mdp.rewards, discount,
                                                    temperature)
    residual = soft_bellman_residual(mdp.transitions, mdp.rewards, discount, temperature,
                                     q_values, values)
    assert residual < 1e-8
    np.testing.assert_allclose(policy, np.exp((q_values - values[:, None]) / temperature),
                               rtol=1e-12)
    np.testing.assert_allclose(policy.sum(axis=1), 1.0, atol=1e-12)


def test_hard_value_iteration_matches_best_deterministic_policy():
    mdp = random_mdp(4, 3, seed=2)
    discount = 0.9
    _, values, greedy = hard_value_iteration(mdp.transitions, mdp.rewards, discount)
    all_values = np.array([
        deterministic_policy_values(mdp.transitions, mdp.rewards, discount, np.array(choice))
        for choice in itertools.product(range(3), repeat=4)])
    # The optimal value is the state-wise maximum over all 81 deterministic policies.
    np.testing.assert_allclose(values, all_values.max(axis=0), atol=1e-9)
    best_choice = np.argmax(greedy, axis=1)
    np.testing.assert_allclose(
        deterministic_policy_values(mdp.transitions, mdp.rewards, discount, best_choice),
        values, atol=1e-9)


@pytest.mark.parametrize("temperature", [1e-4, 1e-2, 0.5])
def test_soft_values_approach_hard_values_as_temperature_vanishes(temperature):
    mdp = random_mdp(6, 4, seed=9)
    discount = 0.9
    hard_q, hard_v, greedy = hard_value_iteration(mdp.transitions, mdp.rewards, discount)
    soft_q, soft_v, policy = soft_value_iteration(mdp.transitions, mdp.rewards, discount,
                                                  temperature)
    bound = temperature * np.log(4) / (1.0 - discount)
    gap = soft_v - hard_v
    assert np.all(gap >= -1e-9)
    assert np.all(gap <= bound + 1e-9)
    assert np.max(np.abs(soft_q - hard_q)) <= discount * bound + 1e-9
    if temperature == 1e-4:
        # Non-greedy actions keep probability at most exp(-action gap / temperature) each.
        sorted_q = np.sort(hard_q, axis=1)
        action_gap = np.min(sorted_q[:, -1] - sorted_q[:, -2])
        slack = 2 * bound
        assert np.max(np.abs(policy - greedy)) <= 3 * np.exp(-(action_gap - slack) / temperature)


def test_zero_temperature_is_hard_value_iteration():
    mdp = cliff_gridworld()
    hard = hard_value_iteration(mdp.transitions, mdp.rewards, 0.95)
    zero = soft_value_iteration(mdp.transitions, mdp.rewards, 0.95, 0.0)
    for expected, actual in zip(hard, zero):
        np.testing.assert_allclose(actual, expected)
    # Ties (all actions at the absorbing goal) are split evenly, the limit of the softmax.
    goal = mdp.state(*mdp.goal)
    np.testing.assert_allclose(zero[2][goal], 0.25)


def test_high_temperature_policy_approaches_uniform():
    mdp = random_mdp(5, 3, seed=4)
    _, _, policy = soft_value_iteration(mdp.transitions, mdp.rewards, 0.9, 1e4)
    np.testing.assert_allclose(policy, 1.0 / 3.0, atol=1e-3)


def test_soft_value_iteration_handles_huge_rewards():
    mdp = random_mdp(5, 3, seed=1, reward_scale=1e6)
    q_values, values, policy = soft_value_iteration(mdp.transitions, mdp.rewards, 0.9, 1.0)
    assert np.all(np.isfinite(q_values)) and np.all(np.isfinite(policy))
    relative = soft_bellman_residual(mdp.transitions, mdp.rewards, 0.9, 1.0, q_values,
                                     values) / np.max(np.abs(values))
    assert relative < 1e-12


def test_nonconvergence_raises_runtime_error():
    mdp = random_mdp(5, 3, seed=1)
    with pytest.raises(RuntimeError, match="did not reach tol"):
        soft_value_iteration(mdp.transitions, mdp.rewards, 0.99, 1.0, max_iterations=5)
