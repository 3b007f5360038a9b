"""Maximum-entropy policy gradient for a tabular softmax policy.

The policy is ``pi_theta(a|s) = softmax(theta[s, :])_a`` with logits ``theta`` of shape
``[S, A]``, trained by gradient ascent on the entropy-augmented objective

    J(theta) = E_{s_0 ~ mu}[ V^pi(s_0) ],
    V^pi(s)  = E_{a ~ pi}[ r(s, a) - alpha log pi(a|s) + gamma E_{s'}[V^pi(s')] ].

The log-derivative (likelihood-ratio) form of its gradient (Levine 2018, arXiv:1805.00909,
Sec. 4 "Maximum Entropy Policy Gradients", here with discounting) is

    grad J = E_tau[ sum_t gamma^t grad log pi(a_t|s_t)
                    ( sum_{k>=t} gamma^{k-t} (r_k - alpha log pi(a_k|s_k)) - b(s_t) ) ],

where the extra ``-alpha`` from differentiating ``log pi`` inside the entropy has zero mean
(``E_pi[grad log pi] = 0``) and is dropped, like any state-only baseline ``b``. Taking the
expectation exactly, with ``rho(s) = sum_t gamma^t Pr(s_t = s)`` and the soft ``Q^pi`` of
:func:`~softlearning_tf2.inference.policy_evaluation.policy_evaluation`,

    grad J = sum_s rho(s) sum_a pi(a|s) grad log pi(a|s) [Q^pi(s,a) - alpha log pi(a|s) - V^pi(s)],

and for softmax logits ``d log pi(a|s) / d theta[s, b] = 1[a = b] - pi(b|s)``, which gives

    dJ / d theta[s, b] = rho(s) pi(b|s) [Q^pi(s, b) - alpha log pi(b|s) - V^pi(s)].

The gradient vanishes exactly when ``pi(.|s)`` is proportional to ``exp(Q^pi(s, .) / alpha)`` in
every visited state, i.e. at the soft value iteration policy, so with an initial state
distribution of full support both variants converge to that policy.
"""

import math

import numpy as np

from softlearning_tf2.inference import _validation
from softlearning_tf2.inference._numerics import logsumexp, sample_categorical
from softlearning_tf2.inference.policy_evaluation import (
    discounted_state_visitation, policy_evaluation)


def softmax_policy(logits):
    """Row-wise softmax of ``[S, A]`` logits."""
    return np.exp(log_softmax(logits))


def log_softmax(logits):
    return logits - logsumexp(logits, axis=-1)[..., None]


def exact_maxent_policy_gradient(transitions, rewards, discount, temperature, logits,
                                 initial_state_distribution=None):
    """Exact ``dJ/dtheta`` (``[S, A]``) of the entropy-augmented objective at ``logits``."""
    log_policy = log_softmax(logits)
    policy = np.exp(log_policy)
    q_values, values = policy_evaluation(transitions, rewards, discount, policy, temperature)
    occupancy = discounted_state_visitation(transitions, policy, discount,
                                            initial_state_distribution, normalize=False)
    advantages = q_values - temperature * log_policy - values[:, None]
    return occupancy[:, None] * policy * advantages


def _default_trajectory_length(discount, relative_truncation=1e-4):
    # Truncate where the remaining discount weight gamma^H drops below relative_truncation.
    if discount == 0.0:
        return 1
    return max(1, int(math.ceil(math.log(relative_truncation) / math.log(discount))))


class _SampledGradientEstimator:
    """REINFORCE estimate of the max-ent gradient from truncated trajectories.

    Uses discounted reward-to-go with the entropy bonus ``-alpha log pi(a_k|s_k)`` added to every
    reward, the ``gamma^t`` weight of the discounted objective, and a tabular state baseline
    (an exponential moving average of observed returns, updated *after* each gradient estimate
    so the estimate stays unbiased).
    """

    def __init__(self, transitions, rewards, discount, temperature, initial_state_distribution,
                 num_samples, trajectory_length, baseline_rate, rng):
        self.transitions = transitions
        self.rewards = rewards
        self.discount = discount
        self.temperature = temperature
        self.initial = initial_state_distribution
        self.num_samples = num_samples
        self.length = trajectory_length
        self.baseline_rate = baseline_rate
        self.rng = rng
        self.baseline = np.zeros(transitions.shape[0])
        self.baseline_seen = np.zeros(transitions.shape[0], dtype=bool)

    def rollout(self, log_policy):
        policy = np.exp(log_policy)
        batch, length = self.num_samples, self.length
        states = np.empty((length, batch), dtype=np.int64)
        actions = np.empty((length, batch), dtype=np.int64)
        soft_rewards = np.empty((length, batch))
        state = sample_categorical(np.broadcast_to(self.initial, (batch, self.initial.size)),
                                   self.rng)
        for t in range(length):
            action = sample_categorical(policy[state], self.rng)
            states[t], actions[t] = state, action
            soft_rewards[t] = (self.rewards[state, action]
                               - self.temperature * log_policy[state, action])
            state = sample_categorical(self.transitions[state, action], self.rng)
        returns = np.empty_like(soft_rewards)
        running = np.zeros(batch)
        for t in reversed(range(length)):
            running = soft_rewards[t] + self.discount * running
            returns[t] = running
        return states, actions, returns

    def __call__(self, logits):
        log_policy = log_softmax(logits)
        policy = np.exp(log_policy)
        states, actions, returns = self.rollout(log_policy)
        weights = (self.discount ** np.arange(self.length))[:, None]
        scaled = weights * (returns - self.baseline[states]) / self.num_samples
        gradient = np.zeros_like(logits)
        # grad of log pi(a|s) w.r.t. theta[s, :] is onehot(a) - pi(.|s).
        np.add.at(gradient, (states, actions), scaled)
        flat_states = states.ravel()
        per_state = np.bincount(flat_states, weights=scaled.ravel(), minlength=logits.shape[0])
        gradient -= per_state[:, None] * policy
        self._update_baseline(flat_states, returns.ravel())
        return gradient

    def _update_baseline(self, states, returns):
        counts = np.bincount(states, minlength=self.baseline.size)
        sums = np.bincount(states, weights=returns, minlength=self.baseline.size)
        visited = counts > 0
        means = np.where(visited, sums / np.maximum(counts, 1), 0.0)
        fresh = visited & ~self.baseline_seen
        self.baseline[fresh] = means[fresh]
        old = visited & self.baseline_seen
        self.baseline[old] += self.baseline_rate * (means[old] - self.baseline[old])
        self.baseline_seen |= visited


def maxent_policy_gradient(transitions, rewards, discount, temperature,
                           initial_state_distribution=None, learning_rate=1.0,
                           num_iterations=2000, exact=True, num_samples=32, seed=0,
                           trajectory_length=None, initial_logits=None, baseline_rate=0.1,
                           learning_rate_decay=0.0, return_history=False, history_every=10):
    """Train a tabular softmax policy with the likelihood-ratio max-ent policy gradient.

    Args:
      transitions: ``[S, A, S]`` dynamics ``p(s'|s, a)``.
      rewards: ``[S, A]`` rewards.
      discount: ``gamma`` in ``[0, 1)``.
      temperature: ``alpha > 0`` (entropy weight; the softmax optimum is undefined at 0).
      initial_state_distribution: ``[S]`` start distribution ``mu``; ``None`` is uniform. States
        it never leads to receive no gradient, so use full support to match soft VI everywhere.
      learning_rate: step size ``eta`` of plain gradient ascent ``theta += eta_k * grad``.
      num_iterations: number of gradient steps.
      exact: ``True`` uses the exact gradient (exact discounted occupancy and soft ``Q^pi`` by
        linear solves); ``False`` estimates it from ``num_samples`` sampled trajectories per
        step (REINFORCE with reward-to-go and a tabular baseline).
      num_samples: trajectories per gradient estimate when ``exact=False``.
      seed: seed of the ``numpy.random.Generator`` used for sampling.
      trajectory_length: truncation length of sampled trajectories; by default the smallest
        ``H`` with ``gamma^H <= 1e-4``.
      initial_logits: ``[S, A]`` starting logits; zeros (the uniform policy) by default.
      baseline_rate: moving-average rate of the sampled variant's state baseline.
      learning_rate_decay: step size ``eta_k = learning_rate / (1 + learning_rate_decay * k)``;
        a positive decay damps the sampling noise of ``exact=False`` late in training.
      return_history: also return a dict with the exact objective ``J`` every
        ``history_every`` iterations (``"iteration"``, ``"objective"``).

    Returns:
      ``policy`` (``[S, A]``), or ``(policy, history)`` when ``return_history`` is true.
    """
    transitions, rewards = _validation.check_mdp(transitions, rewards)
    num_states, num_actions, _ = transitions.shape
    discount = _validation.check_discount(discount)
    temperature = _validation.check_temperature(temperature, allow_zero=False)
    initial = _validation.check_state_distribution(initial_state_distribution, num_states)
    learning_rate = _validation.check_positive_scalar(learning_rate, "learning_rate")
    num_iterations = _validation.check_positive_int(num_iterations, "num_iterations", minimum=0)
    num_samples = _validation.check_positive_int(num_samples, "num_samples")
    history_every = _validation.check_positive_int(history_every, "history_every")
    baseline_rate = _validation.check_probability(baseline_rate, "baseline_rate")
    learning_rate_decay = _validation.check_nonnegative_scalar(learning_rate_decay,
                                                              "learning_rate_decay")
    if trajectory_length is None:
        trajectory_length = _default_trajectory_length(discount)
    trajectory_length = _validation.check_positive_int(trajectory_length, "trajectory_length")
    if initial_logits is None:
        logits = np.zeros((num_states, num_actions))
    else:
        logits = _validation.as_float_array(initial_logits, "initial_logits").copy()
        if logits.shape != (num_states, num_actions) or not np.all(np.isfinite(logits)):
            raise ValueError(f"initial_logits must be a finite [S, A] = "
                             f"{(num_states, num_actions)} array, got shape {logits.shape}.")

    if exact:
        def gradient_fn(current_logits):
            return exact_maxent_policy_gradient(transitions, rewards, discount, temperature,
                                                current_logits, initial)
    else:
        gradient_fn = _SampledGradientEstimator(
            transitions, rewards, discount, temperature, initial, num_samples,
            trajectory_length, baseline_rate, np.random.default_rng(seed))

    history = {"iteration": [], "objective": []}

    def record(iteration):
        _, values = policy_evaluation(transitions, rewards, discount, softmax_policy(logits),
                                      temperature)
        history["iteration"].append(iteration)
        history["objective"].append(float(initial @ values))

    for iteration in range(num_iterations):
        if return_history and iteration % history_every == 0:
            record(iteration)
        step = learning_rate / (1.0 + learning_rate_decay * iteration)
        logits = logits + step * gradient_fn(logits)
        # Softmax is invariant to a per-state shift; centring keeps the logits bounded.
        logits -= logits.mean(axis=-1, keepdims=True)

    policy = softmax_policy(logits)
    if not return_history:
        return policy
    record(num_iterations)
    return policy, {key: np.asarray(value) for key, value in history.items()}
