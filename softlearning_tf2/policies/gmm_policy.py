"""A tanh-squashed Gaussian-mixture policy for SAC and SACV (the first SAC code's GMM policy,
arXiv:1801.01290, Sec. 6: "Gaussian mixture" with K components)."""
import tensorflow as tf

from softlearning_tf2.distributions.squashed_mixture import (
    squashed_mixture, squashed_mixture_log_prob)
from softlearning_tf2.distributions.squashed_gaussian import pre_squash_of
from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.policies.base_policy import BasePolicy, batch_size_of


class GMMPolicy(BasePolicy):
    """pi(a|s) = tanh_# sum_k w_k(s) N(mu_k(s), diag(sigma_k(s)^2)), all from one MLP.

    **How the gradient reaches the mixture weights.** A mixture sample is not
    reparameterizable: the component index is a discrete draw. Instead of sampling it, the
    policy step takes the expectation over components exactly (``component_samples``): one
    reparameterized sample u_k = mu_k + sigma_k eps_k per component, and

        J_pi(s) = sum_k w_k(s) [alpha log pi(tanh(u_k)|s) - min_i Q_i(s, tanh(u_k))],

    whose expectation over eps is E_{a ~ pi}[alpha log pi(a|s) - Q(s, a)] (Eq. 7 of
    arXiv:1812.05905). The weights w_k receive the gradient of the terms they multiply and of
    log pi (the mixture's density), the means and scales theirs through the pathwise samples.
    It costs K evaluations of the Q functions per state in the policy step instead of one; it
    has no score-function variance. Everywhere else (the Q target's next action, acting, SACV's
    V target) one action is sampled: the component by inverse CDF of a uniform, then the
    component's Gaussian.

    Noise of one action (``draw_noise``): [batch, d + 1], d standard normals then a uniform on
    [0, 1) that picks the component. ``deterministic_actions``: tanh of the most probable
    component's mean.
    """

    has_log_prob = True

    def __init__(self, observation_size, action_size, num_components=4,
                 hidden_layer_sizes=(256, 256), activation="relu", squash=True,
                 log_scale_bounds=(-20.0, 2.0), seed=None, name="gmm_policy"):
        if int(num_components) < 1:
            raise ValueError(f"GMMPolicy needs num_components >= 1, got {num_components}")
        self.num_components = int(num_components)
        self.squash = bool(squash)
        self.log_scale_bounds = tuple(float(bound) for bound in log_scale_bounds)
        self.mixture_model = feedforward_model(
            [observation_size], self.num_components * (1 + 2 * int(action_size)),
            hidden_layer_sizes, activation, name=f"{name}_mixture", seed=seed)
        super().__init__(observation_size, action_size, name, seed=seed)

    # -- The mixture -----------------------------------------------------------------------
    def mixture_parameters(self, observations):
        """(log w [B, K] normalized, mu [B, K, d], sigma [B, K, d])."""
        K, d = self.num_components, self.action_size
        outputs = self.mixture_model(observations)
        logits = outputs[:, :K]
        shifts = tf.reshape(outputs[:, K:K + K * d], (-1, K, d))
        log_scales = tf.clip_by_value(tf.reshape(outputs[:, K + K * d:], (-1, K, d)),
                                      *self.log_scale_bounds)
        return tf.nn.log_softmax(logits, axis=-1), shifts, tf.exp(log_scales)

    def action_distribution(self, observations):
        """The TFP distribution pi(.|s): ``MixtureSameFamily`` under ``Tanh``."""
        return squashed_mixture(*self.mixture_parameters(observations), squash=self.squash)

    def _squash(self, pre_squash):
        return tf.tanh(pre_squash) if self.squash else pre_squash

    # -- One action per state --------------------------------------------------------------
    def draw_noise(self, generator, batch_size):
        return tf.concat([generator.normal((batch_size, self.action_size)),
                          generator.uniform((batch_size, 1), 0.0, 1.0)], axis=-1)

    def _pre_squash_from_noise(self, parameters, noise):
        log_weights, shifts, scales = parameters
        normals, uniforms = noise[:, :self.action_size], noise[:, self.action_size:]
        # Inverse CDF: the index is the number of cumulative weights below the uniform.
        cumulative = tf.cumsum(tf.exp(log_weights), axis=-1)[:, :-1]
        components = tf.reduce_sum(tf.cast(cumulative < uniforms, tf.int32), axis=-1)
        shift = tf.gather(shifts, components, axis=1, batch_dims=1)
        scale = tf.gather(scales, components, axis=1, batch_dims=1)
        return shift + scale * normals

    def actions_from_noise(self, observations, noise):
        parameters = self.mixture_parameters(observations)
        return self._squash(self._pre_squash_from_noise(parameters, noise))

    def actions_and_log_probs_from_noise(self, observations, noise):
        parameters = self.mixture_parameters(observations)
        pre_squash = self._pre_squash_from_noise(parameters, noise)
        return (self._squash(pre_squash),
                squashed_mixture_log_prob(*parameters, pre_squash, self.squash))

    def actions_and_log_probs(self, observations, generator=None):
        generator = self.noise_generator if generator is None else generator
        noise = self.draw_noise(generator, batch_size_of(observations))
        return self.actions_and_log_probs_from_noise(observations, noise)

    def log_probs(self, observations, actions):
        """log pi(a|s) of given actions; saturated actions are clipped to 1 - 1e-6 first."""
        return squashed_mixture_log_prob(*self.mixture_parameters(observations),
                                         pre_squash_of(actions, self.squash), self.squash)

    def deterministic_actions(self, observations):
        log_weights, shifts, _ = self.mixture_parameters(observations)
        return self._squash(tf.gather(shifts, tf.argmax(log_weights, axis=-1, output_type=tf.int32),
                                      axis=1, batch_dims=1))

    # -- Every component at once (the policy step) -----------------------------------------
    def component_samples(self, observations, generator=None):
        """One reparameterized action per component: (actions [B, K, d], log pi of each
        [B, K], weights w_k [B, K]); noise [B, K, d] from ``generator`` (default: own)."""
        generator = self.noise_generator if generator is None else generator
        log_weights, shifts, scales = self.mixture_parameters(observations)
        normals = generator.normal(
            (batch_size_of(observations), self.num_components, self.action_size))
        pre_squash = shifts + scales * normals
        log_probs = squashed_mixture_log_prob(log_weights[:, None], shifts[:, None],
                                              scales[:, None], pre_squash, self.squash)
        return self._squash(pre_squash), log_probs, tf.exp(log_weights)

    @property
    def variables(self):
        return self.mixture_model.trainable_variables

    def get_weights(self):
        return self.mixture_model.get_weights()

    def set_weights(self, weights):
        self.mixture_model.set_weights(weights)

    def get_diagnostics(self, observations, generator):
        log_weights, shifts, scales = self.mixture_parameters(observations)
        actions, log_probs = self.actions_and_log_probs(observations, generator)
        weights = tf.exp(log_weights)
        return {
            "shift-mean": float(tf.reduce_mean(shifts)),
            "scale-mean": float(tf.reduce_mean(scales)),
            "weights-max-mean": float(tf.reduce_mean(tf.reduce_max(weights, axis=-1))),
            "weights-entropy-mean": float(-tf.reduce_mean(
                tf.reduce_sum(weights * log_weights, axis=-1))),
            "entropy-mean": float(-tf.reduce_mean(log_probs)),
            "actions-abs-mean": float(tf.reduce_mean(tf.abs(actions))),
        }
