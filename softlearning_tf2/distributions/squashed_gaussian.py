"""The tanh-squashed diagonal Gaussian of SAC (arXiv:1812.05905, Appendix C).

a = tanh(u), u ~ N(shift, diag(scale^2)). By the change of variables (Eq. 26 of 1801.01290),

    log pi(a|s) = log N(u; shift, scale) - sum_i log(1 - tanh(u_i)^2),

and log(1 - tanh(u)^2) = 2 * (log 2 - u - softplus(-2u)) is evaluated in that form, which stays
finite when tanh(u) rounds to +-1. Log-probabilities of sampled actions are always computed from
the pre-squash sample u, never by inverting a (possibly saturated) action.

``squashed_gaussian`` gives the TFP distribution (sampling, densities of given actions, the
policy's public API); ``squashed_gaussian_log_prob`` evaluates the same density by the formula
above in a handful of ops, for the training updates, where TFP's shape bookkeeping added about
380 operations to each compiled SAC update (1,812 with TFP, 1,432 without, Adam unchanged).
"""
import math

import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions
tfb = tfp.bijectors


def squashed_gaussian(shift, scale, squash=True):
    """A TFP distribution over actions; ``squash=False`` leaves the Gaussian unsquashed."""
    base = tfd.MultivariateNormalDiag(loc=shift, scale_diag=scale)
    if not squash:
        return base
    return tfd.TransformedDistribution(distribution=base, bijector=tfb.Tanh())


def squashed_gaussian_log_prob(shift, scale, pre_squash_sample, squash=True):
    """log pi(tanh(u)) of ``squashed_gaussian(shift, scale, squash)`` at u, summed over the
    last axis: the Gaussian term minus log|d tanh(u)/du| (Eq. 26 of 1801.01290)."""
    standardized = (pre_squash_sample - shift) / scale
    log_probs = tf.reduce_sum(
        -0.5 * tf.square(standardized) - tf.math.log(scale) - 0.5 * math.log(2.0 * math.pi),
        axis=-1)
    if squash:
        log_probs -= tanh_log_jacobian(pre_squash_sample)
    return log_probs


def tanh_log_jacobian(pre_squash_sample):
    """sum_i log(1 - tanh(u_i)^2) = sum_i 2 (log 2 - u_i - softplus(-2 u_i)), over the last
    axis: finite where tanh(u) rounds to +-1."""
    return tf.reduce_sum(
        2.0 * (math.log(2.0) - pre_squash_sample - tf.nn.softplus(-2.0 * pre_squash_sample)),
        axis=-1)


def pre_squash_of(actions, squash=True, epsilon=1e-6):
    """atanh of actions clipped to (-1 + eps, 1 - eps), for log-probs of given actions."""
    if not squash:
        return actions
    return tf.atanh(tf.clip_by_value(actions, -1.0 + epsilon, 1.0 - epsilon))
