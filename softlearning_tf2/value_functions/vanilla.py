"""Soft Q and V functions as Keras models."""
from softlearning_tf2.models.feedforward import feedforward_model


def twin_models(build, observation_size, action_size, hidden_layer_sizes, activation, name,
                seed):
    """Two models of ``build``, named ``{name}_0`` / ``{name}_1``, seeded 1000 apart."""
    return tuple(build(observation_size, action_size, hidden_layer_sizes, activation,
                       name=f"{name}_{index}", seed=None if seed is None else seed + 1000 * index)
                 for index in range(2))


def feedforward_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                           activation="relu", name="Q", seed=None):
    """Q(s, a): an MLP called as ``Q([observations, actions])``, output shape [batch, 1]."""
    return feedforward_model([observation_size, action_size], 1, hidden_layer_sizes,
                             activation, name=name, seed=seed)


def double_feedforward_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                                  activation="relu", name="Q", seed=None):
    """Two independently initialized Q functions (clipped double-Q, arXiv:1812.05905 Sec. 5)."""
    return twin_models(feedforward_Q_function, observation_size, action_size,
                       hidden_layer_sizes, activation, name, seed)


def feedforward_V_function(observation_size, hidden_layer_sizes=(256, 256), activation="relu",
                           name="V", seed=None):
    """V(s): an MLP called as ``V(observations)``, output shape [batch, 1]."""
    return feedforward_model([observation_size], 1, hidden_layer_sizes, activation, name=name,
                             seed=seed)


def discrete_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                        activation="relu", name="Q", seed=None):
    """Q(s, .) over ``action_size`` discrete actions: an MLP called as ``Q(observations)``,
    output shape [batch, action_size], one soft Q value per action."""
    return feedforward_model([observation_size], action_size, hidden_layer_sizes, activation,
                             name=name, seed=seed)


def double_discrete_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                               activation="relu", name="Q", seed=None):
    """Two independently initialized discrete Q functions (clipped double-Q)."""
    return twin_models(discrete_Q_function, observation_size, action_size, hidden_layer_sizes,
                       activation, name, seed)
