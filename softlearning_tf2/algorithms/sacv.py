"""Soft Actor-Critic with a soft state-value network, as first published.

Haarnoja, Zhou, Abbeel, Levine 2018, arXiv:1801.01290. Equation numbers below refer to that
paper. One call of ``_update`` is one gradient step of its Algorithm 1, in the same order: the
soft V function, the soft Q functions, the policy (then the temperature, when it is learned),
then the target V network.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam, clone_as_target, update_target_models
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.algorithms.validation import check_hyperparameters


class SACV(SAC):
    """SAC with V(s), a Polyak-averaged target V, two soft Q functions and a squashed Gaussian.

    Losses (all averaged over the batch):

    * Soft V loss (Eq. 5): J_V(psi) = 0.5 * (V(s) - (min_i Q_i(s, a~) - alpha log pi(a~|s)))^2
      with a~ ~ pi(.|s) drawn fresh and the target held constant. Using the minimum of the two
      Q functions follows Sec. 4.2 (two Qs against positive bias).
    * Soft Q loss (Eqs. 7-8): J_Q(theta_i) = 0.5 * (Q_i(s, a) - Qhat)^2 with
      Qhat = reward_scale * r + discount * (1 - terminal) * Vbar(s'); Vbar is the target V.
    * Policy loss (Eq. 12, reparameterized): J_pi = alpha log pi(a~|s) - min_i Q_i(s, a~),
      with the Q functions of this step.

    The paper keeps the temperature at 1 and lets ``reward_scale`` set the balance between
    reward and entropy (per-task scales in examples/development/variants.py): that is
    ``fixed_alpha=1.0``, the default here. ``fixed_alpha=None`` learns alpha as SAC does.

    Noise draws per update, in order: a~ for the V target, then a~ for the policy loss.
    """

    def __init__(self, training_environment, evaluation_environment, policy, Qs, pool, sampler,
                 initial_exploration_policy, *, V, V_lr=3e-4, fixed_alpha=1.0, **kwargs):
        check_hyperparameters(V_lr=V_lr)
        self._V = V
        super().__init__(training_environment, evaluation_environment, policy, Qs, pool,
                         sampler, initial_exploration_policy, fixed_alpha=fixed_alpha, **kwargs)
        self._V_optimizer = Adam(learning_rate=V_lr, name="V_adam")
        self._V_optimizer.build(self._V.trainable_variables)

    def _build_target_networks(self):
        self._V_target = clone_as_target(self._V)

    @property
    def V(self):
        return self._V

    @property
    def V_target(self):
        return self._V_target

    def _update_V(self, observations, alpha):
        """One Adam step on J_V(psi) (Eq. 5)."""
        actions, log_probs = self._policy.actions_and_log_probs(observations)
        Q_values = tf.reduce_min([Q([observations, actions])[:, 0] for Q in self._Qs], axis=0)
        V_target = tf.stop_gradient(Q_values - alpha * log_probs)
        with tf.GradientTape() as tape:
            V_values = self._V(observations)[:, 0]
            V_loss = 0.5 * tf.reduce_mean(tf.square(V_values - V_target))
        variables = self._V.trainable_variables
        self._V_optimizer.apply_gradients(zip(tape.gradient(V_loss, variables), variables))
        return V_values, V_loss

    def _soft_Q_target(self, batch, alpha):
        """Qhat(s, a) of Eq. 8, bootstrapping from the target V network."""
        del alpha  # the soft value already holds the entropy term
        next_V_values = self._V_target(batch["next_observations"])[:, 0]
        return tf.stop_gradient(
            self._reward_scale * batch["rewards"]
            + self._discount * (1.0 - batch["terminals"]) * next_V_values)

    def _update_targets(self, tau):
        update_target_models([self._V], [self._V_target], tau)

    def _update_step(self, batch):
        alpha = tf.exp(self._log_alpha)
        V_values, V_loss = self._update_V(batch["observations"], alpha)
        soft_Q_target = self._soft_Q_target(batch, alpha)
        Q_values, Q_losses = self._update_Qs(batch, soft_Q_target)
        policy_loss, log_probs = self._update_policy(batch["observations"], alpha)
        alpha_loss = self._update_alpha(log_probs)
        self._update_count.assign_add(1)
        if self._update_count % self._target_update_interval == 0:
            self._update_targets(self._tau)

        diagnostics = self._step_diagnostics(soft_Q_target, Q_values, Q_losses, policy_loss,
                                             alpha, alpha_loss, log_probs)
        diagnostics.update({"V-mean": tf.reduce_mean(V_values), "V_loss": V_loss})
        return diagnostics

    def _target_networks(self):
        return {"V_target": self._V_target}

    def _checkpointables(self):
        models, optimizers, variables = super()._checkpointables()
        models["V"] = self._V
        optimizers["V"] = self._V_optimizer
        return models, optimizers, variables
