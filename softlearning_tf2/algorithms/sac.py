"""Soft Actor-Critic with twin soft Q functions and automatic temperature.

Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications", arXiv:1812.05905.
Equation numbers below refer to that paper. One call of ``_update`` is one iteration of the
inner gradient loop of its Algorithm 1, in the same order: the soft Q functions, then the
policy, then the temperature, then the target networks.
"""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import (
    Adam, Q_regression_step, clone_as_target, update_target_models)
from softlearning_tf2.algorithms.rl_algorithm import RLAlgorithm
from softlearning_tf2.algorithms.validation import check_hyperparameters


def resolve_target_entropy(target_entropy, action_size):
    """'auto' is the heuristic -|A| of arXiv:1812.05905 Sec. 5; a number is used as given."""
    if target_entropy == "auto":
        return -float(action_size)
    return float(target_entropy)


class SAC(RLAlgorithm):
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
    * Temperature loss (Eq. 18), optimized in log alpha so that alpha stays positive:
      J(alpha) = -log alpha * (log pi(a~|s) + target_entropy), with log pi held constant.
      The policy gradient treats alpha as a constant and the temperature gradient treats
      log pi as a constant.

    Noise draws per update, in order: the policy's noise for a' (next observations), then for
    a~ (observations). Each of the policy, every Q and the temperature has its own Adam.

    Args:
      target_entropy: 'auto' (= -|A|) or a number.
      fixed_alpha: if a number, the temperature stays at this value and is not learned
        (``target_entropy`` is then unused). If None, alpha is learned from ``initial_alpha``.
      target_update_interval: update the target networks every this many updates.
    """

    def __init__(self, training_environment, evaluation_environment, policy, Qs, pool, sampler,
                 initial_exploration_policy, *, policy_lr=3e-4, Q_lr=3e-4, alpha_lr=3e-4,
                 reward_scale=1.0, target_entropy="auto", initial_alpha=1.0, fixed_alpha=None,
                 discount=0.99, tau=5e-3, target_update_interval=1, **kwargs):
        super().__init__(training_environment, evaluation_environment, policy,
                         initial_exploration_policy, pool, sampler, **kwargs)
        check_hyperparameters(policy_lr=policy_lr, Q_lr=Q_lr, alpha_lr=alpha_lr,
                              initial_alpha=initial_alpha, fixed_alpha=fixed_alpha,
                              reward_scale=reward_scale, discount=discount, tau=tau,
                              target_update_interval=target_update_interval)

        self._Qs = tuple(Qs)
        self._build_target_networks()

        self._reward_scale = float(reward_scale)
        self._discount = float(discount)
        self._tau = float(tau)
        self._target_update_interval = int(target_update_interval)
        action_size = training_environment.action_space.shape[0]
        self._learn_alpha = fixed_alpha is None
        self._target_entropy = (resolve_target_entropy(target_entropy, action_size)
                                if self._learn_alpha else float("nan"))
        initial_log_alpha = np.log(float(initial_alpha if self._learn_alpha else fixed_alpha)
                                   or np.finfo(np.float32).tiny)
        self._log_alpha = tf.Variable(initial_log_alpha, dtype=tf.float32, name="log_alpha")
        self._update_count = tf.Variable(0, dtype=tf.int64, name="update_count")

        self._Q_optimizers = tuple(Adam(learning_rate=Q_lr, name=f"Q_{i}_adam")
                                   for i in range(len(self._Qs)))
        self._policy_optimizer = Adam(learning_rate=policy_lr, name="policy_adam")
        self._alpha_optimizer = Adam(learning_rate=alpha_lr, name="alpha_adam")
        for optimizer, Q in zip(self._Q_optimizers, self._Qs):
            optimizer.build(Q.trainable_variables)
        self._policy_optimizer.build(self._policy.trainable_variables)
        self._alpha_optimizer.build([self._log_alpha])

        self._compile_update(training_environment.observation_space.shape[0], action_size)

    def _build_target_networks(self):
        self._Q_targets = tuple(clone_as_target(Q) for Q in self._Qs)

    @property
    def alpha(self):
        return float(tf.exp(self._log_alpha))

    @property
    def Qs(self):
        return self._Qs

    @property
    def Q_targets(self):
        return self._Q_targets

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _soft_Q_target(self, batch, alpha):
        """y(r, s', d) of Eq. 3 with clipped double-Q target networks."""
        next_observations = batch["next_observations"]
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        next_Q_values = tf.reduce_min(
            [Q_target([next_observations, next_actions])[:, 0] for Q_target in self._Q_targets],
            axis=0)
        next_soft_values = next_Q_values - alpha * next_log_probs
        soft_Q_target = (self._reward_scale * batch["rewards"]
                         + self._discount * (1.0 - batch["terminals"]) * next_soft_values)
        return tf.stop_gradient(soft_Q_target)

    def _update_Qs(self, batch, soft_Q_target):
        """One Adam step on each J_Q(theta_i) (Eq. 5)."""
        return Q_regression_step(self._Qs, self._Q_optimizers, batch["observations"],
                                 batch["actions"], soft_Q_target)

    def _update_policy(self, observations, alpha):
        """One Adam step on J_pi(phi) (Eqs. 7-8); returns log pi(a~|s) for the alpha step."""
        with tf.GradientTape() as tape:
            actions, log_probs = self._policy.actions_and_log_probs(observations)
            Q_log_targets = tf.reduce_min(
                [Q([observations, actions])[:, 0] for Q in self._Qs], axis=0)
            policy_loss = tf.reduce_mean(alpha * log_probs - Q_log_targets)
        variables = self._policy.trainable_variables
        gradients = tape.gradient(policy_loss, variables)
        self._policy_optimizer.apply_gradients(zip(gradients, variables))
        return policy_loss, log_probs

    def _update_alpha(self, log_probs):
        """One Adam step on J(alpha) (Eq. 18) in log alpha."""
        if not self._learn_alpha:
            return tf.constant(0.0)
        log_probs = tf.stop_gradient(log_probs)
        with tf.GradientTape() as tape:
            alpha_loss = -tf.reduce_mean(self._log_alpha * (log_probs + self._target_entropy))
        gradients = tape.gradient(alpha_loss, [self._log_alpha])
        self._alpha_optimizer.apply_gradients(zip(gradients, [self._log_alpha]))
        return alpha_loss

    def _update_targets(self, tau):
        update_target_models(self._Qs, self._Q_targets, tau)

    def _update_step(self, batch):
        alpha = tf.exp(self._log_alpha)  # the same alpha throughout one iteration
        soft_Q_target = self._soft_Q_target(batch, alpha)
        Q_values, Q_losses = self._update_Qs(batch, soft_Q_target)
        policy_loss, log_probs = self._update_policy(batch["observations"], alpha)
        alpha_loss = self._update_alpha(log_probs)
        self._update_count.assign_add(1)
        if self._update_count % self._target_update_interval == 0:
            self._update_targets(self._tau)

        return self._step_diagnostics(soft_Q_target, Q_values, Q_losses, policy_loss, alpha,
                                      alpha_loss, log_probs)

    @staticmethod
    def _step_diagnostics(soft_Q_target, Q_values, Q_losses, policy_loss, alpha, alpha_loss,
                          log_probs):
        diagnostics = {
            "Q_target-mean": tf.reduce_mean(soft_Q_target),
            "policy_loss": policy_loss,
            "alpha": alpha,
            "alpha_loss": alpha_loss,
            "entropy": -tf.reduce_mean(log_probs),
        }
        for index, (Q_value, Q_loss) in enumerate(zip(Q_values, Q_losses)):
            diagnostics[f"Q_{index}-mean"] = tf.reduce_mean(Q_value)
            diagnostics[f"Q_{index}_loss"] = Q_loss
        return diagnostics

    def _target_networks(self):
        return {f"Q_target_{i}": Q for i, Q in enumerate(self._Q_targets)}

    def _checkpointables(self):
        models = {"policy": self._policy}
        models.update({f"Q_{i}": Q for i, Q in enumerate(self._Qs)})
        models.update(self._target_networks())
        optimizers = {f"Q_{i}": optimizer for i, optimizer in enumerate(self._Q_optimizers)}
        optimizers.update({"policy": self._policy_optimizer, "alpha": self._alpha_optimizer})
        variables = {"log_alpha": self._log_alpha, "update_count": self._update_count,
                     "policy_noise_state": self._policy.noise_generator.state}
        return models, optimizers, variables
