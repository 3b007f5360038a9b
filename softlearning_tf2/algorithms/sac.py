"""Soft Actor-Critic with twin soft Q functions and automatic temperature.

Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications", arXiv:1812.05905.
Equation numbers below refer to that paper. One call of ``_update`` is one iteration of the
inner gradient loop of its Algorithm 1, in the same order: the soft Q functions, then the
policy, then the temperature, then the target networks.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import min_Q, reparameterized_policy_step
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm


class SAC(SoftQAlgorithm):
    """SAC with clipped double-Q, Polyak-averaged targets and a learned temperature.

    Losses (all averaged over the batch):

    * Soft Q target (Eq. 3 with the soft value of Eq. 3's V(s') and clipped double-Q):
      y = reward_scale * r + discount * (1 - terminal) * (min_j Qbar_j(s', a') - alpha log pi(a'|s')),
      a' ~ pi(.|s'); Qbar are the target networks. ``terminal`` is gymnasium's ``terminated``:
      a time-limit truncation bootstraps.
    * Soft Q loss (Eq. 5): J_Q(theta_i) = 0.5 * (Q_i(s, a) - y)^2, for each Q.
    * Policy loss (Eq. 7, reparameterized as in Eq. 8):
      J_pi = alpha * log pi(a~|s) - min_j Q_j(s, a~), a~ = tanh(shift(s) + scale(s) * eps).
      The policy loss uses the minimum of the two Q functions, the same pessimistic estimate
      that forms the critic target: taking one Q would let the policy exploit that Q's
      over-estimation errors, which the twin critics exist to suppress (Sec. 5). The Q
      functions are those just updated in this iteration, as in Algorithm 1.
    * Temperature loss (Eq. 18), in ``Temperature``. The policy gradient treats alpha as a
      constant and the temperature gradient treats log pi as a constant.

    Noise draws per update, in order: the policy's noise for a' (next observations), then for
    a~ (observations). Each of the policy, every Q and the temperature has its own Adam.

    Args:
      target_entropy: 'auto' (= -|A|) or a number.
      fixed_alpha: if a number, the temperature stays at this value and is not learned
        (``target_entropy`` is then unused). If None, alpha is learned from ``initial_alpha``.
      target_update_interval: update the target networks every this many updates.
    """

    def __init__(self, *, alpha_lr=3e-4, target_entropy="auto", initial_alpha=1.0,
                 fixed_alpha=None, **kwargs):
        super().__init__(**kwargs)
        self._temperature = self._add_temperature(
            initial_alpha=initial_alpha, fixed_alpha=fixed_alpha, target_entropy=target_entropy,
            learning_rate=alpha_lr)
        self._Q_targets = self._add_Q_targets()

    @property
    def alpha(self):
        return float(self._temperature())

    @property
    def Q_targets(self):
        return self._Q_targets

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _soft_Q_target(self, batch, alpha):
        """y(r, s', d) of Eq. 3 with clipped double-Q target networks."""
        next_observations = batch["next_observations"]
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        next_soft_values = (min_Q(self._Q_targets, next_observations, next_actions)
                            - alpha * next_log_probs)
        return self._bellman_target(batch, next_soft_values)

    def _update_step(self, batch):
        alpha = self._temperature()  # the same alpha throughout one iteration
        soft_Q_target = self._soft_Q_target(batch, alpha)
        Q_values, Q_losses = self._update_Qs(batch, soft_Q_target)              # Eq. 5
        policy_loss, log_probs = reparameterized_policy_step(                   # Eqs. 7-8
            self._policy, self._Qs, self._policy_optimizer, batch["observations"], alpha)
        alpha_loss = self._temperature.update(log_probs)                        # Eq. 18
        self._update_targets()

        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                "policy_loss": policy_loss, "alpha": alpha, "alpha_loss": alpha_loss,
                "entropy": -tf.reduce_mean(log_probs)}
