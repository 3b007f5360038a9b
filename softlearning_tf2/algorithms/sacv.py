"""Soft Actor-Critic with a soft state-value network, as first published.

Haarnoja, Zhou, Abbeel, Levine 2018, arXiv:1801.01290. Equation numbers below refer to that
paper. One call of ``_update`` is one gradient step of its Algorithm 1, in the same order: the
soft V function, the soft Q functions, the policy (then the temperature, when it is learned),
then the target V network.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import min_Q, reparameterized_policy_step
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm
from softlearning_tf2.utils.validation import check_hyperparameters


class SACV(SoftQAlgorithm):
    """SAC with V(s), a Polyak-averaged target V, two soft Q functions and a squashed Gaussian.

    Losses (all averaged over the batch):

    * Soft V loss (Eq. 5): J_V(psi) = 0.5 * (V(s) - (min_i Q_i(s, a~) - alpha log pi(a~|s)))^2
      with a~ ~ pi(.|s) drawn fresh and the target held constant. Using the minimum of the two
      Q functions follows Sec. 4.2 (two Qs against positive bias).
    * Soft Q loss (Eqs. 7-8): J_Q(theta_i) = 0.5 * (Q_i(s, a) - Qhat)^2 with
      Qhat = reward_scale * r + discount * (1 - terminal) * Vbar(s'); Vbar is the target V.
      The Q functions have no targets of their own.
    * Policy loss (Eq. 12, reparameterized): J_pi = alpha log pi(a~|s) - min_i Q_i(s, a~),
      with the Q functions of this step.

    The paper keeps the temperature at 1 and lets ``reward_scale`` set the balance between
    reward and entropy (per-task scales in softlearning_tf2/experiments/variants.py): that is
    ``fixed_alpha=1.0``, the default here. ``fixed_alpha=None`` learns alpha as SAC does.

    Noise draws per update, in order: a~ for the V target, then a~ for the policy loss.
    """

    def __init__(self, *, V, V_lr=3e-4, alpha_lr=3e-4, target_entropy="auto",
                 initial_alpha=1.0, fixed_alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(V_lr=V_lr)
        self._temperature = self._add_temperature(
            initial_alpha=initial_alpha, fixed_alpha=fixed_alpha, target_entropy=target_entropy,
            learning_rate=alpha_lr)
        self._V = self._track_model("V", V)
        self._V_optimizer = self._add_optimizer("V", V.trainable_variables, V_lr)
        self._V_target = self._add_target("V_target", V)

    @property
    def alpha(self):
        return float(self._temperature())

    @property
    def V(self):
        return self._V

    @property
    def V_target(self):
        return self._V_target

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _update_V(self, observations, alpha):
        """One Adam step on J_V(psi) (Eq. 5)."""
        actions, log_probs = self._policy.actions_and_log_probs(observations)
        V_target = tf.stop_gradient(min_Q(self._Qs, observations, actions)
                                    - alpha * log_probs)
        with tf.GradientTape() as tape:
            V_values = self._V(observations)[:, 0]
            V_loss = 0.5 * tf.reduce_mean(tf.square(V_values - V_target))
        variables = self._V.trainable_variables
        self._V_optimizer.apply_gradients(zip(tape.gradient(V_loss, variables), variables))
        return V_values, V_loss

    def _soft_Q_target(self, batch):
        """Qhat(s, a) of Eq. 8, bootstrapping from the target V network."""
        return self._bellman_target(batch, self._V_target(batch["next_observations"])[:, 0])

    def _update_step(self, batch):
        alpha = self._temperature()
        V_values, V_loss = self._update_V(batch["observations"], alpha)         # Eq. 5
        soft_Q_target = self._soft_Q_target(batch)                              # Eq. 8
        Q_values, Q_losses, _ = self._update_Qs(batch, soft_Q_target)              # Eq. 7
        policy_loss, log_probs = reparameterized_policy_step(                   # Eq. 12
            self._policy, self._Qs, self._policy_optimizer, batch["observations"], alpha)
        alpha_loss = self._temperature.update(log_probs)
        self._update_targets()

        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                "policy_loss": policy_loss, "alpha": alpha, "alpha_loss": alpha_loss,
                "entropy": -tf.reduce_mean(log_probs),
                "V-mean": tf.reduce_mean(V_values), "V_loss": V_loss}
