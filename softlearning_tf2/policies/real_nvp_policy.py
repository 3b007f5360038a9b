"""Policies that are normalizing flows of their noise: RealNVP (Dinh et al. 2017) conditioned on
the observation, and the latent-space policy of Haarnoja et al. 2018 (arXiv:1804.02808) that a
higher level drives through that noise."""
import math

import tensorflow as tf
import tensorflow_probability as tfp

from softlearning_tf2.distributions.squashed_gaussian import pre_squash_of, tanh_log_jacobian
from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.policies.base_policy import (
    BasePolicy, batch_size_of, set_weights_of_models, weights_of_models)

tfb = tfp.bijectors


def standard_normal_log_prob(values):
    """log N(x; 0, I), summed over the last axis."""
    return tf.reduce_sum(-0.5 * tf.square(values) - 0.5 * math.log(2.0 * math.pi), axis=-1)


def _uncached(values):
    """A new tensor of the same values: TFP bijectors remember y = f(x) per input tensor and
    answer a repeated call (or the inverse of a result) from that memory, without calling the
    coupling network whose log_scale the flow reads."""
    return tf.identity(values)


class RealNVPPolicy(BasePolicy):
    """a = tanh(f(eps; s)), eps ~ N(0, I), f a stack of observation-conditioned RealNVP
    coupling layers (``tfp.bijectors.RealNVP``).

    Coupling layer l keeps ``m = d // 2`` coordinates x0 (the first m on even layers, the last
    m on odd ones: TFP's reversed mask) and maps the others affinely,
    x1 -> x1 * exp(log_scale) + shift with [shift, log_scale] = MLP_l(s, x0). Each layer is
    invertible with log|det| = sum(log_scale), so the density is exact (arXiv:1804.02808,
    Eq. 3, with the tanh of Eq. 26 of arXiv:1801.01290):

        log pi(a|s) = log N(eps; 0, I) - sum_l log|det df_l/dx| - sum_i log(1 - tanh(u_i)^2).

    log_scale is bounded softly, ``log_scale_bound * tanh(raw / log_scale_bound)``, so that a
    single update cannot blow a layer's scale up; each layer's last weights start at zero, so
    the untrained flow is the identity and the untrained policy acts as tanh(N(0, I)).
    ``deterministic_actions``: the action at eps = 0. Needs two or more action dimensions (a
    coupling layer splits the action).
    """

    has_log_prob = True

    def __init__(self, observation_size, action_size, num_coupling_layers=2,
                 hidden_layer_sizes=(256, 256), activation="relu", squash=True,
                 log_scale_bound=5.0, seed=None, name="real_nvp_policy"):
        action_size = int(action_size)
        if action_size < 2:
            raise ValueError(f"{type(self).__name__} needs an action space of 2 or more "
                             f"dimensions (a coupling layer splits the action); this one has "
                             f"{action_size}")
        if int(num_coupling_layers) < 1:
            raise ValueError(f"num_coupling_layers must be >= 1, got {num_coupling_layers}")
        self.squash = bool(squash)
        self.log_scale_bound = float(log_scale_bound)
        self._log_scales = []  # what the coupling networks' last call gave (see flow_forward)
        masked_size = action_size // 2
        self.coupling_models, self.coupling_layers = [], []
        for index in range(int(num_coupling_layers)):
            # Even layers keep the first m coordinates, odd ones the last m (num_masked < 0).
            num_masked = masked_size if index % 2 == 0 else -masked_size
            transformed_size = action_size - masked_size
            model = feedforward_model(
                [observation_size, masked_size], 2 * transformed_size, hidden_layer_sizes,
                activation, name=f"{name}_coupling_{index}",
                seed=None if seed is None else seed + 100 * index)
            last = model.layers[-1]
            last.kernel.assign(tf.zeros_like(last.kernel))
            self.coupling_models.append(model)
            self.coupling_layers.append(tfb.RealNVP(
                num_masked=num_masked,
                shift_and_log_scale_fn=self._shift_and_log_scale_fn(model),
                name=f"{name}_coupling_{index}"))
        super().__init__(observation_size, action_size, name, seed=seed)

    def _shift_and_log_scale_fn(self, model):
        def shift_and_log_scale(masked, output_units, conditional_input):
            conditional_input = tf.nest.map_structure(tf.convert_to_tensor, conditional_input)
            shift, raw = tf.split(model([conditional_input, masked]), 2, axis=-1)
            log_scale = self.log_scale_bound * tf.tanh(raw / self.log_scale_bound)
            self._log_scales.append(log_scale)
            return shift, log_scale
        return shift_and_log_scale

    # -- The flow --------------------------------------------------------------------------
    # An affine coupling layer's log|det| is the sum of the log_scale its network gave for
    # the transformed coordinates. The flow reads it off the network call of the transform
    # itself (``_log_scales``) instead of asking the bijector for it: TFP's
    # ``forward_log_det_jacobian`` calls the network a second time (a third more time per
    # SAC update, measured). The test checks it against TFP's own log-det.

    def flow_forward(self, observations, noise):
        """(u = f(eps; s), sum_l log|det df_l/dx|), both before the tanh."""
        values, log_det = noise, 0.0
        for layer in self.coupling_layers:
            self._log_scales = []
            values = layer.forward(_uncached(values), conditional_input=observations)
            log_det += tf.reduce_sum(self._log_scales[-1], axis=-1)
        return values, log_det

    def flow_inverse(self, observations, pre_squash):
        """(eps = f^-1(u; s), sum_l log|det df_l^-1/dy|)."""
        values, log_det = pre_squash, 0.0
        for layer in reversed(self.coupling_layers):
            self._log_scales = []
            values = layer.inverse(_uncached(values), conditional_input=observations)
            log_det -= tf.reduce_sum(self._log_scales[-1], axis=-1)
        return values, log_det

    def _squash(self, pre_squash):
        return tf.tanh(pre_squash) if self.squash else pre_squash

    def _log_prob_of(self, noise, flow_log_det, pre_squash):
        log_probs = standard_normal_log_prob(noise) - flow_log_det
        if self.squash:
            log_probs -= tanh_log_jacobian(pre_squash)
        return log_probs

    # -- The policy ------------------------------------------------------------------------
    def actions_from_noise(self, observations, noise):
        return self._squash(self.flow_forward(observations, noise)[0])

    def actions_and_log_probs_from_noise(self, observations, noise):
        pre_squash, log_det = self.flow_forward(observations, noise)
        return self._squash(pre_squash), self._log_prob_of(noise, log_det, pre_squash)

    def actions_and_log_probs(self, observations, generator=None):
        generator = self.noise_generator if generator is None else generator
        noise = self.draw_noise(generator, batch_size_of(observations))
        return self.actions_and_log_probs_from_noise(observations, noise)

    def log_probs(self, observations, actions):
        """log pi(a|s) of given actions, through the exact inverse of the flow; saturated
        actions are clipped to 1 - 1e-6 first."""
        pre_squash = pre_squash_of(actions, self.squash)
        noise, inverse_log_det = self.flow_inverse(observations, pre_squash)
        return self._log_prob_of(noise, -inverse_log_det, pre_squash)

    def deterministic_actions(self, observations):
        return self.actions_from_noise(
            observations, tf.zeros((batch_size_of(observations), self.action_size)))

    def action_distribution(self, observations):
        """pi(.|s) as a TFP ``TransformedDistribution`` (N(0, I) through the flow and tanh)."""
        bijectors = [tfb.Tanh()] if self.squash else []
        bijectors += [_Conditioned(layer, observations)
                      for layer in reversed(self.coupling_layers)]
        base = tfp.distributions.MultivariateNormalDiag(
            loc=tf.zeros((batch_size_of(observations), self.action_size)))
        return tfp.distributions.TransformedDistribution(base, tfb.Chain(bijectors))

    @property
    def variables(self):
        return [variable for model in self.coupling_models
                for variable in model.trainable_variables]

    def get_weights(self):
        return weights_of_models(self.coupling_models)

    def set_weights(self, weights):
        set_weights_of_models(self.coupling_models, weights, self.name)

    def get_diagnostics(self, observations, generator):
        actions, log_probs = self.actions_and_log_probs(observations, generator)
        return {
            "entropy-mean": float(-tf.reduce_mean(log_probs)),
            "actions-abs-mean": float(tf.reduce_mean(tf.abs(actions))),
            "actions-std": float(tf.reduce_mean(tf.math.reduce_std(actions, axis=0))),
        }


class _Conditioned(tfb.Bijector):
    """A coupling layer with its conditional input bound (for ``action_distribution``)."""

    def __init__(self, layer, observations):
        self._layer, self._observations = layer, observations
        super().__init__(forward_min_event_ndims=1, name=f"{layer.name}_conditioned",
                         parameters=dict(locals()))

    def _forward(self, x):
        return self._layer.forward(x, conditional_input=self._observations)

    def _inverse(self, y):
        return self._layer.inverse(y, conditional_input=self._observations)

    def _forward_log_det_jacobian(self, x):
        return self._layer.forward_log_det_jacobian(x, event_ndims=1,
                                                    conditional_input=self._observations)

    def _inverse_log_det_jacobian(self, y):
        return self._layer.inverse_log_det_jacobian(y, event_ndims=1,
                                                    conditional_input=self._observations)


class LatentSpacePolicy(RealNVPPolicy):
    """A RealNVP policy whose noise is a latent h that a higher level may choose
    (Haarnoja et al. 2018, "Latent Space Policies for Hierarchical Reinforcement Learning",
    arXiv:1804.02808, Sec. 4).

    Trained alone (with SAC, h ~ N(0, I)) it is a ``RealNVPPolicy``. Frozen, it is one level of
    a hierarchy: ``actions_from_latents(s, h)`` is the bijective map from the latent to the
    level below, so a level above that picks h can still reach every action (the flow is
    invertible: ``latents_of_actions`` recovers h). ``environments.latent_space`` builds the
    level above's environment around a frozen one (``LatentSpace-MultiGoal-v0``).
    """

    def actions_from_latents(self, observations, latents):
        return self.actions_from_noise(observations, latents)

    def latents_of_actions(self, observations, actions):
        return self.flow_inverse(observations, pre_squash_of(actions, self.squash))[0]

