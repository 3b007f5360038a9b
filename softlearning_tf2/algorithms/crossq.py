"""CrossQ: batch normalization instead of target networks.

Bhatt, Palenicek, Belousov, Argus, Amiranashvili, Brox & Peters 2024, "CrossQ: Batch
Normalization in Deep Reinforcement Learning for Greater Sample Efficiency and Simplicity"
(ICLR 2024, arXiv:1902.05605). CrossQ is SAC with three changes: no target networks; Batch
Renormalization (Ioffe 2017) in the critics and the actor (``Q_params`` / ``policy_params``:
``batch_renormalization=true``); and one critic forward pass over the concatenation of
(s, a) and (s', a'), so that both halves are normalized with the same batch statistics (with
separate passes the (s', a') batch is out of distribution for statistics gathered on (s, a)).
Adam with beta_1 = 0.5, and the policy and temperature step every third critic step (the
paper's hyperparameters; they are the CrossQ variant's defaults, ``experiments/variants.py``,
and arguments here: ``adam_beta_1``, ``policy_update_interval``). Equation numbers below are SAC's (arXiv:1812.05905), as in
``sac.py``.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import min_Q, squared_error_loss
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.models.normalization import BatchRenormalization
from softlearning_tf2.models.observation_encoder import shared_features_once


def concatenate_batches(first, second):
    """The rows of ``first`` then those of ``second`` (tensors, or dicts of tensors)."""
    return tf.nest.map_structure(lambda a, b: tf.concat([a, b], axis=0), first, second)


class CrossQ(SAC):
    """CrossQ: one update is SAC's iteration without the target networks.

    * a' ~ pi(.|s'), the policy's network in inference mode (its running statistics).
    * The joint pass: for each Q function, [Q_i(s, a); Q_i(s', a')] =
      Q_i([s; s'], [a; a']) in training mode (its Batch Renormalization statistics move once,
      on the mixture of both halves).
    * The target from the second half, held constant: y = reward_scale * r + discount *
      (1 - terminal) * (min_j Q_j(s', a') - alpha log pi(a'|s')).
    * Each Q_i, with its own Adam: 0.5 * mean((Q_i(s, a) - y)^2) (SAC's Eq. 5).
    * Every ``policy_update_interval``-th update (3): the policy on SAC's Eq. 7,
      alpha log pi(a~|s) - min_j Q_j(s, a~), with the policy's network in training mode (its
      statistics move) and the Q functions in inference mode; then the temperature (SAC's
      Eq. 18).
    """

    target_networks = False
    policy_step_training = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not hasattr(self._policy, "shift_and_log_scale_model"):
            raise ValueError(f"CrossQ trains FeedforwardGaussianPolicy (its network's Batch "
                             f"Renormalization runs in training mode in the policy step); "
                             f"got {type(self._policy).__name__}")
        for name, model in (*((f"Q_{index}", Q) for index, Q in enumerate(self._Qs)),
                            ("the policy", self._policy.shift_and_log_scale_model)):
            if not any(isinstance(layer, BatchRenormalization) for layer in model.layers):
                raise ValueError(f"CrossQ normalizes its critics and actor: {name} has no "
                                 f"Batch Renormalization (batch_renormalization=true)")

    def _joint_Q_step(self, batch, alpha):
        """The joint pass, the target from its second half, and one Adam step of each Q
        function; (Q(s, a) values, target, losses)."""
        observations, next_observations = batch["observations"], batch["next_observations"]
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        joint_observations = concatenate_batches(observations, next_observations)
        joint_actions = tf.concat([batch["actions"], next_actions], axis=0)
        group_variables = [variables for _, variables in self._Q_variable_groups]
        with tf.GradientTape() as tape, shared_features_once(self._Qs):
            halves = [tf.split(Q([joint_observations, joint_actions], training=True)[:, 0], 2)
                      for Q in self._Qs]
            Q_values = [current for current, _ in halves]
            next_Q_values = tf.reduce_min([next_value for _, next_value in halves], axis=0)
            soft_Q_target = self._bellman_target(  # stop_gradient inside
                batch, next_Q_values - alpha * next_log_probs)
            Q_losses = [squared_error_loss(Q_value, soft_Q_target) for Q_value in Q_values]
            total_Q_loss = tf.add_n(Q_losses)
        gradients = tape.gradient(total_Q_loss, group_variables)
        for (optimizer, variables), group_gradients in zip(self._Q_variable_groups, gradients):
            optimizer.apply_gradients(zip(group_gradients, variables))
        return Q_values, soft_Q_target, Q_losses

    def _policy_Q_estimate(self, observations, actions):
        """min_j Q_j(s, a~), the Q functions in inference mode (their statistics stay)."""
        return min_Q(self._Qs, observations, actions, training=False)

    def _update_step(self, batch):
        alpha = self._temperature()  # the same alpha throughout one iteration
        Q_values, soft_Q_target, Q_losses = self._joint_Q_step(batch, alpha)     # Eqs. 3, 5
        policy_diagnostics = self._policy_step_when_due(                        # Eqs. 7, 18
            batch["observations"], alpha)
        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                **policy_diagnostics, "alpha": alpha}
