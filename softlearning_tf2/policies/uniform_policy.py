"""Uniformly random actions: SAC's warm-up policy."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.policies.base_policy import BasePolicy, batch_size_of


class ContinuousUniformPolicy(BasePolicy):
    """Actions ~ U([-1, 1]^d), independent of the observation.

    ``log_probs`` is the exact density -d log 2. The deterministic action is the box's centre.
    Acting draws from a seeded numpy generator, so warm-up data are reproducible.
    """

    has_log_prob = True

    def __init__(self, observation_size, action_size, seed=None, name="uniform_policy"):
        super().__init__(observation_size, action_size, name, seed=seed)
        self._rng = np.random.default_rng(seed)

    def draw_noise(self, generator, batch_size):
        return generator.uniform((batch_size, self.action_size), -1.0, 1.0)

    def actions_from_noise(self, observations, noise):
        del observations
        return noise

    def deterministic_actions(self, observations):
        return tf.zeros((batch_size_of(observations), self.action_size))

    def log_probs(self, observations, actions):
        del observations
        return tf.fill(tf.shape(actions)[:1], -self.action_size * float(np.log(2.0)))

    def action(self, observation, deterministic=False):
        if deterministic:
            return np.zeros(self.action_size, np.float32)
        return self._rng.uniform(-1.0, 1.0, self.action_size).astype(np.float32)

    def batch_actions(self, observations, deterministic=False):
        count = len(tf.nest.flatten(observations)[0])
        if deterministic:
            return np.zeros((count, self.action_size), np.float32)
        return self._rng.uniform(-1.0, 1.0, (count, self.action_size)).astype(np.float32)

    def state_dict(self):
        return {"rng_state": self._rng.bit_generator.state}

    def load_state_dict(self, state):
        self._rng.bit_generator.state = state["rng_state"]
