"""Soft Q-Learning with an amortized SVGD sampler.

Haarnoja, Tang, Abbeel, Levine 2017, "Reinforcement Learning with Deep Energy-Based Policies",
arXiv:1702.08165. Equation numbers refer to that paper. One call of ``_update`` is one gradient
step of its Algorithm 1: the soft Q function(s), then the sampler, then the target network(s).
The temperature is 1; ``reward_scale`` sets the balance between reward and entropy.
"""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import min_Q
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm
from softlearning_tf2.algorithms.svgd import svgd_direction
from softlearning_tf2.utils.validation import check_hyperparameters
from softlearning_tf2.policies.base_policy import batch_size_of


def importance_sampled_soft_value(Q_values, action_size):
    """V(s) = log E_{a ~ U[-1,1]^d}[exp Q(s, a)] + d log 2 (Eq. 10 with a uniform proposal).

    ``Q_values``: [batch, M] at M actions drawn uniformly from [-1, 1]^d. The estimate is
    logsumexp_k Q(s, a_k) - log M + d log 2, i.e. the log of the integral of exp(Q) over the
    action box, whose volume is 2^d.
    """
    num_particles = tf.cast(tf.shape(Q_values)[-1], Q_values.dtype)
    return (tf.reduce_logsumexp(Q_values, axis=-1) - tf.math.log(num_particles)
            + action_size * np.log(2.0))


def tanh_log_jacobian_of_actions(actions, epsilon=1e-6):
    """sum_i log(1 - a_i^2): log |da/du| of a = tanh(u), written in terms of the action."""
    return tf.reduce_sum(tf.math.log(1.0 - tf.square(actions) + epsilon), axis=-1)


class SQL(SoftQAlgorithm):
    """Soft Q-learning (arXiv:1702.08165).

    * Soft value (Eq. 10) by importance sampling with a uniform proposal over the action box,
      at ``value_n_particles`` actions per next state, with the target Q network(s) (the
      minimum over them when there are two).
    * Soft Q loss (Eq. 11): 0.5 * (Q(s, a) - (reward_scale * r + discount * (1 - terminal)
      * Vbar(s')))^2.
    * Sampler update (Eqs. 13-14): per state draw ``kernel_n_particles`` actions; the first
      ``kernel_update_ratio`` of them are fixed particles x (no gradient), the rest are
      updated particles y. The SVGD direction phi(y) uses the adaptive isotropic Gaussian
      kernel and the score of the target log density Q(s, x) + sum log(1 - x^2) (the soft Q
      plus the log-Jacobian of tanh) at the fixed particles; phi is back-propagated through
      y into the sampler by minimizing -mean(stop_gradient(phi(y)) . y).
    * Targets: Polyak averaging with ``tau`` every ``target_update_interval`` updates. The
      paper's periodic hard copies are ``tau=1.0, target_update_interval=1000``; its single Q
      is ``Q_params.class_name = feedforward_Q_function``.

    Noise draws per update, in order: the value proposals (the algorithm's own generator, split
    from the policy's at construction), then the sampler's particles (the policy's).

    With ``policy_params.class_name = MCMCSamplerPolicy`` there is no sampler network: the
    policy draws its actions from exp(Q) by MCMC on SQL's own Q functions (the other option of
    Sec. 3.2), and the update is the soft Q step and the targets alone.
    """

    def __init__(self, *, value_n_particles=16, kernel_n_particles=16,
                 kernel_update_ratio=0.5, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(value_n_particles=value_n_particles,
                              kernel_n_particles=kernel_n_particles,
                              kernel_update_ratio=kernel_update_ratio)
        n_fixed = int(int(kernel_n_particles) * float(kernel_update_ratio))
        if n_fixed < 2 or int(kernel_n_particles) - n_fixed < 1:
            raise ValueError(
                f"kernel_n_particles={kernel_n_particles} with kernel_update_ratio="
                f"{kernel_update_ratio} must leave at least 2 fixed and 1 updated particle")
        if not self.trains_policy and tuple(self._policy.Q_functions) != self._Qs:
            raise ValueError("SQL's MCMCSamplerPolicy must act on SQL's own Q functions")
        self._value_n_particles = int(value_n_particles)
        self._kernel_n_particles = int(kernel_n_particles)
        self._n_fixed_particles = n_fixed
        self._action_size = self._training_environment.action_size
        self._proposal_generator = self._policy.noise_generator.split(1)[0]
        self._track_variable("value_proposal_state", self._proposal_generator.state)
        self._Q_targets = self._add_Q_targets()

    @property
    def trains_policy(self):
        """False where the policy samples Q by MCMC: it has no network of its own."""
        return not hasattr(self._policy, "Q_functions")

    @property
    def Q_targets(self):
        return self._Q_targets

    def _Q_at_particles(self, Qs, observations, actions):
        """min_i Q_i(s, a_k) for actions [B, K, d]: returns [B, K]."""
        batch_size, num_particles = tf.shape(actions)[0], tf.shape(actions)[1]
        tiled = tf.nest.map_structure(
            lambda values: tf.repeat(values, num_particles, axis=0), observations)
        flat_actions = tf.reshape(actions, (-1, self._action_size))
        return tf.reshape(min_Q(Qs, tiled, flat_actions), (batch_size, num_particles))

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _soft_Q_target(self, batch):
        """reward_scale * r + discount * (1 - terminal) * Vbar(s') (Eqs. 10-11)."""
        next_observations = batch["next_observations"]
        proposals = self._proposal_generator.uniform(
            (batch_size_of(next_observations), self._value_n_particles, self._action_size),
            -1.0, 1.0)
        next_Q_values = self._Q_at_particles(self._Q_targets, next_observations, proposals)
        return self._bellman_target(
            batch, importance_sampled_soft_value(next_Q_values, self._action_size))

    def _svgd_action_gradients(self, observations, fixed_actions, updated_actions):
        """phi(y) (Eq. 13) for the updated particles: [B, K_updated, d]."""
        with tf.GradientTape() as tape:
            tape.watch(fixed_actions)
            log_density = (self._Q_at_particles(self._Qs, observations, fixed_actions)
                           + tanh_log_jacobian_of_actions(fixed_actions))
        scores = tape.gradient(log_density, fixed_actions)  # per particle: sums are separable
        return svgd_direction(fixed_actions, scores, updated_actions)

    def _update_sampler(self, observations):
        """One Adam step moving the sampler's particles along phi (Eq. 14)."""
        variables = self._policy.trainable_variables
        with tf.GradientTape() as tape:
            particles = self._policy.particles(observations, self._kernel_n_particles)
            fixed_actions = tf.stop_gradient(particles[:, :self._n_fixed_particles])
            updated_actions = particles[:, self._n_fixed_particles:]
            action_gradients = tf.stop_gradient(
                self._svgd_action_gradients(observations, fixed_actions, updated_actions))
            # d/dtheta of this surrogate is -sum phi(y) dy/dtheta: ascent along phi.
            surrogate_loss = -tf.reduce_mean(
                tf.reduce_sum(action_gradients * updated_actions, axis=[1, 2]))
        gradients = tape.gradient(surrogate_loss, variables)
        self._policy_optimizer.apply_gradients(zip(gradients, variables))
        return action_gradients, particles

    def _update_step(self, batch):
        soft_Q_target = self._soft_Q_target(batch)                              # Eqs. 10-11
        Q_values, Q_losses, _ = self._update_Qs(batch, soft_Q_target)              # Eq. 11
        if not self.trains_policy:  # an MCMC sampler of Q: nothing more to train
            self._update_targets()
            return self._Q_diagnostics(soft_Q_target, Q_values, Q_losses)
        action_gradients, particles = self._update_sampler(batch["observations"])  # Eqs. 13-14
        self._update_targets()

        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                "svgd_direction-norm": tf.reduce_mean(tf.norm(action_gradients, axis=-1)),
                "particles-std": tf.reduce_mean(tf.math.reduce_std(particles, axis=1))}
