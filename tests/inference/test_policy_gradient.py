"""Likelihood-ratio max-ent policy gradient converges to the soft value iteration policy."""

import numpy as np
import pytest

from softlearning_tf2.inference import (
    entropy_augmented_return, exact_maxent_policy_gradient, maxent_policy_gradient, random_mdp,
    soft_value_iteration, softmax_policy)

DISCOUNT, TEMPERATURE = 0.8, 1.0


@pytest.fixture(scope="module")
def problem():
    mdp = random_mdp(5, 3, seed=1)
    _, _, soft_policy = soft_value_iteration(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE)
    # The uniform starting policy must be far from the target for the tests to mean anything.
    assert np.max(np.abs(soft_policy - 1.0 / 3.0)) > 0.2
    return mdp, soft_policy


def objective(mdp, logits):
    return entropy_augmented_return(mdp.transitions, mdp.rewards, DISCOUNT,
                                    softmax_policy(logits), TEMPERATURE,
                                    mdp.initial_state_distribution)


def test_exact_gradient_matches_finite_differences(problem):
    mdp, _ = problem
    logits = np.random.default_rng(0).normal(size=(5, 3))
    gradient = exact_maxent_policy_gradient(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                            logits, mdp.initial_state_distribution)
    numerical = np.zeros_like(logits)
    step = 1e-6
    for index in np.ndindex(logits.shape):
        bump = np.zeros_like(logits)
        bump[index] = step
        numerical[index] = (objective(mdp, logits + bump)
                            - objective(mdp, logits - bump)) / (2 * step)
    np.testing.assert_allclose(gradient, numerical, atol=1e-7)


def test_exact_gradient_vanishes_at_soft_optimum(problem):
    mdp, soft_policy = problem
    gradient = exact_maxent_policy_gradient(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                            np.log(soft_policy))
    assert np.max(np.abs(gradient)) < 1e-9


def test_exact_policy_gradient_reaches_soft_policy(problem):
    mdp, soft_policy = problem
    policy, history = maxent_policy_gradient(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                             learning_rate=1.0, num_iterations=1000, exact=True,
                                             return_history=True)
    assert np.max(np.abs(policy - soft_policy)) < 1e-6
    objectives = history["objective"]
    assert np.all(np.diff(objectives) > -1e-12)  # Small exact steps never decrease J.
    optimum = entropy_augmented_return(mdp.transitions, mdp.rewards, DISCOUNT, soft_policy,
                                       TEMPERATURE)
    assert abs(objectives[-1] - optimum) < 1e-9


def test_sampled_policy_gradient_reaches_soft_policy(problem):
    mdp, soft_policy = problem
    policy = maxent_policy_gradient(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                    learning_rate=0.5, num_iterations=1000, exact=False,
                                    num_samples=32, seed=0, learning_rate_decay=0.01)
    # Monte Carlo noise: a looser tolerance on the probabilities (starting error is > 0.2).
    assert np.max(np.abs(policy - soft_policy)) < 0.05


def test_sampled_policy_gradient_is_reproducible(problem):
    mdp, _ = problem
    runs = [maxent_policy_gradient(mdp.transitions, mdp.rewards, DISCOUNT, TEMPERATURE,
                                   num_iterations=20, exact=False, seed=3) for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])  # one seed, the same numpy computation
