"""Normalization layers with state: Batch Renormalization (CrossQ's critics and actor) and
the running observation normalization of SimBa networks.

Their statistics are Keras weights that do not train (``non_trainable_weights``): they are in
``get_weights`` (so in every checkpoint, through the checkpoint owner) and in an exported
SavedModel's variables, and a model rebuilt from the weights normalizes as the one trained.
"""
import keras
import numpy as np
import tensorflow as tf

from softlearning_tf2.models.defaults import BATCH_RENORM_DEFAULTS
from softlearning_tf2.utils.validation import check_hyperparameters


class BatchRenormalization(keras.layers.Layer):
    """Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1) over the last axis.

    In training mode (``training=True``), with the batch's mean mu_B and biased variance
    sigma_B^2 and the running mu and sigma^2 (sigma = sqrt(sigma^2 + epsilon), likewise
    sigma_B):

        r = clip(sigma_B / sigma, 1 / r_max, r_max),  d = clip((mu_B - mu) / sigma, -d_max, d_max)
        y = gamma * ((x - mu_B) / sigma_B * r + d) + beta

    with r and d held constant in the gradient (the paper's stop_gradient); then mu and sigma^2
    move towards mu_B and sigma_B^2 by ``1 - momentum``, and the step counter advances. (The
    paper's Algorithm 1 averages sigma itself; the variance is averaged here, as Keras's batch
    normalization, CrossQ's authors' code and SBX do.) For the
    first ``warmup_steps`` training calls r = 1 and d = 0: batch normalization. In inference
    mode y = gamma * (x - mu) / sigma + beta, and nothing changes.

    Weights: gamma and beta (trained), then the running mean, the running variance and the
    count of training calls (not trained).
    """

    def __init__(self, momentum=BATCH_RENORM_DEFAULTS["momentum"],
                 epsilon=BATCH_RENORM_DEFAULTS["epsilon"], r_max=BATCH_RENORM_DEFAULTS["r_max"],
                 d_max=BATCH_RENORM_DEFAULTS["d_max"],
                 warmup_steps=BATCH_RENORM_DEFAULTS["warmup_steps"], **kwargs):
        super().__init__(**kwargs)
        check_batch_renormalization(momentum=momentum, epsilon=epsilon, r_max=r_max,
                                    d_max=d_max, warmup_steps=warmup_steps)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.r_max = float(r_max)
        self.d_max = float(d_max)
        self.warmup_steps = int(warmup_steps)

    def build(self, input_shape):
        width = (int(input_shape[-1]),)
        self.gamma = self.add_weight(shape=width, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=width, initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=width, initializer="zeros", trainable=False,
                                           name="moving_mean")
        self.moving_variance = self.add_weight(shape=width, initializer="ones",
                                               trainable=False, name="moving_variance")
        self.steps = self.add_weight(shape=(), initializer="zeros", dtype="int64",
                                     trainable=False, name="steps")

    def call(self, inputs, training=False):
        moving_std = tf.sqrt(self.moving_variance + self.epsilon)
        if not training:
            return self.gamma * (inputs - self.moving_mean) / moving_std + self.beta
        mean, variance = tf.nn.moments(inputs, axes=[0])
        std = tf.sqrt(variance + self.epsilon)
        r = tf.stop_gradient(tf.clip_by_value(std / moving_std, 1.0 / self.r_max, self.r_max))
        d = tf.stop_gradient(tf.clip_by_value((mean - self.moving_mean) / moving_std,
                                              -self.d_max, self.d_max))
        warming_up = self.steps < self.warmup_steps
        r = tf.where(warming_up, tf.ones_like(r), r)
        d = tf.where(warming_up, tf.zeros_like(d), d)
        outputs = self.gamma * ((inputs - mean) / std * r + d) + self.beta
        # The running statistics move after this batch is normalized (r and d used the old).
        self.moving_mean.assign(self.momentum * self.moving_mean
                                + (1.0 - self.momentum) * tf.stop_gradient(mean))
        self.moving_variance.assign(self.momentum * self.moving_variance
                                    + (1.0 - self.momentum) * tf.stop_gradient(variance))
        self.steps.assign_add(tf.constant(1, tf.int64))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon,
                "r_max": self.r_max, "d_max": self.d_max, "warmup_steps": self.warmup_steps}


def check_batch_renormalization(momentum=None, epsilon=None, r_max=None, d_max=None,
                                warmup_steps=None):
    """ValueError naming the first bound out of range (r_max >= 1, d_max >= 0, ...)."""
    check_hyperparameters(batch_renorm_momentum=momentum, batch_renorm_r_max=r_max,
                          batch_renorm_d_max=d_max, batch_renorm_warmup_steps=warmup_steps)
    if epsilon is not None and not epsilon > 0.0:
        raise ValueError(f"batch renormalization's epsilon must be positive, got {epsilon!r}")


def batch_renormalization_layers(enabled, momentum=None, r_max=None, d_max=None,
                                 warmup_steps=None):
    """The layer settings a model builder takes (``feedforward_model``'s
    ``batch_renormalization``): None when off, else CrossQ's defaults with these replaced."""
    if not enabled:
        return None
    given = {"momentum": momentum, "r_max": r_max, "d_max": d_max,
             "warmup_steps": warmup_steps}
    settings = {**BATCH_RENORM_DEFAULTS,
                **{name: value for name, value in given.items() if value is not None}}
    check_batch_renormalization(**settings)
    return settings


class RunningObservationNormalization(keras.layers.Layer):
    """x -> (x - mu) / sqrt(sigma^2 + epsilon) with mu and sigma^2 the mean and (biased)
    variance of every observation the replay pool has received (SimBa's running-statistics
    normalization, Lee et al. 2024, arXiv:2410.09754).

    Calling the layer never changes it; ``update(observations)`` merges a batch into the
    moments (Chan, Golub & LeVeque's pairwise form of Welford's update), in float64. One
    layer is shared by every network of an algorithm, their target copies included, so all
    of them normalize alike; its moments are weights that do not train (in checkpoints and
    in the exported SavedModel, where they are frozen).
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        width = (int(input_shape[-1]),)
        self.mean = self.add_weight(shape=width, initializer="zeros", dtype="float64",
                                    trainable=False, name="mean")
        self.variance = self.add_weight(shape=width, initializer="ones", dtype="float64",
                                        trainable=False, name="variance")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int64",
                                     trainable=False, name="count")

    def call(self, inputs):
        scale = tf.cast(tf.math.rsqrt(self.variance + self.epsilon), inputs.dtype)
        return (inputs - tf.cast(self.mean, inputs.dtype)) * scale

    def update(self, observations):
        """Merges ``observations`` ([batch, width], or one row) into the running moments."""
        batch = np.asarray(observations, np.float64).reshape(-1, self.mean.shape[0])
        if not len(batch):
            return
        if not np.all(np.isfinite(batch)):
            raise ValueError("observation normalization received a non-finite observation")
        count = int(self.count.numpy())
        total = count + len(batch)
        batch_mean, batch_variance = batch.mean(axis=0), batch.var(axis=0)
        mean, variance = self.mean.numpy(), self.variance.numpy()
        if count == 0:
            mean, variance = batch_mean, batch_variance
        else:
            delta = batch_mean - mean
            mean = mean + delta * len(batch) / total
            variance = (variance * count + batch_variance * len(batch)
                        + delta ** 2 * count * len(batch) / total) / total
        self.mean.assign(mean)
        self.variance.assign(variance)
        self.count.assign(total)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
