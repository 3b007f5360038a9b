"""Tabular soft Q-learning from sampled transitions.

Stochastic approximation of the soft Bellman optimality equation (Levine 2018,
arXiv:1805.00909, Sec. 4 "Soft Q-Learning"; Haarnoja et al. 2017): after observing a
transition ``(s, a, r, s')`` with ``s' ~ p(.|s, a)``,

    Q(s, a) <- Q(s, a) + eta * ( r(s, a) + gamma * V_soft(s') - Q(s, a) ),
    V_soft(s') = alpha * logsumexp(Q(s', .) / alpha).

The target is an unbiased sample of the soft backup ``r + gamma E_{s'}[V_soft(s')]`` (the soft
maximum is inside the expectation over ``s'``, so sampling ``s'`` adds no bias), and with step
sizes ``eta_n(s, a) = eta_0 / n(s, a)^omega`` (``1/2 < omega <= 1``, ``n`` the visit count) the
iterates converge to the soft value iteration fixed point whenever every pair keeps being
visited. The returned ``policy`` is the Boltzmann policy ``exp((Q - V) / alpha)``.
"""

import numpy as np

from softlearning_tf2.inference import _validation
from softlearning_tf2.inference._numerics import (
    boltzmann_policy, sample_categorical, soft_maximum)

SAMPLING_MODES = ("uniform", "behavior")


def tabular_soft_q_learning(transitions, rewards, discount, temperature, num_steps=5000,
                            learning_rate=1.0, seed=0, sampling="uniform",
                            learning_rate_exponent=0.7, behavior_policy=None,
                            reset_probability=0.05, initial_state_distribution=None,
                            initial_q_values=None):
    """Learn the soft optimal ``Q`` from sampled next states.

    Args:
      transitions: ``[S, A, S]`` dynamics, used only as a simulator (to sample ``s'``).
      rewards: ``[S, A]`` rewards ``r(s, a)`` returned with each sampled transition.
      discount: ``gamma`` in ``[0, 1)``.
      temperature: ``alpha > 0``.
      num_steps: number of update steps (see ``sampling`` for what one step is).
      learning_rate: ``eta_0`` of the per-pair step size ``eta_0 / n(s, a)^omega``.
      seed: seed of the ``numpy.random.Generator`` that draws all samples.
      sampling: how ``(s, a)`` pairs are visited.

        * ``"uniform"`` - every step updates *every* pair once with its own independently
          sampled ``s'`` (synchronous Q-learning with a generative model; uniform visitation).
        * ``"behavior"`` - one transition per step along a single trajectory. Actions follow
          ``behavior_policy`` (an ``[S, A]`` array) or, when it is ``None``, the current
          Boltzmann policy of ``Q``; with probability ``reset_probability`` the trajectory
          restarts from ``initial_state_distribution`` (uniform when ``None``).
      learning_rate_exponent: ``omega``; 0 keeps the step size constant (iterates then
        fluctuate around the fixed point instead of converging).
      behavior_policy, reset_probability, initial_state_distribution: see ``sampling``.
      initial_q_values: ``[S, A]`` starting ``Q``; zeros by default.

    Returns:
      ``(Q, V, policy)`` like :func:`~softlearning_tf2.inference.soft_value_iteration`.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    num_states, num_actions, _ = transitions.shape
    discount = _validation.check_discount(discount)
    temperature = _validation.check_temperature(temperature, allow_zero=False)
    num_steps = _validation.check_positive_int(num_steps, "num_steps", minimum=0)
    learning_rate = _validation.check_positive_scalar(learning_rate, "learning_rate")
    if learning_rate > 1.0:
        raise ValueError(f"learning_rate must be <= 1 (a larger first step overshoots the "
                         f"target), got {learning_rate}.")
    exponent = _validation.check_probability(learning_rate_exponent, "learning_rate_exponent")
    if sampling not in SAMPLING_MODES:
        raise ValueError(f"sampling must be one of {SAMPLING_MODES}, got {sampling!r}.")
    if initial_q_values is None:
        q_values = np.zeros((num_states, num_actions))
    else:
        q_values = _validation.check_rewards(initial_q_values, num_states, num_actions,
                                             name="initial_q_values").copy()
    rng = np.random.default_rng(seed)
    visits = np.zeros((num_states, num_actions))

    if sampling == "uniform":
        flat_transitions = transitions.reshape(num_states * num_actions, num_states)
        for _ in range(num_steps):
            next_states = sample_categorical(flat_transitions, rng).reshape(num_states,
                                                                            num_actions)
            values = soft_maximum(q_values, temperature)
            targets = rewards + discount * values[next_states]
            visits += 1.0
            q_values += learning_rate / visits ** exponent * (targets - q_values)
    else:
        if behavior_policy is not None:
            behavior_policy = _validation.check_policy(behavior_policy, num_states, num_actions,
                                                       name="behavior_policy")
        reset_probability = _validation.check_probability(reset_probability,
                                                          "reset_probability")
        initial = _validation.check_state_distribution(initial_state_distribution, num_states)
        state = int(sample_categorical(initial, rng))
        for _ in range(num_steps):
            if behavior_policy is None:
                action_probabilities = boltzmann_policy(q_values[state], temperature)
            else:
                action_probabilities = behavior_policy[state]
            action = int(sample_categorical(action_probabilities, rng))
            next_state = int(sample_categorical(transitions[state, action], rng))
            target = (rewards[state, action]
                      + discount * soft_maximum(q_values[next_state], temperature))
            visits[state, action] += 1.0
            step = learning_rate / visits[state, action] ** exponent
            q_values[state, action] += step * (target - q_values[state, action])
            if rng.random() < reset_probability:
                state = int(sample_categorical(initial, rng))
            else:
                state = next_state

    values = soft_maximum(q_values, temperature)
    return q_values, values, boltzmann_policy(q_values, temperature)
