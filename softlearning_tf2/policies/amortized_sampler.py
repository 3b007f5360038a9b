"""Soft Q-Learning's amortized sampler: a = tanh(f(s, xi)), xi ~ N(0, I) (arXiv:1702.08165).

The network f is trained by amortized SVGD to draw from exp(Q(s, .)); its distribution over
actions is implicit: it can be sampled but has no tractable density.
"""
import tensorflow as tf

from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.policies.base_policy import BasePolicy, batch_size_of


class ImplicitActionDistribution:
    """A TFP-style distribution object over actions that can ``sample`` but not ``log_prob``.

    ``sample(sample_shape)`` returns actions of shape ``sample_shape + [batch, action_size]``.
    """

    def __init__(self, policy, observations):
        self._policy = policy
        self._observations = observations

    @property
    def batch_shape(self):
        return self._observations.shape[:1]

    @property
    def event_shape(self):
        return tf.TensorShape([self._policy.action_size])

    def sample(self, sample_shape=()):
        sample_shape = tf.TensorShape(sample_shape)
        count = max(int(sample_shape.num_elements()), 1)
        particles = self._policy.particles(self._observations, count)  # [B, count, A]
        particles = tf.transpose(particles, [1, 0, 2])
        return tf.reshape(particles, sample_shape.concatenate(
            [-1 if self.batch_shape[0] is None else self.batch_shape[0],
             self._policy.action_size]))

    def log_prob(self, actions):
        raise NotImplementedError(
            "the amortized SVGD sampler defines its action distribution only implicitly, "
            "through samples: it has no tractable log-probability")

    prob = log_prob


class AmortizedSamplerPolicy(BasePolicy):
    """Actions tanh(f(s, xi)) with xi ~ N(0, I) of the action's dimension.

    With ``noise_skip_connection`` (the default) f(s, xi) = g(s, xi) + xi for an MLP g: the
    untrained sampler draws tanh(N(0, I)), spread over the whole action box, instead of a
    narrow blob near 0. SVGD moves particles only locally (its repulsion acts within a
    kernel bandwidth), so a sampler that starts narrow collapses onto the nearest mode of a
    multimodal Q; one that starts broad sends particles to every mode.

    ``deterministic_actions`` feeds xi = 0, the sampler's "central" action, for evaluation.
    """

    def __init__(self, observation_size, action_size, hidden_layer_sizes=(128, 128),
                 activation="relu", noise_skip_connection=True, seed=None,
                 name="amortized_sampler"):
        self.noise_skip_connection = bool(noise_skip_connection)
        self.sampler_model = feedforward_model(
            [observation_size, action_size], int(action_size), hidden_layer_sizes, activation,
            name=f"{name}_network", seed=seed)
        super().__init__(observation_size, action_size, name, seed=seed)

    def actions_from_noise(self, observations, noise):
        pre_squash = self.sampler_model([observations, noise])
        if self.noise_skip_connection:
            pre_squash = pre_squash + noise
        return tf.tanh(pre_squash)

    def particles(self, observations, num_particles, generator=None):
        """``num_particles`` actions per observation: [batch, num_particles, action_size]."""
        batch_size = batch_size_of(observations)
        tiled = tf.nest.map_structure(
            lambda values: tf.repeat(values, num_particles, axis=0), observations)
        actions = self.actions(tiled, generator)
        return tf.reshape(actions, (batch_size, num_particles, self.action_size))

    def deterministic_actions(self, observations):
        return self.actions_from_noise(
            observations, tf.zeros((batch_size_of(observations), self.action_size)))

    def action_distribution(self, observations):
        return ImplicitActionDistribution(self, observations)

    @property
    def variables(self):
        return self.sampler_model.trainable_variables

    def get_weights(self):
        return self.sampler_model.get_weights()

    def set_weights(self, weights):
        self.sampler_model.set_weights(weights)

    def get_diagnostics(self, observations, generator):
        observations = tf.nest.map_structure(lambda values: tf.convert_to_tensor(values[:64]),
                                             observations)
        particles = self.particles(observations, 16, generator)
        return {
            "actions-abs-mean": float(tf.reduce_mean(tf.abs(particles))),
            "actions-std-per-state": float(tf.reduce_mean(tf.math.reduce_std(particles,
                                                                               axis=1))),
        }
