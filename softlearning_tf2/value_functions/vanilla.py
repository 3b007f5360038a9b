"""Soft Q and V functions as Keras models."""
from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.models.normalization import batch_renormalization_layers
from softlearning_tf2.models.simba import (
    check_simba_inputs, shared_normalizer, simba_model, simba_settings)
from softlearning_tf2.utils.validation import check_ensemble, check_hyperparameters


def Q_network(observation_size, action_size, output_size, hidden_layer_sizes, activation,
              name, seed, network="mlp", simba_width=None, simba_blocks=None, normalizer=None,
              **mlp_options):
    """One Q model called as ``Q([observations, actions])``: ``feedforward_model``'s MLP
    (with ``mlp_options``: dropout, layer or batch renormalization), or with ``network=
    "simba"`` a SimBa network (``models.simba``; ``simba_width`` / ``simba_blocks`` replace
    SimBa's critic defaults, ``hidden_layer_sizes`` is then unused) reading the observations
    through ``normalizer``."""
    check_hyperparameters(network=network)
    if network == "mlp":
        return feedforward_model([observation_size, action_size], output_size,
                                 hidden_layer_sizes, activation, name=name, seed=seed,
                                 **mlp_options)
    check_simba_inputs(observation_size, mlp_options)
    width, blocks = simba_settings("critic", simba_width, simba_blocks)
    return simba_model([observation_size, action_size], output_size, width, blocks,
                       shared_normalizer(network, normalizer), name=name, seed=seed)


def twin_models(build, observation_size, action_size, hidden_layer_sizes, activation, name,
                seed, **network):
    """Two models of ``build``, named ``{name}_0`` / ``{name}_1``, seeded 1000 apart."""
    return tuple(build(observation_size, action_size, hidden_layer_sizes, activation,
                       name=f"{name}_{index}", seed=None if seed is None else seed + 1000 * index,
                       **network)
                 for index in range(2))


def feedforward_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                           activation="relu", name="Q", seed=None, **network):
    """Q(s, a): an MLP (or a SimBa network: ``Q_network``'s ``network`` options) called as
    ``Q([observations, actions])``, output shape [batch, 1]."""
    return Q_network(observation_size, int(action_size), 1, hidden_layer_sizes, activation,
                     name, seed, **network)


def double_feedforward_Q_function(observation_size, action_size, hidden_layer_sizes=(256, 256),
                                  activation="relu", name="Q", seed=None, network="mlp",
                                  normalizer=None, **simba):
    """Two independently initialized Q functions (clipped double-Q, arXiv:1812.05905 Sec. 5)."""
    return twin_models(feedforward_Q_function, observation_size, action_size,
                       hidden_layer_sizes, activation, name, seed, network=network,
                       normalizer=shared_normalizer(network, normalizer), **simba)


def feedforward_Q_ensemble(observation_size, action_size, n_critics=2, n_quantiles=1,
                           hidden_layer_sizes=(256, 256), activation="relu", dropout_rate=0.0,
                           layer_normalization=False, batch_renormalization=False,
                           batch_renorm_momentum=None, batch_renorm_r_max=None,
                           batch_renorm_d_max=None, batch_renorm_warmup_steps=None, name="Q",
                           seed=None, network="mlp", simba_width=None, simba_blocks=None,
                           normalizer=None):
    """``n_critics`` independently initialized Q functions (seeded 1000 apart), each called as
    ``Q([observations, actions])`` with output shape [batch, n_quantiles]: one Q value
    (``n_quantiles=1``: SAC's twins, REDQ's ensemble) or the quantiles of the return's
    distribution (TQC, arXiv:2005.04269). ``dropout_rate`` and ``layer_normalization``
    act after each hidden layer's weights (DroQ, arXiv:2110.02034); ``batch_renormalization``
    puts Batch Renormalization before every layer of weights (CrossQ, arXiv:1902.05605), with
    the ``batch_renorm_*`` settings replacing CrossQ's defaults (``models.normalization``)."""
    check_ensemble(n_critics=n_critics, n_quantiles=n_quantiles, dropout_rate=dropout_rate)
    check_hyperparameters(layer_normalization=layer_normalization,
                          batch_renormalization=batch_renormalization)
    renormalization = batch_renormalization_layers(
        batch_renormalization, momentum=batch_renorm_momentum, r_max=batch_renorm_r_max,
        d_max=batch_renorm_d_max, warmup_steps=batch_renorm_warmup_steps)
    normalizer = shared_normalizer(network, normalizer)
    return tuple(
        Q_network(observation_size, action_size, int(n_quantiles), hidden_layer_sizes,
                  activation, f"{name}_{index}", None if seed is None else seed + 1000 * index,
                  network=network, simba_width=simba_width, simba_blocks=simba_blocks,
                  normalizer=normalizer, dropout_rate=float(dropout_rate),
                  layer_normalization=bool(layer_normalization),
                  batch_renormalization=renormalization)
        for index in range(int(n_critics)))


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
