"""Soft Actor-Critic for discrete actions.

Christodoulou 2019, "Soft Actor-Critic for Discrete Action Settings", arXiv:1910.07207; its
equation numbers below. With a finite action set the policy outputs every action's probability,
so each expectation over actions that continuous SAC estimates with a sampled action is
computed exactly here, as a probability-weighted sum (no sampled actions in any loss and no
reparameterization). One call of ``_update`` is one iteration of Algorithm 1's gradient loop:
the soft Q functions, then the policy, then the temperature, then the target networks.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.action_spaces import (
    DEFAULT_TARGET_ENTROPY_RATIO, discrete_target_entropy)
from softlearning_tf2.algorithms.common import discrete_Q_values
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm
from softlearning_tf2.utils.validation import check_hyperparameters

def expected_soft_values(probabilities, log_probabilities, Q_values, alpha):
    """V(s) = sum_a pi(a|s) (Q(s, a) - alpha log pi(a|s)) (Eq. 10), [batch]."""
    return tf.reduce_sum(probabilities * (Q_values - alpha * log_probabilities), axis=-1)


class DiscreteSAC(SoftQAlgorithm):
    """SAC on a Discrete action space: categorical policy, twin Q networks with one output per
    action, Polyak targets, learned temperature.

    Losses (averaged over the batch):

    * Soft Q target (Eqs. 2-3 with the soft value of Eq. 10 and clipped double-Q):
      y = reward_scale * r + discount * (1 - terminal)
          * sum_a' pi(a'|s') (min_j Qbar_j(s', a') - alpha log pi(a'|s')).
    * Soft Q loss (Eq. 2): 0.5 * (Q_i(s, a) - y)^2 for the stored action a.
    * Policy loss (Eq. 12): J_pi = sum_a pi(a|s) (alpha log pi(a|s) - min_j Q_j(s, a)), with the
      Q functions just updated and held constant; the minimum over the twins, as in SAC.
    * Temperature loss (Eq. 11): J(alpha) = -log alpha * (sum_a pi(a|s) log pi(a|s) + Hbar),
      with pi constant, in log alpha as in continuous SAC. Hbar is ``target_entropy``:
      'auto' is ``target_entropy_ratio * log|A|`` (see
      ``action_spaces.DEFAULT_TARGET_ENTROPY_RATIO`` on the default and why).

    No noise is drawn in an update: every expectation is exact.
    """

    discrete_actions = True
    Q_values_at = staticmethod(discrete_Q_values)

    def __init__(self, *, alpha_lr=3e-4, target_entropy="auto",
                 target_entropy_ratio=DEFAULT_TARGET_ENTROPY_RATIO, initial_alpha=1.0,
                 fixed_alpha=None, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(target_entropy_ratio=target_entropy_ratio)
        num_actions = self._training_environment.action_size
        self._temperature = self._add_temperature(
            initial_alpha=initial_alpha, fixed_alpha=fixed_alpha, learning_rate=alpha_lr,
            target_entropy=discrete_target_entropy(target_entropy, target_entropy_ratio,
                                                   num_actions))
        self._Q_targets = self._add_Q_targets()

    @property
    def alpha(self):
        return float(self._temperature())

    @property
    def target_entropy(self):
        return self._temperature.target_entropy

    @property
    def Q_targets(self):
        return self._Q_targets

    @staticmethod
    def _min_Q_values(Qs, observations):
        """min_j Q_j(s, .), [batch, |A|]."""
        return tf.reduce_min([Q(observations) for Q in Qs], axis=0)

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _soft_Q_target(self, batch, alpha):
        """y(r, s', d) with the exact expectation over a' (Eqs. 3 and 10)."""
        next_observations = batch["next_observations"]
        probabilities, log_probabilities = (
            self._policy.probabilities_and_log_probabilities(next_observations))
        next_Q_values = self._min_Q_values(self._Q_targets, next_observations)
        return self._bellman_target(batch, expected_soft_values(
            probabilities, log_probabilities, next_Q_values, alpha))

    def _update_policy(self, observations, alpha):
        """One Adam step on J_pi (Eq. 12); returns the loss and sum_a pi log pi per state."""
        Q_values = tf.stop_gradient(self._min_Q_values(self._Qs, observations))
        variables = self._policy.trainable_variables
        with tf.GradientTape() as tape:
            probabilities, log_probabilities = (
                self._policy.probabilities_and_log_probabilities(observations))
            policy_loss = tf.reduce_mean(tf.reduce_sum(
                probabilities * (alpha * log_probabilities - Q_values), axis=-1))
        self._policy_optimizer.apply_gradients(
            zip(tape.gradient(policy_loss, variables), variables))
        expected_log_probs = tf.reduce_sum(probabilities * log_probabilities, axis=-1)
        return policy_loss, expected_log_probs

    def _update_step(self, batch):
        alpha = self._temperature()  # the same alpha throughout one iteration
        soft_Q_target = self._soft_Q_target(batch, alpha)
        Q_values, Q_losses, _ = self._update_Qs(batch, soft_Q_target)               # Eq. 2
        policy_loss, expected_log_probs = self._update_policy(                   # Eq. 12
            batch["observations"], alpha)
        alpha_loss = self._temperature.update(expected_log_probs)                # Eq. 11
        self._update_targets()

        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                "policy_loss": policy_loss, "alpha": alpha, "alpha_loss": alpha_loss,
                "entropy": -tf.reduce_mean(expected_log_probs)}
