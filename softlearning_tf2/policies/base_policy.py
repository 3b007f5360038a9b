"""What the samplers and algorithms need from a policy."""
import numpy as np
import tensorflow as tf


class BasePolicy:
    """A stochastic policy over actions in [-1, 1]^d.

    Subclasses implement the batched TensorFlow methods ``actions`` and
    ``deterministic_actions``. ``action`` is the sampler's entry point: one numpy observation
    in, one numpy action out, through a compiled function so that acting costs no retracing.
    """

    def __init__(self, observation_size, action_size, name):
        self.observation_size = int(observation_size)
        self.action_size = int(action_size)
        self.name = name
        signature = [tf.TensorSpec([None, self.observation_size], tf.float32)]
        self._compiled_actions = tf.function(self.actions, input_signature=signature)
        self._compiled_deterministic_actions = tf.function(
            self.deterministic_actions, input_signature=signature)
        self._acting_graphs = {}

    def actions(self, observations):
        raise NotImplementedError

    def deterministic_actions(self, observations):
        raise NotImplementedError

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

    def get_diagnostics(self, observations):
        return {}
