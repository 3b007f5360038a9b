"""A tanh-squashed mixture of diagonal Gaussians (the Gaussian-mixture policy of the first SAC
code, arXiv:1801.01290, Sec. 6).

a = tanh(u), u ~ sum_k w_k N(mu_k, diag(sigma_k^2)). The change of variables is the one of the
squashed Gaussian (Eq. 26 of 1801.01290) with the mixture's density in place of the Gaussian's:

    log pi(a|s) = logsumexp_k [log w_k + log N(u; mu_k, sigma_k)] - sum_i log(1 - tanh(u_i)^2).

``squashed_mixture`` gives the TFP distribution (``MixtureSameFamily`` under ``Tanh``), for the
policy's public API; ``squashed_mixture_log_prob`` evaluates the same density in plain ops for
the training updates and the export.
"""
import math

import tensorflow as tf
import tensorflow_probability as tfp

from softlearning_tf2.distributions.squashed_gaussian import tanh_log_jacobian

tfd = tfp.distributions
tfb = tfp.bijectors


def squashed_mixture(log_weights, shifts, scales, squash=True):
    """TFP distribution; ``log_weights`` [..., K], ``shifts`` / ``scales`` [..., K, d]."""
    mixture = tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=log_weights),
        components_distribution=tfd.MultivariateNormalDiag(loc=shifts, scale_diag=scales))
    if not squash:
        return mixture
    return tfd.TransformedDistribution(distribution=mixture, bijector=tfb.Tanh())


def component_log_probs(shifts, scales, pre_squash_sample):
    """log N(u; mu_k, sigma_k) of every component at u [..., d]: [..., K]."""
    standardized = (pre_squash_sample[..., None, :] - shifts) / scales
    return tf.reduce_sum(
        -0.5 * tf.square(standardized) - tf.math.log(scales) - 0.5 * math.log(2.0 * math.pi),
        axis=-1)


def squashed_mixture_log_prob(log_weights, shifts, scales, pre_squash_sample, squash=True):
    """log pi(tanh(u)) of ``squashed_mixture``, from the pre-squash sample u [..., d]."""
    log_weights = tf.nn.log_softmax(log_weights, axis=-1)
    log_probs = tf.reduce_logsumexp(
        log_weights + component_log_probs(shifts, scales, pre_squash_sample), axis=-1)
    if squash:
        log_probs -= tanh_log_jacobian(pre_squash_sample)
    return log_probs
