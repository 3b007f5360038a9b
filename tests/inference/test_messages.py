"""Backward messages, posterior policy and posterior dynamics against brute-force inference."""

import itertools

import numpy as np
import pytest

from softlearning_tf2.inference import (
    backward_messages, finite_horizon_soft_value_iteration, posterior_dynamics,
    posterior_policy, random_mdp)


def probability_space_messages(transitions, rewards, horizon, prior):
    """Plain-probability recursion with explicit loops (no logs), for small problems only."""
    num_states, num_actions, _ = transitions.shape
    beta_sa = np.zeros((horizon, num_states, num_actions))
    beta_s = np.zeros((horizon, num_states))
    beta_next = np.ones(num_states)
    for t in reversed(range(horizon)):
        for s in range(num_states):
            for a in range(num_actions):
                expected = sum(transitions[s, a, s2] * beta_next[s2] for s2 in range(num_states))
                beta_sa[t, s, a] = np.exp(rewards[s, a]) * expected
            beta_s[t, s] = sum(prior[s, a] * beta_sa[t, s, a] for a in range(num_actions))
        beta_next = beta_s[t]
    return beta_sa, beta_s


def enumerated_beta0(transitions, rewards, horizon, prior, state, action):
    """beta_0(s, a) = p(O_{0:T-1} | s_0, a_0) summed over every continuation explicitly."""
    num_states, num_actions, _ = transitions.shape
    total = 0.0
    steps = [range(num_states), range(num_actions)] * (horizon - 1)
    for continuation in itertools.product(*steps):
        probability = np.exp(rewards[state, action])
        previous_state, previous_action = state, action
        for k in range(horizon - 1):
            s, a = continuation[2 * k], continuation[2 * k + 1]
            probability *= (transitions[previous_state, previous_action, s] * prior[s, a]
                            * np.exp(rewards[s, a]))
            previous_state, previous_action = s, a
        total += probability
    return total


@pytest.fixture
def small_mdp():
    return random_mdp(3, 2, seed=3, reward_scale=0.5, reward_offset=-0.5)


def test_log_messages_match_probability_space(small_mdp):
    horizon = 4
    prior = np.full((3, 2), 0.5)
    log_beta_sa, log_beta_s = backward_messages(small_mdp.transitions, small_mdp.rewards, horizon)
    beta_sa, beta_s = probability_space_messages(small_mdp.transitions, small_mdp.rewards,
                                                 horizon, prior)
    assert log_beta_sa.shape == (horizon, 3, 2) and log_beta_s.shape == (horizon, 3)
    np.testing.assert_allclose(np.exp(log_beta_sa), beta_sa, rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_beta_s), beta_s, rtol=1e-12)
    # Last-step convention: beta_{T-1}(s, a) = exp(r(s, a)).
    np.testing.assert_allclose(log_beta_sa[-1], small_mdp.rewards, rtol=0, atol=1e-14)


def test_messages_match_trajectory_enumeration_with_nonuniform_prior(small_mdp):
    horizon = 3
    prior = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
    log_beta_sa, log_beta_s = backward_messages(small_mdp.transitions, small_mdp.rewards,
                                                horizon, prior_policy=prior)
    for state in range(3):
        for action in range(2):
            expected = enumerated_beta0(small_mdp.transitions, small_mdp.rewards, horizon,
                                        prior, state, action)
            np.testing.assert_allclose(np.exp(log_beta_sa[0, state, action]), expected,
                                       rtol=1e-12)
    # beta_0(s) is the prior-weighted average of beta_0(s, .).
    np.testing.assert_allclose(np.exp(log_beta_s[0]),
                               np.sum(prior * np.exp(log_beta_sa[0]), axis=-1), rtol=1e-12)
    # A time-varying prior equal at every step gives the same messages.
    tiled = np.broadcast_to(prior, (horizon, 3, 2))
    np.testing.assert_allclose(backward_messages(small_mdp.transitions, small_mdp.rewards,
                                                 horizon, prior_policy=tiled)[0], log_beta_sa)


@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_messages_finite_and_shift_equivariant_for_huge_rewards(small_mdp, offset):
    horizon = 6
    base_sa, base_s = backward_messages(small_mdp.transitions, small_mdp.rewards, horizon)
    huge_sa, huge_s = backward_messages(small_mdp.transitions, small_mdp.rewards + offset,
                                        horizon)
    assert np.all(np.isfinite(huge_sa)) and np.all(np.isfinite(huge_s))
    # Adding c to every reward multiplies beta_t by exp(c (T - t)).
    steps_left = (horizon - np.arange(horizon))
    np.testing.assert_allclose(huge_sa, base_sa + offset * steps_left[:, None, None],
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(huge_s, base_s + offset * steps_left[:, None],
                               rtol=1e-12, atol=1e-9)


def test_huge_reward_spread_stays_finite():
    mdp = random_mdp(4, 3, seed=0, reward_scale=1000.0)
    log_beta_sa, log_beta_s = backward_messages(mdp.transitions, mdp.rewards, 20)
    assert np.all(np.isfinite(log_beta_sa)) and np.all(np.isfinite(log_beta_s))
    policy = posterior_policy(log_beta_sa, log_beta_s)
    assert np.all(np.isfinite(policy))
    np.testing.assert_allclose(policy.sum(axis=-1), 1.0)


def test_posterior_policy_is_prior_times_message_ratio(small_mdp):
    prior = np.array([[0.3, 0.7], [0.5, 0.5], [0.1, 0.9]])
    log_beta_sa, log_beta_s = backward_messages(small_mdp.transitions, small_mdp.rewards, 5,
                                                prior_policy=prior)
    policy = posterior_policy(log_beta_sa, log_beta_s, prior_policy=prior)
    beta_sa, _ = probability_space_messages(small_mdp.transitions, small_mdp.rewards, 5, prior)
    expected = prior * beta_sa
    expected /= expected.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(policy, expected, rtol=1e-12)


def test_deterministic_dynamics_make_exact_inference_equal_maxent():
    rng = np.random.default_rng(7)
    num_states, num_actions, horizon, temperature = 4, 3, 5, 0.7
    transitions = np.zeros((num_states, num_actions, num_states))
    next_states = rng.integers(num_states, size=(num_states, num_actions))
    transitions[np.arange(num_states)[:, None], np.arange(num_actions), next_states] = 1.0
    rewards = rng.normal(size=(num_states, num_actions))
    log_beta_sa, log_beta_s = backward_messages(transitions, rewards / temperature, horizon)
    q_values, values, policy = finite_horizon_soft_value_iteration(transitions, rewards, horizon,
                                                                   temperature)
    np.testing.assert_allclose(temperature * log_beta_sa, q_values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(temperature * log_beta_s, values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(posterior_policy(log_beta_sa, log_beta_s), policy, atol=1e-12)
    dynamics = posterior_dynamics(transitions, rewards, horizon, temperature=temperature)
    np.testing.assert_allclose(dynamics, np.broadcast_to(transitions, dynamics.shape))


def test_stochastic_dynamics_make_exact_inference_optimistic(small_mdp):
    horizon = 5
    log_beta_sa, _ = backward_messages(small_mdp.transitions, small_mdp.rewards, horizon)
    q_values, _, _ = finite_horizon_soft_value_iteration(small_mdp.transitions,
                                                         small_mdp.rewards, horizon)
    # log E[exp V] >= E[V] (Jensen), strictly before the last step for non-degenerate dynamics.
    assert np.all(log_beta_sa >= q_values - 1e-12)
    assert np.all(log_beta_sa[:-1] > q_values[:-1] + 1e-6)
    np.testing.assert_allclose(log_beta_sa[-1], q_values[-1])


def two_branch_mdp(bad_reward):
    """State 0 branches at random to states 1 or 2 (actions irrelevant); 3 is a sink.

    States 1 and 2 both lead to the sink; they differ only in reward (``0`` vs ``bad_reward``).
    """
    transitions = np.zeros((4, 2, 4))
    transitions[0, :, 1] = 0.3
    transitions[0, :, 2] = 0.7
    transitions[1:, :, 3] = 1.0
    rewards = np.zeros((4, 2))
    rewards[2, :] = bad_reward
    return transitions, rewards


def test_posterior_dynamics_shift_mass_towards_better_next_states():
    transitions, rewards = two_branch_mdp(bad_reward=-2.0)
    horizon = 4
    dynamics = posterior_dynamics(transitions, rewards, horizon)
    assert dynamics.shape == (horizon - 1, 4, 2, 4)
    np.testing.assert_allclose(dynamics.sum(axis=-1), 1.0)
    # Brute force: p(s_1 | s_0 = 0, a_0, O) is proportional to p(s_1 | 0, a_0) beta_1(s_1), and
    # beta_1(s_1) = exp(r(s_1)) here because every later reward is 0.
    weights = transitions[0, 0] * np.exp(rewards[:, 0])
    np.testing.assert_allclose(dynamics[0, 0, 0], weights / weights.sum(), rtol=1e-12)
    assert dynamics[0, 0, 0, 1] > transitions[0, 0, 1] + 0.3  # Optimism: the good branch.
    # Lower temperature -> more optimistic; higher -> closer to the true dynamics.
    cold = posterior_dynamics(transitions, rewards, horizon, temperature=0.1)
    hot = posterior_dynamics(transitions, rewards, horizon, temperature=100.0)
    assert cold[0, 0, 0, 1] > dynamics[0, 0, 0, 1] > hot[0, 0, 0, 1] > transitions[0, 0, 1]
    np.testing.assert_allclose(hot[0, 0, 0], transitions[0, 0], atol=0.01)


def test_posterior_dynamics_equal_true_dynamics_between_equivalent_next_states():
    transitions, rewards = two_branch_mdp(bad_reward=0.0)
    # Make states 1 and 2 rewarding (but equally so) so beta is far from 1 yet identical.
    rewards[1:3, :] = 3.0
    dynamics = posterior_dynamics(transitions, rewards, horizon=5)
    for t in range(dynamics.shape[0]):
        np.testing.assert_allclose(dynamics[t], transitions, atol=1e-12)


def test_posterior_dynamics_differ_only_where_next_values_differ():
    mdp = random_mdp(5, 2, seed=11)
    dynamics = posterior_dynamics(mdp.transitions, mdp.rewards, horizon=6)
    assert np.max(np.abs(dynamics - mdp.transitions)) > 0.01
    # At the step before the last, beta_{T-1}(s') = mean_a exp(r(s', a)); check the ratio form.
    _, log_beta_s = backward_messages(mdp.transitions, mdp.rewards, 6)
    ratio = dynamics[-1] / mdp.transitions
    expected = np.exp(log_beta_s[-1])[None, None, :]
    expected = expected / np.sum(mdp.transitions * expected, axis=-1, keepdims=True)
    np.testing.assert_allclose(ratio, expected, rtol=1e-10)
