"""Policies over a finite set of actions: categorical distributions given by logits.

``DiscretePolicy`` turns ``logits(observations)`` into everything the samplers, the discrete
algorithms and the export need. Two ways to get the logits:

* ``CategoricalPolicy``: an MLP of its own (discrete SAC's actor, arXiv:1910.07207);
* ``BoltzmannPolicy``: pi(a|s) = exp((Q(s, a) - V(s)) / alpha) with V the soft maximum, i.e.
  logits Q(s, .) / alpha (discrete soft Q-learning; arXiv:1702.08165 Eq. 6 on a finite action
  set). It has no weights of its own: its weights are the Q functions'.
"""
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.policies.base_policy import (
    ActsOnQFunctions, BasePolicy, batch_size_of)

# Uniform noise is drawn in [TINY, 1) so that the Gumbel transform -log(-log u) stays finite.
TINY = float(np.finfo(np.float32).tiny)


class DiscretePolicy(BasePolicy):
    """A categorical policy over action indices 0..action_size-1 (``action_size`` = |A|).

    Sampling is the Gumbel-max trick: a = argmax_a (logits_a + g_a), g_a = -log(-log u_a),
    u ~ U(0, 1) drawn by ``draw_noise``; it draws exactly from softmax(logits) and keeps every
    policy a map of noise (so the exported ``sample`` signature draws its own noise). The
    deterministic (evaluation) action is the most probable one. Actions are int32.

    ``probabilities`` and ``log_probabilities`` ([batch, |A|]) are what the discrete algorithms
    use: every expectation over actions in their losses is a sum weighted by these, with no
    sampled actions.
    """

    has_log_prob = True
    discrete = True

    def logits(self, observations):
        raise NotImplementedError

    def action_distribution(self, observations):
        """The TFP ``Categorical`` pi(.|s) for a batch of observations."""
        return tfp.distributions.Categorical(logits=self.logits(observations), dtype=tf.int32)

    def log_probabilities(self, observations):
        """log pi(.|s), [batch, |A|]."""
        return tf.nn.log_softmax(self.logits(observations), axis=-1)

    def probabilities_and_log_probabilities(self, observations):
        log_probabilities = self.log_probabilities(observations)
        return tf.exp(log_probabilities), log_probabilities

    def probabilities(self, observations):
        return tf.nn.softmax(self.logits(observations), axis=-1)

    def draw_noise(self, generator, batch_size):
        """Uniform noise in [TINY, 1), [batch, |A|]: the Gumbel-max sample's randomness."""
        return generator.uniform((batch_size, self.action_size), TINY, 1.0)

    def actions_from_noise(self, observations, noise):
        gumbel = -tf.math.log(-tf.math.log(noise))
        return tf.argmax(self.logits(observations) + gumbel, axis=-1, output_type=tf.int32)

    def deterministic_actions(self, observations):
        return tf.argmax(self.logits(observations), axis=-1, output_type=tf.int32)

    def log_probs(self, observations, actions):
        """log pi(a|s) of int32 action indices, [batch]."""
        return tf.gather(self.log_probabilities(observations), tf.cast(actions, tf.int32),
                         axis=1, batch_dims=1)

    def get_diagnostics(self, observations, generator):
        del generator  # every statistic here is exact, no sampling
        probabilities, log_probabilities = self.probabilities_and_log_probabilities(
            observations)
        entropy = -tf.reduce_sum(probabilities * log_probabilities, axis=-1)
        return {
            "entropy-mean": float(tf.reduce_mean(entropy)),
            "entropy-fraction-of-max": float(tf.reduce_mean(entropy) / np.log(self.action_size)),
            "greedy-probability-mean": float(tf.reduce_mean(tf.reduce_max(probabilities, -1))),
        }


class CategoricalPolicy(DiscretePolicy):
    """pi(.|s) = softmax(MLP(s)): discrete SAC's actor."""

    def __init__(self, observation_size, action_size, hidden_layer_sizes=(256, 256),
                 activation="relu", seed=None, name="categorical_policy"):
        self.logits_model = feedforward_model([observation_size], int(action_size),
                                              hidden_layer_sizes, activation,
                                              name=f"{name}_logits", seed=seed)
        super().__init__(observation_size, action_size, name, seed=seed)

    def logits(self, observations):
        return self.logits_model(observations)

    @property
    def variables(self):
        return self.logits_model.trainable_variables

    def get_weights(self):
        return self.logits_model.get_weights()

    def set_weights(self, weights):
        self.logits_model.set_weights(weights)


class BoltzmannPolicy(ActsOnQFunctions, DiscretePolicy):
    """pi(a|s) proportional to exp(min_i Q_i(s, a) / temperature), for discrete soft Q-learning.

    ``Q_functions``: the algorithm's Q models (``Q(observations) -> [batch, |A|]``); with two,
    the policy uses their minimum, as the algorithm's soft value does. The temperature is 1 by
    default, as in soft Q-learning, where the reward scale sets the balance between reward and
    entropy. The policy's weights (``get_weights``) are those of the Q functions, in order.
    """

    def __init__(self, observation_size, action_size, Q_functions, temperature=1.0, seed=None,
                 name="boltzmann_policy"):
        if not float(temperature) > 0.0:
            raise ValueError(f"temperature must be positive, got {temperature!r}")
        self.Q_functions = tuple(Q_functions)
        self.temperature = float(temperature)
        super().__init__(observation_size, action_size, name, seed=seed)

    def logits(self, observations):
        Q_values = tf.reduce_min([Q(observations) for Q in self.Q_functions], axis=0)
        return Q_values / self.temperature



class DiscreteUniformPolicy(BasePolicy):
    """Every action index equally likely: the warm-up policy on Discrete action spaces.

    Acting draws from a seeded numpy generator, so warm-up data are reproducible.
    """

    has_log_prob = True
    discrete = True

    def __init__(self, observation_size, action_size, seed=None, name="discrete_uniform_policy"):
        super().__init__(observation_size, action_size, name, seed=seed)
        self._rng = np.random.default_rng(seed)

    def draw_noise(self, generator, batch_size):
        return generator.uniform((batch_size, self.action_size), TINY, 1.0)

    def actions_from_noise(self, observations, noise):
        del observations
        return tf.argmax(noise, axis=-1, output_type=tf.int32)

    def deterministic_actions(self, observations):
        return tf.zeros([batch_size_of(observations)], tf.int32)

    def log_probs(self, observations, actions):
        del observations
        return tf.fill(tf.shape(actions)[:1], -float(np.log(self.action_size)))

    def action(self, observation, deterministic=False):
        if deterministic:
            return np.int32(0)
        return np.int32(self._rng.integers(self.action_size))

    def batch_actions(self, observations, deterministic=False):
        count = len(tf.nest.flatten(observations)[0])
        if deterministic:
            return np.zeros(count, np.int32)
        return self._rng.integers(self.action_size, size=count).astype(np.int32)

    def state_dict(self):
        return {"rng_state": self._rng.bit_generator.state}

    def load_state_dict(self, state):
        self._rng.bit_generator.state = state["rng_state"]
