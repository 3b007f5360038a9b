"""Soft Q-learning on a finite action set: the soft Bellman backup with an exact soft value.

Haarnoja, Tang, Abbeel, Levine 2017, "Reinforcement Learning with Deep Energy-Based Policies",
arXiv:1702.08165; its equation numbers below. With a finite action set the integral of Eq. 10
is a sum: V(s) = log sum_a exp Q(s, a) (temperature 1; ``reward_scale`` sets the balance
between reward and entropy). No importance sampling and no sampler network are needed: the
policy is the Boltzmann policy of Q itself (Eq. 6), ``BoltzmannPolicy``.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import discrete_Q_values
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm


def soft_maximum(Q_values):
    """V(s) = log sum_a exp Q(s, a) (Eq. 10 with a finite action set), [batch]."""
    return tf.reduce_logsumexp(Q_values, axis=-1)


class DiscreteSQL(SoftQAlgorithm):
    """Soft Q-learning on a Discrete action space.

    * Soft value (Eq. 10), exact: Vbar(s') = log sum_a' exp(min_i Qbar_i(s', a')) with the
      target network(s).
    * Soft Q loss (Eq. 11): 0.5 * (Q(s, a) - (reward_scale * r + discount * (1 - terminal)
      * Vbar(s')))^2 for the stored action a.
    * Policy (Eq. 6): pi(a|s) = exp(Q(s, a) - V(s)), the ``BoltzmannPolicy`` of the same Q
      network(s); it has nothing to train.
    * Targets: Polyak averaging with ``tau`` every ``target_update_interval`` updates.

    No noise is drawn in an update.
    """

    discrete_actions = True
    trains_policy = False
    Q_values_at = staticmethod(discrete_Q_values)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if tuple(getattr(self._policy, "Q_functions", ())) != self._Qs:
            raise ValueError("DiscreteSQL acts with the Boltzmann policy of its own Q "
                             "functions: policy_params.class_name must be BoltzmannPolicy")
        self._Q_targets = self._add_Q_targets()

    @property
    def Q_targets(self):
        return self._Q_targets

    def _soft_Q_target(self, batch):
        """reward_scale * r + discount * (1 - terminal) * Vbar(s') (Eqs. 10-11)."""
        next_observations = batch["next_observations"]
        next_Q_values = tf.reduce_min([Q(next_observations) for Q in self._Q_targets], axis=0)
        return self._bellman_target(batch, soft_maximum(next_Q_values))

    def _update_step(self, batch):
        soft_Q_target = self._soft_Q_target(batch)                             # Eq. 10
        Q_values, Q_losses, _ = self._update_Qs(batch, soft_Q_target)             # Eq. 11
        self._update_targets()

        probabilities, log_probabilities = (
            self._policy.probabilities_and_log_probabilities(batch["observations"]))
        entropy = -tf.reduce_sum(probabilities * log_probabilities, axis=-1)
        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                "entropy": tf.reduce_mean(entropy)}
