from softlearning_tf2.models.utils import (
    get_observation_encoding_from_variant, get_observation_normalizer_from_variant,
    observation_input, uses_simba)
from softlearning_tf2.utils.variants import build_from_params
from softlearning_tf2.value_functions.vanilla import (
    discrete_Q_function, double_discrete_Q_function, double_feedforward_Q_function,
    feedforward_Q_ensemble, feedforward_Q_function, feedforward_V_function)


def single_feedforward_Q_function(**kwargs):
    """One Q function, as a one-element tuple like the double one's pair."""
    return (feedforward_Q_function(**kwargs),)


def single_discrete_Q_function(**kwargs):
    return (discrete_Q_function(**kwargs),)


# Every builder returns a tuple of Q models: SAC takes the minimum over them, REDQ over a
# random subset. Continuous actions: Q([observations, actions]) -> [batch, 1] (TQC's
# quantile critics: [batch, n_quantiles]); discrete actions: Q(observations) -> [batch,
# number of actions].
Q_FUNCTIONS = {
    "feedforward_Q_function": single_feedforward_Q_function,
    "double_feedforward_Q_function": double_feedforward_Q_function,
    "feedforward_Q_ensemble": feedforward_Q_ensemble,
    "discrete_Q_function": single_discrete_Q_function,
    "double_discrete_Q_function": double_discrete_Q_function,
}

V_FUNCTIONS = {"feedforward_V_function": feedforward_V_function}


def get_Q_functions_from_variant(variant, environment, seed=None, encoding=None,
                                 normalizer=None):
    """A tuple of Q models (one or two), per ``variant['Q_params']``. On dict observations
    they read them through ``encoding`` (built from the variant where none is given); SimBa
    networks through ``normalizer`` (likewise)."""
    if encoding is None:
        encoding = get_observation_encoding_from_variant(variant, environment, seed)
    shared = {}
    if uses_simba(variant["Q_params"]):
        shared["normalizer"] = normalizer or get_observation_normalizer_from_variant(variant)
    return build_from_params(
        variant["Q_params"], Q_FUNCTIONS, "Q function",
        observation_size=observation_input(environment, encoding, "critic"),
        action_size=environment.action_size, seed=seed, **shared)


def get_V_function_from_variant(variant, environment, seed=None, encoding=None):
    """SACV's V model; on dict observations with an encoder of its own."""
    if encoding is None:
        encoding = get_observation_encoding_from_variant(variant, environment, seed)
    return build_from_params(
        variant["V_params"], V_FUNCTIONS, "V function",
        observation_size=observation_input(environment, encoding, "value"), seed=seed)
