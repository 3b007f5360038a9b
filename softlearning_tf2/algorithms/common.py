"""Pieces that SAC, SACV and SQL share: target networks and the soft Q regression step."""
import keras
import tensorflow as tf


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
