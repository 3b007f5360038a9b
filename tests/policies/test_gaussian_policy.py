import numpy as np
import tensorflow as tf

from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from tests.numpy_reference import policy_shift_and_std, tanh_gaussian_log_prob


def make_policy(seed=0):
    return FeedforwardGaussianPolicy(4, 2, hidden_layer_sizes=(32, 32), seed=seed)


def observations(count=50, seed=0):
    return np.random.default_rng(seed).normal(size=(count, 4)).astype(np.float32)


def test_actions_and_log_probs_match_numpy():
    policy = make_policy()
    obs = observations()
    generator = tf.random.Generator.from_state(policy.noise_generator.state.numpy(),
                                               policy.noise_generator.algorithm)
    noise = generator.normal((50, 2)).numpy().astype(np.float64)
    actions, log_probs = policy.actions_and_log_probs(tf.constant(obs))

    shift, std = policy_shift_and_std(policy.get_weights(), obs)
    pre_squash = shift + std * noise
    np.testing.assert_allclose(actions.numpy(), np.tanh(pre_squash), atol=1e-5)
    np.testing.assert_allclose(log_probs.numpy(), tanh_gaussian_log_prob(pre_squash, shift, std),
                               rtol=1e-4, atol=1e-4)
    assert np.all(np.abs(actions.numpy()) <= 1.0)


def test_log_probs_of_given_actions_agree_with_sampled_ones():
    policy = make_policy()
    obs = tf.constant(observations())
    actions, log_probs = policy.actions_and_log_probs(obs)
    moderate = np.all(np.abs(actions.numpy()) < 0.99, axis=1)
    np.testing.assert_allclose(policy.log_probs(obs, actions).numpy()[moderate],
                               log_probs.numpy()[moderate], rtol=1e-3, atol=1e-3)


def test_saturated_given_actions_have_finite_log_probs():
    policy = make_policy()
    obs = tf.constant(observations(4))
    log_probs = policy.log_probs(obs, tf.constant([[1.0, -1.0]] * 4))
    assert np.all(np.isfinite(log_probs.numpy()))


def test_deterministic_actions_are_tanh_of_the_mean():
    policy = make_policy()
    obs = observations()
    shift, _ = policy_shift_and_std(policy.get_weights(), obs)
    np.testing.assert_allclose(policy.deterministic_actions(tf.constant(obs)).numpy(),
                               np.tanh(shift), atol=1e-5)
    single = policy.action(obs[0], deterministic=True)
    np.testing.assert_allclose(single, np.tanh(shift[0]), atol=1e-5)


def test_action_distribution_is_a_tfp_distribution():
    policy = make_policy()
    distribution = policy.action_distribution(tf.constant(observations(3)))
    assert distribution.batch_shape == (3,) and distribution.event_shape == (2,)
    assert np.all(np.abs(distribution.sample().numpy()) <= 1.0)


def test_same_seed_same_policy_and_noise():
    first, second = make_policy(seed=7), make_policy(seed=7)
    obs = observations(5)
    np.testing.assert_array_equal(first.action(obs[0]), second.action(obs[0]))
    different = make_policy(seed=8)
    assert not np.allclose(first.action(obs[1]), different.action(obs[1]))


def test_diagnostics_are_finite_and_draw_from_the_generator_given():
    policy = make_policy()
    noise_state = policy.noise_generator.state.numpy().copy()
    diagnostics = policy.get_diagnostics(observations(), tf.random.Generator.from_seed(3))
    assert set(diagnostics) >= {"shift-mean", "scale-mean", "entropy-mean"}
    assert all(np.isfinite(value) for value in diagnostics.values())
    np.testing.assert_array_equal(policy.noise_generator.state.numpy(), noise_state)
    again = policy.get_diagnostics(observations(), tf.random.Generator.from_seed(3))
    assert again == diagnostics


def test_uniform_policy():
    policy = ContinuousUniformPolicy(3, 2, seed=0)
    actions = np.array([policy.action(np.zeros(3)) for _ in range(2000)])
    assert actions.shape == (2000, 2) and np.all(np.abs(actions) <= 1.0)
    assert abs(actions.mean()) < 0.05 and abs(actions.var() - 1.0 / 3.0) < 0.02
    np.testing.assert_allclose(policy.log_probs(tf.zeros((4, 3)), tf.zeros((4, 2))).numpy(),
                               -2 * np.log(2.0))
