"""SAC's policy: a tanh-squashed diagonal Gaussian whose parameters come from an MLP."""
import tensorflow as tf

from softlearning_tf2.distributions.squashed_gaussian import (
    pre_squash_of, squashed_gaussian, squashed_gaussian_log_prob)
from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.models.normalization import batch_renormalization_layers
from softlearning_tf2.models.simba import (
    check_simba_inputs, shared_normalizer, simba_model, simba_settings)
from softlearning_tf2.utils.validation import check_hyperparameters
from softlearning_tf2.policies.base_policy import BasePolicy, batch_size_of


def batch_renorm_settings(config):
    """``batch_renorm_momentum=...`` and the like (a variant's flat names) -> the layer's."""
    unknown = sorted(name for name in config if not name.startswith("batch_renorm_"))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    return {name[len("batch_renorm_"):]: value for name, value in config.items()}


class FeedforwardGaussianPolicy(BasePolicy):
    """pi(a|s) = tanh_# N(shift(s), diag(scale(s)^2)), with [shift, log scale] = MLP(s).

    The Keras model ``shift_and_log_scale_model`` holds every weight; the action distribution
    is a TFP ``TransformedDistribution`` built around its output (``action_distribution``).
    Sampling is reparameterized, a = tanh(shift + scale * eps), with eps drawn from the
    policy's own ``tf.random.Generator`` (or one passed in), so that runs are reproducible and
    the noise state can be saved.

    ``batch_renormalization`` (CrossQ) puts ``BatchRenormalization`` before each layer of the
    network, with ``batch_renorm_momentum`` / ``_r_max`` / ``_d_max`` / ``_warmup_steps``
    replacing its defaults. ``network="simba"`` makes the network SimBa's (``models.simba``,
    the actor's 128 wide with 1 block unless ``simba_width`` / ``simba_blocks`` say
    otherwise), reading the observations through ``normalizer`` (the algorithm's shared one).
    """

    has_log_prob = True

    def __init__(self, observation_size, action_size, hidden_layer_sizes=(256, 256),
                 activation="relu", squash=True, log_scale_bounds=(-20.0, 2.0), seed=None,
                 name="gaussian_policy", batch_renormalization=False, network="mlp",
                 simba_width=None, simba_blocks=None, normalizer=None, **batch_renorm):
        self.squash = bool(squash)
        self.log_scale_bounds = tuple(float(bound) for bound in log_scale_bounds)
        check_hyperparameters(network=network, batch_renormalization=batch_renormalization)
        model_name = f"{name}_shift_and_log_scale"
        if network == "simba":
            check_simba_inputs(observation_size, {"batch_renormalization": batch_renormalization})
            width, blocks = simba_settings("actor", simba_width, simba_blocks)
            self.shift_and_log_scale_model = simba_model(
                [observation_size], 2 * int(action_size), width, blocks,
                shared_normalizer(network, normalizer), name=model_name, seed=seed)
        else:
            self.shift_and_log_scale_model = feedforward_model(
                [observation_size], 2 * int(action_size), hidden_layer_sizes, activation,
                name=model_name, seed=seed,
                batch_renormalization=batch_renormalization_layers(
                    batch_renormalization, **batch_renorm_settings(batch_renorm)))
        super().__init__(observation_size, action_size, name, seed=seed)

    def shift_and_scale(self, observations, training=False):
        """``training``: the Keras mode of the network (Batch Renormalization's statistics
        move only in the policy step's calls; acting, targets and exports use them)."""
        shift, log_scale = tf.split(
            self.shift_and_log_scale_model(observations, training=training), 2, axis=-1)
        log_scale = tf.clip_by_value(log_scale, *self.log_scale_bounds)
        return shift, tf.exp(log_scale)

    def action_distribution(self, observations):
        """The TFP distribution pi(.|s) for a batch of observations."""
        return squashed_gaussian(*self.shift_and_scale(observations), squash=self.squash)

    def _squash(self, pre_squash):
        return tf.tanh(pre_squash) if self.squash else pre_squash

    def actions_and_log_probs_from_noise(self, observations, noise, training=False):
        """Reparameterized actions and their log-probs, from the pre-squash sample."""
        shift, scale = self.shift_and_scale(observations, training=training)
        pre_squash = shift + scale * noise
        log_probs = squashed_gaussian_log_prob(shift, scale, pre_squash, self.squash)
        return self._squash(pre_squash), log_probs

    def actions_and_log_probs(self, observations, generator=None, training=False):
        generator = self.noise_generator if generator is None else generator
        noise = self.draw_noise(generator, batch_size_of(observations))
        return self.actions_and_log_probs_from_noise(observations, noise, training=training)

    def actions_from_noise(self, observations, noise):
        shift, scale = self.shift_and_scale(observations)
        return self._squash(shift + scale * noise)

    def log_probs(self, observations, actions):
        """log pi(a|s) of given actions; saturated actions are clipped to 1 - 1e-6 first."""
        shift, scale = self.shift_and_scale(observations)
        return squashed_gaussian_log_prob(shift, scale, pre_squash_of(actions, self.squash),
                                          self.squash)

    def deterministic_actions(self, observations):
        """The evaluation action: tanh of the Gaussian's mean."""
        shift, _ = self.shift_and_scale(observations)
        return self._squash(shift)

    @property
    def variables(self):
        """The network's weights, the normalization statistics (which do not train) too."""
        return self.shift_and_log_scale_model.weights

    def get_weights(self):
        return self.shift_and_log_scale_model.get_weights()

    def set_weights(self, weights):
        self.shift_and_log_scale_model.set_weights(weights)

    def get_diagnostics(self, observations, generator):
        shift, scale = self.shift_and_scale(observations)
        actions, log_probs = self.actions_and_log_probs(observations, generator)
        return {
            "shift-mean": float(tf.reduce_mean(shift)),
            "shift-std": float(tf.math.reduce_std(shift)),
            "scale-mean": float(tf.reduce_mean(scale)),
            "entropy-mean": float(-tf.reduce_mean(log_probs)),
            "actions-abs-mean": float(tf.reduce_mean(tf.abs(actions))),
        }
