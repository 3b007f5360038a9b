"""What the samplers, algorithms and the export need from a policy."""
import numpy as np
import tensorflow as tf


class BasePolicy:
    """A stochastic policy over actions in [-1, 1]^d, written as a map of noise.

    Every policy is a map of noise: ``actions_from_noise(observations, noise)`` with noise from
    ``draw_noise`` (drawn from the policy's generator, or one passed in: diagnostics and the
    exported SavedModel bring their own). ``deterministic_actions`` is the evaluation action,
    the sample at zero noise. SAC's Gaussian also gives the log-density of the same sample
    (``actions_and_log_probs_from_noise``), which its training uses. ``action`` is the
    sampler's entry point: one numpy observation in, one numpy action out, through a compiled
    function so that acting costs no retracing.

    ``has_log_prob`` says whether ``log_probs`` is a tractable density.
    """

    has_log_prob = False

    def __init__(self, observation_size, action_size, name, seed=None):
        self.observation_size = int(observation_size)
        self.action_size = int(action_size)
        self.name = name
        self.noise_generator = (tf.random.Generator.from_seed(seed) if seed is not None
                                else tf.random.Generator.from_non_deterministic_state())
        signature = [tf.TensorSpec([None, self.observation_size], tf.float32)]
        self._compiled_actions = tf.function(self.actions, input_signature=signature)
        self._compiled_deterministic_actions = tf.function(
            self.deterministic_actions, input_signature=signature)
        self._acting_graphs = {}

    def draw_noise(self, generator, batch_size):
        """The noise ``actions_from_noise`` expects: standard normal, [batch, action_size]."""
        return generator.normal((batch_size, self.action_size))

    def actions_from_noise(self, observations, noise):
        raise NotImplementedError

    def actions(self, observations, generator=None):
        generator = self.noise_generator if generator is None else generator
        noise = self.draw_noise(generator, tf.shape(observations)[0])
        return self.actions_from_noise(observations, noise)

    def deterministic_actions(self, observations):
        raise NotImplementedError

    def log_probs(self, observations, actions):
        raise NotImplementedError(f"{type(self).__name__} has no tractable log-probability")

    def action(self, observation, deterministic=False):
        observations = tf.constant(
            np.asarray(observation, np.float32).reshape(1, self.observation_size))
        return self._acting_graph(deterministic)(observations).numpy()[0]

    def _acting_graph(self, deterministic):
        """The traced graph itself: calling it directly skips tf.function's argument matching,
        a third of the cost of one action at HalfCheetah sizes."""
        if deterministic not in self._acting_graphs:
            function = (self._compiled_deterministic_actions if deterministic
                        else self._compiled_actions)
            self._acting_graphs[deterministic] = function.get_concrete_function()
        return self._acting_graphs[deterministic]

    @property
    def trainable_variables(self):
        return []

    def get_weights(self):
        return []

    def set_weights(self, weights):
        if weights:
            raise ValueError(f"{self.name} has no weights, got {len(weights)} arrays")

    def get_diagnostics(self, observations, generator):
        """Statistics on a batch; any noise comes from ``generator``, not the policy's own."""
        return {}
