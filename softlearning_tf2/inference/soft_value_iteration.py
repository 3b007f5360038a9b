"""Soft (maximum-entropy) and hard value iteration for discounted tabular MDPs.

The maximum-entropy objective with temperature ``alpha`` and discount ``gamma``,

    J(pi) = E_pi[ sum_t gamma^t ( r(s_t, a_t) + alpha * H(pi(. | s_t)) ) ],

is the discounted version of the variational objective of Levine (2018, arXiv:1805.00909,
Sec. 3 "Variational Inference and Stochastic Dynamics"). Its optimum satisfies the soft Bellman
equations

    Q(s, a) = r(s, a) + gamma * E_{s' ~ p(.|s, a)}[ V(s') ]
    V(s)    = alpha * log sum_a exp(Q(s, a) / alpha)
    pi(a|s) = exp((Q(s, a) - V(s)) / alpha),

whose backup operator is a ``gamma``-contraction in the sup norm, so plain iteration converges
from any start. ``V`` here uses the unweighted sum over actions (no ``- alpha log|A|``), which
is the entropy-bonus convention; a uniform action prior would shift every value by the
constant ``alpha log|A| / (1 - gamma)`` and leave ``Q - V`` and the policy unchanged.

Limits: as ``alpha -> 0`` the soft maximum becomes a hard maximum, and for ``alpha > 0``

    0 <= V_soft(s) - V_hard(s) <= alpha * log|A| / (1 - gamma),

because the soft maximum exceeds the maximum by at most ``alpha log|A|`` per step.
"""

import numpy as np

from softlearning_tf2.inference import _validation
from softlearning_tf2.inference._numerics import boltzmann_policy, greedy_policy, soft_maximum
from softlearning_tf2.inference.messages import log_action_prior

DEFAULT_MAX_ITERATIONS = 100_000


def _stopping_threshold(tol, values):
    # An absolute tolerance below a few ulps of the values cannot be met in float64; relax it to
    # that floor so huge rewards do not make iteration run until max_iterations.
    return max(tol, 64.0 * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(values)))))


def _iterate(transitions, rewards, discount, backup_values, tol, max_iterations):
    """Iterate ``V <- backup_values(r + gamma P V)`` until the sup-norm change is below tol."""
    values = backup_values(rewards)  # The one-step (discount = 0) values are a fine start.
    for _ in range(max_iterations):
        q_values = rewards + discount * (transitions @ values)
        new_values = backup_values(q_values)
        change = np.max(np.abs(new_values - values))
        values = new_values
        if change <= _stopping_threshold(tol, values):
            # Refresh Q from the final V so that V == backup(Q) holds exactly and the Bellman
            # residual of (Q, V) is at most discount * change <= tol.
            q_values = rewards + discount * (transitions @ values)
            return q_values, backup_values(q_values)
    raise RuntimeError(
        f"value iteration did not reach tol={tol:g} within max_iterations={max_iterations} "
        f"(last sup-norm change {change:.3g}); raise max_iterations or loosen tol.")


def _check_tolerances(tol, max_iterations):
    tol = _validation.check_positive_scalar(tol, "tol")
    max_iterations = _validation.check_positive_int(max_iterations, "max_iterations")
    return tol, max_iterations


def soft_value_iteration(transitions, rewards, discount, temperature, tol=1e-10,
                         max_iterations=DEFAULT_MAX_ITERATIONS):
    """Solve the discounted maximum-entropy MDP by iterating the soft Bellman backup.

    Args:
      transitions: ``[S, A, S]`` array of ``p(s' | s, a)``; every row must sum to 1.
      rewards: ``[S, A]`` array of finite rewards ``r(s, a)``.
      discount: ``gamma`` in ``[0, 1)``.
      temperature: ``alpha >= 0``. ``alpha == 0`` is allowed and means the hard maximum: the
        result is then that of :func:`hard_value_iteration`, with the policy uniform over the
        maximising actions (the limit of the Boltzmann policy as ``alpha -> 0``). Tiny positive
        temperatures are handled in the same numerically stable way (log-sum-exp with the
        maximum factored out), so there is no overflow as ``alpha -> 0``.
      tol: stop when the sup-norm change of ``V`` between sweeps is at most ``tol`` (raised to
        a few float64 ulps of ``max |V|`` when ``tol`` is smaller than that). The returned pair
        then has soft Bellman residual ``max |r + gamma P V - Q|`` at most ``gamma * tol``,
        and ``V`` equals the soft maximum of ``Q`` exactly.
      max_iterations: a ``RuntimeError`` is raised if ``tol`` is not reached by then.

    Returns:
      ``(Q, V, policy)`` with shapes ``[S, A]``, ``[S]``, ``[S, A]``:
      ``Q(s, a) = r(s, a) + gamma E_{s'}[V(s')]``,
      ``V(s) = alpha logsumexp(Q(s, .) / alpha)``,
      ``policy(a|s) = exp((Q(s, a) - V(s)) / alpha)``.

    Raises:
      ValueError: on malformed shapes, rows of ``transitions`` that do not sum to 1, non-finite
        rewards, ``discount`` outside ``[0, 1)`` or negative ``temperature``.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    discount = _validation.check_discount(discount)
    temperature = _validation.check_temperature(temperature, allow_zero=True)
    tol, max_iterations = _check_tolerances(tol, max_iterations)
    if temperature == 0.0:
        return hard_value_iteration(transitions, rewards, discount, tol=tol,
                                    max_iterations=max_iterations)

    q_values, values = _iterate(transitions, rewards, discount,
                                lambda q: soft_maximum(q, temperature), tol, max_iterations)
    return q_values, values, boltzmann_policy(q_values, temperature)


def hard_value_iteration(transitions, rewards, discount, tol=1e-10,
                         max_iterations=DEFAULT_MAX_ITERATIONS, tie_tolerance=1e-9):
    """Standard (reward-maximising) value iteration: ``V(s) = max_a Q(s, a)``.

    Args:
      transitions, rewards, discount, tol, max_iterations: as in :func:`soft_value_iteration`.
      tie_tolerance: actions within ``tie_tolerance * max(1, |V(s)|)`` of the best value count
        as tied.

    Returns:
      ``(Q, V, greedy_policy)``; the greedy policy spreads its mass uniformly over tied best
      actions (in most problems there is a single best action and it is one-hot). This is the
      ``temperature -> 0`` limit of the soft policy.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    discount = _validation.check_discount(discount)
    tol, max_iterations = _check_tolerances(tol, max_iterations)
    tie_tolerance = _validation.check_positive_scalar(tie_tolerance, "tie_tolerance")
    q_values, values = _iterate(transitions, rewards, discount,
                                lambda q: np.max(q, axis=-1), tol, max_iterations)
    return q_values, values, greedy_policy(q_values, tie_tolerance)


def finite_horizon_soft_value_iteration(transitions, rewards, horizon, temperature=1.0,
                                        prior_policy=None):
    """Undiscounted finite-horizon max-ent backup with the *true* dynamics (variational).

    The structured variational posterior of Levine (2018, Sec. 3) keeps ``p(s'|s, a)`` fixed and
    optimises only the policy; its optimum is computed by the backward recursion

        Q_t(s, a) = r(s, a) + E_{s' ~ p(.|s, a)}[ V_{t+1}(s') ],   V_T = 0,
        V_t(s)    = alpha log sum_a prior(a|s) exp(Q_t(s, a) / alpha),
        pi_t(a|s) = prior(a|s) exp((Q_t(s, a) - V_t(s)) / alpha).

    It differs from :func:`~softlearning_tf2.inference.messages.backward_messages` (called on
    ``rewards / alpha`` and scaled by ``alpha``) only in using ``E[V]`` instead of the optimistic
    ``alpha log E[exp(V / alpha)]``; for deterministic dynamics the two coincide. The prior
    convention is the same as there (uniform when ``None``, which subtracts ``alpha log|A|``
    from every ``V_t`` relative to the unweighted log-sum-exp and leaves the policy unchanged).

    Args:
      transitions, rewards: the MDP, as in :func:`soft_value_iteration`.
      horizon: number of steps ``T >= 1``.
      temperature: ``alpha > 0``.
      prior_policy: ``[S, A]`` or ``[T, S, A]`` action prior, uniform when ``None``.

    Returns:
      ``(Q, V, policy)`` with shapes ``[T, S, A]``, ``[T, S]``, ``[T, S, A]``.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    horizon = _validation.check_positive_int(horizon, "horizon")
    temperature = _validation.check_temperature(temperature, allow_zero=False)
    num_states, num_actions, _ = transitions.shape
    log_prior = log_action_prior(prior_policy, horizon, num_states, num_actions)

    q_values = np.empty((horizon, num_states, num_actions))
    values = np.empty((horizon, num_states))
    policy = np.empty((horizon, num_states, num_actions))
    next_values = np.zeros(num_states)
    for t in reversed(range(horizon)):
        q_values[t] = rewards + transitions @ next_values
        values[t] = soft_maximum(q_values[t], temperature, log_prior=log_prior[t])
        logits = log_prior[t] + (q_values[t] - values[t][:, None]) / temperature
        policy[t] = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
        policy[t] /= policy[t].sum(axis=-1, keepdims=True)
        next_values = values[t]
    return q_values, values, policy
