"""Input checks shared by the tabular inference routines.

Every check raises ``ValueError`` with a message that names the offending argument and says what
was expected, so that a wrong call fails loudly at the boundary instead of producing NaNs deep
inside a recursion.
"""

import numbers

import numpy as np

# Rows of a stochastic matrix may be off by accumulated rounding; anything beyond this is a bug.
ROW_SUM_ATOL = 1e-6


def as_float_array(value, name):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be convertible to a float array: {error}") from None
    return array


def check_transitions(transitions, name="transitions"):
    """Return ``transitions`` as a float64 ``[S, A, S]`` array of conditional distributions."""
    transitions = as_float_array(transitions, name)
    if transitions.ndim != 3:
        raise ValueError(
            f"{name} must be a 3-d array of shape [S, A, S] holding p(s' | s, a), "
            f"got an array with {transitions.ndim} dimension(s) and shape {transitions.shape}.")
    num_states, num_actions, num_next_states = transitions.shape
    if num_states == 0 or num_actions == 0:
        raise ValueError(f"{name} needs at least one state and one action, got shape "
                         f"{transitions.shape}.")
    if num_next_states != num_states:
        raise ValueError(
            f"{name} must have shape [S, A, S] (same number of current and next states), "
            f"got shape {transitions.shape}.")
    if not np.all(np.isfinite(transitions)):
        raise ValueError(f"{name} contains NaN or infinite entries.")
    if np.any(transitions < 0.0):
        raise ValueError(f"{name} contains negative probabilities (min "
                         f"{transitions.min():.3g}).")
    row_sums = transitions.sum(axis=-1)
    worst = np.max(np.abs(row_sums - 1.0))
    if worst > ROW_SUM_ATOL:
        state, action = np.unravel_index(np.argmax(np.abs(row_sums - 1.0)), row_sums.shape)
        raise ValueError(
            f"{name}[s, a, :] must sum to 1 over next states; row (s={state}, a={action}) "
            f"sums to {row_sums[state, action]:.6g}.")
    return transitions


def check_rewards(rewards, num_states, num_actions, name="rewards"):
    """Return ``rewards`` as a finite float64 ``[S, A]`` array."""
    rewards = as_float_array(rewards, name)
    if rewards.shape != (num_states, num_actions):
        raise ValueError(
            f"{name} must have shape [S, A] = {(num_states, num_actions)} to match the "
            f"transitions, got shape {rewards.shape}.")
    if not np.all(np.isfinite(rewards)):
        raise ValueError(f"{name} contains NaN or infinite entries.")
    return rewards


def check_mdp(transitions, rewards):
    transitions = check_transitions(transitions)
    num_states, num_actions, _ = transitions.shape
    rewards = check_rewards(rewards, num_states, num_actions)
    return transitions, rewards


def _check_real_scalar(value, name):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise ValueError(f"{name} must be a real number, got {value!r}.")
    value = np.asarray(value, dtype=np.float64)
    if value.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got an array of shape {value.shape}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    return value


def check_discount(discount):
    discount = _check_real_scalar(discount, "discount")
    if not 0.0 <= discount < 1.0:
        raise ValueError(f"discount must lie in [0, 1) for the infinite-horizon problem to be "
                         f"well posed, got {discount}.")
    return discount


def check_temperature(temperature, allow_zero=True):
    temperature = _check_real_scalar(temperature, "temperature")
    if temperature < 0.0:
        raise ValueError(f"temperature must be >= 0, got {temperature}.")
    if temperature == 0.0 and not allow_zero:
        raise ValueError("temperature must be > 0 here (temperature == 0 is the hard-max limit, "
                         "which this routine does not define).")
    return temperature


def check_positive_scalar(value, name):
    value = _check_real_scalar(value, name)
    if value <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value}.")
    return value


def check_nonnegative_scalar(value, name):
    value = _check_real_scalar(value, name)
    if value < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return value


def check_probability(value, name):
    value = _check_real_scalar(value, name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}.")
    return value


def check_positive_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return value


def check_policy(policy, num_states, num_actions, name="policy", allow_time_dimension=False):
    """Return ``policy`` as float64 ``[S, A]`` (or ``[T, S, A]``) rows of distributions."""
    policy = as_float_array(policy, name)
    allowed = policy.ndim == 2 or (allow_time_dimension and policy.ndim == 3)
    expected = "[S, A] or [T, S, A]" if allow_time_dimension else "[S, A]"
    if not allowed or policy.shape[-2:] != (num_states, num_actions):
        raise ValueError(f"{name} must have shape {expected} with [S, A] = "
                         f"{(num_states, num_actions)}, got shape {policy.shape}.")
    if not np.all(np.isfinite(policy)):
        raise ValueError(f"{name} contains NaN or infinite entries.")
    if np.any(policy < 0.0):
        raise ValueError(f"{name} contains negative probabilities (min {policy.min():.3g}).")
    row_sums = policy.sum(axis=-1)
    if np.max(np.abs(row_sums - 1.0)) > ROW_SUM_ATOL:
        raise ValueError(f"{name} rows must sum to 1 over actions; found a row summing to "
                         f"{row_sums.flat[np.argmax(np.abs(row_sums - 1.0))]:.6g}.")
    return policy


def check_state_distribution(distribution, num_states, name="initial_state_distribution"):
    """Return a float64 ``[S]`` probability vector; ``None`` means uniform over states."""
    if distribution is None:
        return np.full(num_states, 1.0 / num_states)
    distribution = as_float_array(distribution, name)
    if distribution.shape != (num_states,):
        raise ValueError(f"{name} must have shape [S] = ({num_states},), got shape "
                         f"{distribution.shape}.")
    if not np.all(np.isfinite(distribution)) or np.any(distribution < 0.0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities.")
    if abs(distribution.sum() - 1.0) > ROW_SUM_ATOL:
        raise ValueError(f"{name} must sum to 1, got {distribution.sum():.6g}.")
    return distribution
