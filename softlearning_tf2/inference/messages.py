"""Exact inference by backward messages in the finite-horizon "control as inference" model.

The graphical model of Levine (2018, arXiv:1805.00909, Sec. 2) adds to each time step a binary
optimality variable ``O_t`` with likelihood

    p(O_t = 1 | s_t, a_t) = exp(r(s_t, a_t)),

(rewards are assumed non-positive there so this is a probability; nothing below needs that, the
messages are just unnormalised likelihoods). Conditioning on ``O_{0:T-1} = 1`` and running the
sum-product algorithm backwards in time gives the messages of Levine (2018, Sec. 2.3):

    beta_t(s, a) = p(O_{t:T-1} | s_t = s, a_t = a)
                 = p(O_t | s, a) * E_{s' ~ p(.|s, a)}[ beta_{t+1}(s') ]
    beta_t(s)    = p(O_{t:T-1} | s_t = s)
                 = E_{a ~ prior(.|s)}[ beta_t(s, a) ]

Time indices are 0-based here: t = 0, ..., T-1 with T = ``horizon``. In log space,
``Q_t = log beta_t(s, a)`` and ``V_t = log beta_t(s)`` satisfy

    Q_t(s, a) = r(s, a) + log E_{s'}[ exp(V_{t+1}(s')) ]       (an *optimistic* backup)
    V_t(s)    = log sum_a prior(a|s) exp(Q_t(s, a)),

which is what the code computes, with log-sum-exp throughout so rewards of any magnitude are
safe. Temperature ``alpha`` is not a separate argument: the tempered model
``p(O_t | s, a) = exp(r / alpha)`` is obtained by passing ``rewards / alpha``, after which
``alpha * log beta`` is in reward units.
"""

import numpy as np

from softlearning_tf2.inference import _validation
from softlearning_tf2.inference._numerics import logsumexp, safe_log


def log_action_prior(prior_policy, horizon, num_states, num_actions):
    """Log action prior broadcast to ``[T, S, A]``; ``None`` means uniform."""
    if prior_policy is None:
        return np.full((horizon, num_states, num_actions), -np.log(num_actions))
    prior = _validation.check_policy(prior_policy, num_states, num_actions,
                                     name="prior_policy", allow_time_dimension=True)
    if prior.ndim == 3 and prior.shape[0] != horizon:
        raise ValueError(f"a time-varying prior_policy must have shape [T, S, A] with "
                         f"T = horizon = {horizon}, got shape {prior.shape}.")
    return np.broadcast_to(safe_log(prior), (horizon, num_states, num_actions))


def backward_messages(transitions, rewards, horizon, prior_policy=None):
    """Log backward messages ``log beta_t(s, a)`` and ``log beta_t(s)`` for t = 0..T-1.

    Args:
      transitions: ``[S, A, S]`` array, ``transitions[s, a, s'] = p(s' | s, a)``.
      rewards: ``[S, A]`` array; the optimality likelihood is ``p(O_t | s, a) = exp(r(s, a))``
        at every step (divide by a temperature beforehand for the tempered model).
      horizon: number of time steps T (>= 1), i.e. optimality variables ``O_0 .. O_{T-1}``.
      prior_policy: action prior ``p(a_t | s_t)`` as ``[S, A]`` (time-invariant) or
        ``[T, S, A]``; rows sum to 1. ``None`` means uniform, ``1/|A|``.

    Recursion (Levine 2018, Sec. 2.3), run from t = T-1 down to t = 0:

        beta_t(s, a) = exp(r(s, a)) * E_{s' ~ p(.|s,a)}[ beta_{t+1}(s') ]
        beta_t(s)    = E_{a ~ prior(.|s)}[ beta_t(s, a) ]

    Last-step convention: there is no optimality variable after ``O_{T-1}``, so the message
    past the end is ``beta_T(s) = 1`` for every state and therefore
    ``beta_{T-1}(s, a) = exp(r(s, a))`` (only the immediate reward counts at the last step).
    ``beta_t(s)`` is a prior-weighted *average*, not a sum, over actions: with the uniform prior
    ``log beta_t(s) = logsumexp_a(log beta_t(s, .)) - log|A|``.

    Returns:
      ``(log_beta_sa, log_beta_s)`` of shapes ``[T, S, A]`` and ``[T, S]``; entry ``[t]``
      conditions on ``O_{t:T-1}``. Entries are ``-inf`` only where the prior forbids every
      action.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    horizon = _validation.check_positive_int(horizon, "horizon")
    num_states, num_actions, _ = transitions.shape
    log_prior = log_action_prior(prior_policy, horizon, num_states, num_actions)
    log_transitions = safe_log(transitions)

    log_beta_sa = np.empty((horizon, num_states, num_actions))
    log_beta_s = np.empty((horizon, num_states))
    log_beta_next = np.zeros(num_states)  # beta_T(s) = 1: nothing to be optimal about after T-1.
    for t in reversed(range(horizon)):
        # log E_{s'}[beta_{t+1}(s')] = logsumexp_{s'}(log p(s'|s,a) + log beta_{t+1}(s')).
        log_expected_next = logsumexp(log_transitions + log_beta_next, axis=-1)
        log_beta_sa[t] = rewards + log_expected_next
        log_beta_s[t] = logsumexp(log_beta_sa[t] + log_prior[t], axis=-1)
        log_beta_next = log_beta_s[t]
    return log_beta_sa, log_beta_s


def posterior_policy(log_beta_sa, log_beta_s, prior_policy=None):
    """Exact posterior policy ``p(a_t | s_t, O_{t:T-1}) = prior(a|s) beta_t(s, a) / beta_t(s)``.

    Takes the output of :func:`backward_messages` (and the same ``prior_policy``) and returns
    ``[T, S, A]`` probabilities. Rows whose ``beta_t(s)`` is zero (prior forbids every action)
    cannot occur for a valid prior, since each prior row sums to one.
    """
    log_beta_sa = np.asarray(log_beta_sa, dtype=np.float64)
    log_beta_s = np.asarray(log_beta_s, dtype=np.float64)
    horizon, num_states, num_actions = log_beta_sa.shape
    if log_beta_s.shape != (horizon, num_states):
        raise ValueError(f"log_beta_s must have shape [T, S] = {(horizon, num_states)} to match "
                         f"log_beta_sa, got shape {log_beta_s.shape}.")
    log_prior = log_action_prior(prior_policy, horizon, num_states, num_actions)
    log_policy = log_prior + log_beta_sa - log_beta_s[..., None]
    policy = np.exp(log_policy)
    return policy / policy.sum(axis=-1, keepdims=True)


def posterior_dynamics(transitions, rewards, horizon, prior_policy=None, temperature=1.0):
    """Transition probabilities implied by the exact posterior ``p(tau | O_{0:T-1})``.

    Under the posterior, the next state is no longer drawn from the real dynamics:

        p(s_{t+1} | s_t, a_t, O_{0:T-1}) = p(s_{t+1} | s_t, a_t) beta_{t+1}(s_{t+1})
                                           / E_{s' ~ p(.|s_t, a_t)}[ beta_{t+1}(s') ]

    (Levine 2018, Sec. 2.4). Next states from which optimality is more likely are up-weighted by
    ``beta_{t+1}``, i.e. by ``exp(soft value)``. Conditioning on "the trajectory turned out
    optimal" therefore also conditions on "the dice of the environment rolled in my favour": an
    agent that plans with these dynamics behaves as if it could choose its luck, and its
    ``Q_t = r + log E[exp V_{t+1}]`` backup is risk seeking (a soft maximum over next states
    instead of an expectation). With deterministic dynamics the posterior dynamics coincide
    with the true ones, which is why exact inference equals max-ent RL in that case.

    The variational fix (Levine 2018, Sec. 3 "Variational Inference and Stochastic Dynamics")
    restricts the approximate posterior to
    ``q(tau) = p(s_0) prod_t p(s_{t+1} | s_t, a_t) q(a_t | s_t)``, keeping the real dynamics and
    only letting the policy vary. Maximising the evidence lower bound
    ``log p(O) >= E_q[sum_t r(s_t, a_t) - log q(a_t | s_t)]`` (up to the prior's constant) is
    exactly the maximum-entropy RL objective, whose backup
    ``Q_t = r + E_{s'}[V_{t+1}(s')]`` is the expectation used by soft value iteration.

    Args:
      transitions, rewards, horizon, prior_policy: as in :func:`backward_messages`.
      temperature: ``alpha > 0`` of the tempered likelihood ``exp(r / alpha)``. Small
        temperatures make the posterior more optimistic; large ones bring it back towards the
        true dynamics.

    Returns:
      ``[T-1, S, A, S]`` array; entry ``[t, s, a, s']`` is
      ``p(s_{t+1} = s' | s_t = s, a_t = a, O_{0:T-1})`` for t = 0..T-2. (The move out of the last
      step is not included: with the ``beta_T = 1`` convention it equals the true dynamics.)
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    temperature = _validation.check_positive_scalar(temperature, "temperature")
    _, log_beta_s = backward_messages(transitions, rewards / temperature, horizon, prior_policy)
    # Past observations O_{0:t} are independent of s_{t+1} given (s_t, a_t), so only the future
    # messages beta_{t+1} reweight the dynamics.
    log_weights = safe_log(transitions)[None] + log_beta_s[1:, None, None, :]
    log_normaliser = logsumexp(log_weights, axis=-1)
    return np.exp(log_weights - log_normaliser[..., None])
