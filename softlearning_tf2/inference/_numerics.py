"""Numerically careful primitives: log-sum-exp, soft maxima, Boltzmann and greedy policies."""

import numpy as np


def safe_log(x):
    """Elementwise ``log`` that maps exact zeros to ``-inf`` without a runtime warning."""
    with np.errstate(divide="ignore"):
        return np.log(x)


def logsumexp(x, axis=-1):
    """``log(sum(exp(x)))`` along ``axis``, shifted by the maximum so nothing overflows.

    Slices that are entirely ``-inf`` (zero probability mass) give ``-inf`` rather than NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    shift = np.max(x, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    with np.errstate(divide="ignore"):
        summed = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True))
    return np.squeeze(summed + shift, axis=axis)


def soft_maximum(q_values, temperature, log_prior=None):
    """``temperature * log sum_a prior(a) exp(Q(., a) / temperature)`` over the last axis.

    With ``log_prior=None`` the sum is unweighted (no ``- log|A|`` offset), which is the
    convention of soft value iteration: ``V(s) = temperature * logsumexp(Q(s, .) / temperature)``.
    ``temperature == 0`` gives the hard maximum, the limit of the expression as temperature -> 0.
    """
    if temperature == 0.0:
        return np.max(q_values, axis=-1)
    # Factor the maximum out *before* dividing by the temperature, so tiny temperatures only
    # underflow (harmlessly) instead of overflowing.
    best = np.max(q_values, axis=-1, keepdims=True)
    with np.errstate(over="ignore"):  # Overflow here means exp(...) == 0, which is exact enough.
        scaled = (q_values - best) / temperature
    if log_prior is not None:
        scaled = scaled + log_prior
    return np.squeeze(best, axis=-1) + temperature * logsumexp(scaled, axis=-1)


def boltzmann_policy(q_values, temperature):
    """``pi(a|s) = exp((Q(s, a) - V(s)) / temperature)`` with ``V`` the soft maximum of ``Q``.

    Evaluated as a softmax of ``(Q - max Q) / temperature``: the same distribution, but it
    cannot produce ``inf - inf`` when rounding leaves ``Q(s, a)`` a hair above ``V(s)`` at tiny
    temperatures.
    """
    with np.errstate(over="ignore"):
        logits = (q_values - np.max(q_values, axis=-1, keepdims=True)) / temperature
    policy = np.exp(logits)
    return policy / policy.sum(axis=-1, keepdims=True)


def greedy_policy(q_values, tie_tolerance=1e-9):
    """Uniform distribution over the actions whose value is within ``tie_tolerance`` of the max.

    Spreading mass evenly over tied maximisers makes this the ``temperature -> 0`` limit of the
    Boltzmann policy, so the hard and soft routines agree exactly in that limit.
    """
    best = np.max(q_values, axis=-1, keepdims=True)
    scale = np.maximum(1.0, np.abs(best))
    is_best = q_values >= best - tie_tolerance * scale
    return is_best / is_best.sum(axis=-1, keepdims=True)


def entropy(policy):
    """Shannon entropy (nats) of each row of ``policy`` over the last axis, with 0 log 0 = 0."""
    positive = policy > 0.0
    log_policy = np.log(np.where(positive, policy, 1.0))
    return -np.sum(np.where(positive, policy * log_policy, 0.0), axis=-1)


def sample_categorical(probabilities, rng):
    """One sample per row of ``probabilities`` (``[..., K]``) by inverse-CDF sampling."""
    cumulative = np.cumsum(probabilities, axis=-1)
    uniforms = rng.random(probabilities.shape[:-1] + (1,)) * cumulative[..., -1:]
    indices = np.sum(cumulative <= uniforms, axis=-1)
    return np.minimum(indices, probabilities.shape[-1] - 1)
