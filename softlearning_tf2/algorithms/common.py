"""Pieces that SAC, SACV and SQL share: Adam, target networks and the soft Q regression step."""
import keras
import tensorflow as tf


class Adam(keras.optimizers.Adam):
    """Keras's Adam, with each variable's step done by TensorFlow's fused ``ApplyAdam`` kernel.

    The same rule as ``keras.optimizers.Adam`` (Kingma & Ba 2015, Algorithm 1 with the bias
    correction folded into the step size, epsilon outside the square root), the same slot
    variables and checkpoints, in one operation per variable instead of about a dozen: the
    SAC update's graph shrinks by a third.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        local_step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), local_step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), local_step),
            lr=tf.cast(learning_rate, dtype), beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype), epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype))


def polyak_update(source_variables, target_variables, tau):
    """target <- tau * source + (1 - tau) * target, variable by variable (tau = 1: a copy)."""
    for source, target in zip(source_variables, target_variables):
        target.assign(tau * source + (1.0 - tau) * target)


def update_target_models(models, target_models, tau):
    """Polyak-averages each target model towards its model (every trainable variable)."""
    for model, target_model in zip(models, target_models):
        polyak_update(model.trainable_variables, target_model.trainable_variables, tau)


def clone_as_target(model):
    """A new Keras model of the same architecture, starting from ``model``'s weights."""
    target = keras.models.clone_model(model)
    target.set_weights(model.get_weights())
    return target


def Q_regression_step(Qs, optimizers, observations, actions, Q_target):
    """One Adam step per Q function on 0.5 * mean((Q_i(s, a) - Q_target)^2).

    Returns the Q values and the losses, one of each per Q function.
    """
    Q_variables = [Q.trainable_variables for Q in Qs]
    with tf.GradientTape() as tape:
        Q_values = [Q([observations, actions])[:, 0] for Q in Qs]
        Q_losses = [0.5 * tf.reduce_mean(tf.square(Q_value - Q_target)) for Q_value in Q_values]
        total_Q_loss = tf.add_n(Q_losses)  # the Qs share no weights: gradients stay separate
    gradients = tape.gradient(total_Q_loss, Q_variables)
    for optimizer, Q_gradients, variables in zip(optimizers, gradients, Q_variables):
        optimizer.apply_gradients(zip(Q_gradients, variables))
    return Q_values, Q_losses
