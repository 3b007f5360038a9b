"""Exact evaluation of a fixed stochastic policy on the entropy-augmented objective.

For a policy ``pi`` and temperature ``alpha`` the soft value functions are

    V^pi(s)    = sum_a pi(a|s) [ Q^pi(s, a) - alpha log pi(a|s) ]
    Q^pi(s, a) = r(s, a) + gamma E_{s' ~ p(.|s, a)}[ V^pi(s') ]

(the discounted form of the objective in Levine 2018, arXiv:1805.00909, Sec. 3). ``Q^pi``
excludes the entropy of the action it is conditioned on; that term enters through ``V^pi``. The
equations are linear in ``V^pi``:

    (I - gamma P_pi) V^pi = r_pi + alpha H_pi,

with ``P_pi[s, s'] = sum_a pi(a|s) p(s'|s, a)``, ``r_pi(s) = sum_a pi(a|s) r(s, a)`` and
``H_pi(s)`` the entropy of ``pi(.|s)``; ``I - gamma P_pi`` is invertible for ``gamma < 1``.
"""

import numpy as np

from softlearning_tf2.inference import _validation
from softlearning_tf2.inference._numerics import entropy


def _policy_transition_matrix(transitions, policy):
    return np.einsum("sa,sat->st", policy, transitions)


def policy_evaluation(transitions, rewards, discount, policy, temperature=0.0):
    """Exact soft values ``(Q_pi, V_pi)`` of ``policy`` by a linear solve.

    Args:
      transitions: ``[S, A, S]`` array of ``p(s' | s, a)``.
      rewards: ``[S, A]`` rewards.
      discount: ``gamma`` in ``[0, 1)``.
      policy: ``[S, A]`` array, rows are distributions ``pi(.|s)``; zero entries are fine
        (``0 log 0 = 0``).
      temperature: ``alpha >= 0`` weighting the entropy bonus; 0 gives ordinary values.

    Returns:
      ``(Q_pi, V_pi)`` of shapes ``[S, A]`` and ``[S]``, with
      ``V_pi(s) = sum_a pi(a|s) [r(s,a) - alpha log pi(a|s) + gamma E[V_pi(s')]]``.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    num_states, num_actions, _ = transitions.shape
    discount = _validation.check_discount(discount)
    temperature = _validation.check_temperature(temperature, allow_zero=True)
    policy = _validation.check_policy(policy, num_states, num_actions)

    policy_rewards = np.sum(policy * rewards, axis=-1)
    if temperature > 0.0:
        policy_rewards = policy_rewards + temperature * entropy(policy)
    system = np.eye(num_states) - discount * _policy_transition_matrix(transitions, policy)
    values = np.linalg.solve(system, policy_rewards)
    q_values = rewards + discount * (transitions @ values)
    return q_values, values


def discounted_state_visitation(transitions, policy, discount, initial_state_distribution=None,
                                normalize=True):
    """Discounted state occupancy ``rho(s) = sum_t gamma^t Pr(s_t = s)`` under ``policy``.

    Solves ``rho^T (I - gamma P_pi) = mu^T`` with ``mu`` the initial state distribution
    (uniform when ``None``). With ``normalize=True`` the result is multiplied by
    ``1 - gamma`` so it sums to one (the discounted state distribution ``d^pi``).
    """
    transitions = _validation.check_transitions(transitions)
    num_states, num_actions, _ = transitions.shape
    policy = _validation.check_policy(policy, num_states, num_actions)
    discount = _validation.check_discount(discount)
    initial = _validation.check_state_distribution(initial_state_distribution, num_states)
    system = np.eye(num_states) - discount * _policy_transition_matrix(transitions, policy)
    occupancy = np.linalg.solve(system.T, initial)
    return (1.0 - discount) * occupancy if normalize else occupancy


def entropy_augmented_return(transitions, rewards, discount, policy, temperature,
                             initial_state_distribution=None):
    """``J(pi) = E_{s_0 ~ mu}[V^pi(s_0)]``, the scalar max-ent objective (uniform ``mu``)."""
    transitions = _validation.check_transitions(transitions)
    initial = _validation.check_state_distribution(initial_state_distribution,
                                                   transitions.shape[0])
    _, values = policy_evaluation(transitions, rewards, discount, policy, temperature)
    return float(initial @ values)
