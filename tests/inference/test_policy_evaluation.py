"""Exact policy evaluation and the optimality of the soft value iteration policy."""

import numpy as np
import pytest

from softlearning_tf2.inference import (
    discounted_state_visitation, entropy_augmented_return, policy_evaluation, random_mdp,
    soft_value_iteration)


def iterative_soft_evaluation(transitions, rewards, discount, policy, temperature,
                              num_sweeps=2000):
    """Fixed-point iteration of the soft policy Bellman equation (independent of the solver)."""
    log_policy = np.log(np.where(policy > 0, policy, 1.0))
    values = np.zeros(transitions.shape[0])
    for _ in range(num_sweeps):
        q_values = rewards + discount * transitions.dot(values)
        values = np.sum(policy * (q_values - temperature * log_policy), axis=1)
    return rewards + discount * transitions.dot(values), values


def random_policy(rng, num_states, num_actions):
    return rng.dirichlet(np.ones(num_actions), size=num_states)


@pytest.mark.parametrize("temperature", [0.0, 0.5, 3.0])
def test_linear_solve_matches_fixed_point_iteration(temperature):
    mdp = random_mdp(5, 3, seed=8)
    policy = random_policy(np.random.default_rng(0), 5, 3)
    policy[0] = [0.0, 1.0, 0.0]  # Zero probabilities must be handled (0 log 0 = 0).
    q_values, values = policy_evaluation(mdp.transitions, mdp.rewards, 0.9, policy, temperature)
    expected_q, expected_v = iterative_soft_evaluation(mdp.transitions, mdp.rewards, 0.9, policy,
                                                       temperature)
    np.testing.assert_allclose(values, expected_v, atol=1e-9)
    np.testing.assert_allclose(q_values, expected_q, atol=1e-9)


def test_soft_optimal_policy_value_equals_soft_value_iteration():
    mdp = random_mdp(6, 4, seed=12)
    _, values, policy = soft_value_iteration(mdp.transitions, mdp.rewards, 0.95, 0.7)
    _, policy_values = policy_evaluation(mdp.transitions, mdp.rewards, 0.95, policy, 0.7)
    np.testing.assert_allclose(policy_values, values, atol=1e-8)


def test_soft_optimal_policy_beats_random_perturbations():
    mdp = random_mdp(6, 4, seed=21)
    discount, temperature = 0.9, 0.5
    _, _, optimal = soft_value_iteration(mdp.transitions, mdp.rewards, discount, temperature)
    _, optimal_values = policy_evaluation(mdp.transitions, mdp.rewards, discount, optimal,
                                          temperature)
    optimal_return = entropy_augmented_return(mdp.transitions, mdp.rewards, discount, optimal,
                                              temperature)
    rng = np.random.default_rng(1)
    scales = np.geomspace(1e-3, 2.0, 200)
    for scale in scales:
        logits = np.log(optimal) + scale * rng.standard_normal(optimal.shape)
        perturbed = np.exp(logits - logits.max(axis=1, keepdims=True))
        perturbed /= perturbed.sum(axis=1, keepdims=True)
        _, values = policy_evaluation(mdp.transitions, mdp.rewards, discount, perturbed,
                                      temperature)
        # The soft-optimal policy dominates state by state, so also on average.
        assert np.all(values <= optimal_values + 1e-10)
        assert entropy_augmented_return(mdp.transitions, mdp.rewards, discount, perturbed,
                                        temperature) < optimal_return


def test_reward_optimal_policy_is_not_entropy_optimal():
    # Sanity check that the perturbation test can fail: the greedy policy loses to the soft one
    # on the entropy-augmented objective.
    mdp = random_mdp(6, 4, seed=21)
    q_values, _, soft = soft_value_iteration(mdp.transitions, mdp.rewards, 0.9, 0.5)
    greedy = np.eye(4)[np.argmax(q_values, axis=1)]
    assert (entropy_augmented_return(mdp.transitions, mdp.rewards, 0.9, greedy, 0.5)
            < entropy_augmented_return(mdp.transitions, mdp.rewards, 0.9, soft, 0.5) - 1e-3)


def test_discounted_state_visitation_matches_power_series():
    mdp = random_mdp(4, 2, seed=3)
    policy = random_policy(np.random.default_rng(2), 4, 2)
    initial = np.array([0.7, 0.1, 0.2, 0.0])
    discount = 0.8
    occupancy = discounted_state_visitation(mdp.transitions, policy, discount, initial,
                                            normalize=False)
    chain = np.einsum("sa,sat->st", policy, mdp.transitions)
    expected, distribution = np.zeros(4), initial.copy()
    for t in range(400):
        expected += discount ** t * distribution
        distribution = distribution @ chain
    np.testing.assert_allclose(occupancy, expected, atol=1e-12)
    normalized = discounted_state_visitation(mdp.transitions, policy, discount, initial)
    np.testing.assert_allclose(normalized.sum(), 1.0)
