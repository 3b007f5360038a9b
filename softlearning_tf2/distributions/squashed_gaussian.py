"""The tanh-squashed diagonal Gaussian of SAC (arXiv:1812.05905, Appendix C).

a = tanh(u), u ~ N(shift, diag(scale^2)). By the change of variables (Eq. 26 of 1801.01290),

    log pi(a|s) = log N(u; shift, scale) - sum_i log(1 - tanh(u_i)^2),

and log(1 - tanh(u)^2) = 2 * (log 2 - u - softplus(-2u)) is evaluated in that form, which stays
finite when tanh(u) rounds to +-1. Log-probabilities of sampled actions are always computed from
the pre-squash sample u, never by inverting a (possibly saturated) action.
"""
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


def log_prob_from_pre_squash(distribution, pre_squash_sample):
    """log pi(tanh(u)) for a squashed distribution, computed from u itself (stable)."""
    if not isinstance(distribution, tfd.TransformedDistribution):
        return distribution.log_prob(pre_squash_sample)
    base_log_prob = distribution.distribution.log_prob(pre_squash_sample)
    log_det = distribution.bijector.forward_log_det_jacobian(pre_squash_sample, event_ndims=1)
    return base_log_prob - log_det


def pre_squash_of(actions, squash=True, epsilon=1e-6):
    """atanh of actions clipped to (-1 + eps, 1 - eps), for log-probs of given actions."""
    if not squash:
        return actions
    return tf.atanh(tf.clip_by_value(actions, -1.0 + epsilon, 1.0 - epsilon))
