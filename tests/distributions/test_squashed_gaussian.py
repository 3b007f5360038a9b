import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.distributions.squashed_gaussian import (
    squashed_gaussian, squashed_gaussian_log_prob)
from tests.numpy_reference import tanh_gaussian_log_prob


def test_log_prob_matches_numpy_change_of_variables():
    rng = np.random.default_rng(0)
    shift = rng.normal(size=(64, 3)).astype(np.float32)
    scale = np.exp(rng.normal(scale=0.5, size=(64, 3))).astype(np.float32)
    pre_squash = (shift + scale * rng.normal(size=(64, 3))).astype(np.float32)

    ours = squashed_gaussian_log_prob(shift, scale, pre_squash).numpy()
    expected = tanh_gaussian_log_prob(pre_squash.astype(np.float64), shift, scale)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("squash", [True, False])
def test_log_prob_formula_matches_the_tfp_distribution(squash):
    rng = np.random.default_rng(1)
    shift = rng.normal(size=(32, 4)).astype(np.float32)
    scale = np.exp(rng.normal(scale=0.5, size=(32, 4))).astype(np.float32)
    pre_squash = (shift + scale * rng.normal(size=(32, 4))).astype(np.float32)
    actions = np.tanh(pre_squash) if squash else pre_squash
    # Rows where TFP's atanh of the float32 action still recovers u accurately.
    keep = np.all(np.abs(np.tanh(pre_squash)) < 0.999, axis=-1) if squash else np.ones(32, bool)
    distribution = squashed_gaussian(tf.constant(shift), tf.constant(scale), squash=squash)

    ours = squashed_gaussian_log_prob(shift, scale, pre_squash, squash=squash).numpy()
    theirs = distribution.log_prob(actions).numpy()
    assert keep.sum() > 16
    np.testing.assert_allclose(ours[keep], theirs[keep], rtol=1e-4, atol=1e-3)


def test_squashed_density_integrates_to_one():
    # 1-D: integrate exp(log pi(a)) over a in (-1, 1) through the substitution a = tanh(u).
    distribution = squashed_gaussian(tf.constant([[0.7]]), tf.constant([[0.4]]))
    actions = np.linspace(-1 + 1e-6, 1 - 1e-6, 200001)
    log_probs = distribution.log_prob(tf.constant(actions[:, None, None], tf.float32)).numpy()
    integral = np.trapezoid(np.exp(log_probs[:, 0].astype(np.float64)), actions)
    assert abs(integral - 1.0) < 1e-3


def test_saturated_actions_have_finite_log_probs_and_gradients():
    shift = tf.Variable([[30.0, -30.0], [0.0, 25.0]])
    log_scale = tf.Variable([[0.0, 0.5], [-1.0, 0.0]])
    with tf.GradientTape() as tape:
        pre_squash = shift + tf.exp(log_scale) * tf.constant([[1.0, -1.0], [0.5, 2.0]])
        log_probs = squashed_gaussian_log_prob(shift, tf.exp(log_scale), pre_squash)
        loss = tf.reduce_sum(log_probs)
    actions = tf.tanh(pre_squash).numpy()
    assert np.abs(actions[0]).min() == 1.0  # really saturated in float32
    assert np.all(np.isfinite(log_probs.numpy()))
    gradients = tape.gradient(loss, [shift, log_scale])
    assert all(np.all(np.isfinite(gradient.numpy())) for gradient in gradients)
    # For |u| > 20, log(1 - tanh(u)^2) = 2 log 2 - 2|u| to float precision, so the exact
    # log-prob of the first row is the Gaussian term plus 2|u| - 2 log 2 per coordinate.
    u, mean, std = pre_squash.numpy()[0], shift.numpy()[0], np.exp(log_scale.numpy()[0])
    gaussian = np.sum(-0.5 * ((u - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi))
    expected = gaussian + np.sum(2 * np.abs(u) - 2 * np.log(2.0))
    np.testing.assert_allclose(log_probs.numpy()[0], expected, rtol=1e-5)
