from softlearning_tf2.policies.amortized_sampler import AmortizedSamplerPolicy
from softlearning_tf2.policies.categorical_policy import (
    BoltzmannPolicy, CategoricalPolicy, DiscreteUniformPolicy)
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.policies.gmm_policy import GMMPolicy
from softlearning_tf2.policies.mcmc_sampler_policy import MCMCSamplerPolicy
from softlearning_tf2.policies.real_nvp_policy import LatentSpacePolicy, RealNVPPolicy
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.models.utils import (
    get_observation_encoding_from_variant, get_observation_normalizer_from_variant,
    observation_input, uses_simba)
from softlearning_tf2.utils.variants import build_from_params

POLICY_CLASSES = {
    "AmortizedSamplerPolicy": AmortizedSamplerPolicy,
    "BoltzmannPolicy": BoltzmannPolicy,
    "CategoricalPolicy": CategoricalPolicy,
    "ContinuousUniformPolicy": ContinuousUniformPolicy,
    "DiscreteUniformPolicy": DiscreteUniformPolicy,
    "FeedforwardGaussianPolicy": FeedforwardGaussianPolicy,
    "GMMPolicy": GMMPolicy,
    "LatentSpacePolicy": LatentSpacePolicy,
    "MCMCSamplerPolicy": MCMCSamplerPolicy,
    "RealNVPPolicy": RealNVPPolicy,
}

# Policies whose weights are the Q functions' (they act on Q, they have no network of their own).
POLICIES_OF_Q_FUNCTIONS = ("BoltzmannPolicy", "MCMCSamplerPolicy")


def get_policy_from_params(policy_params, environment, seed=None, encoding=None,
                           **dependencies):
    return build_from_params(
        policy_params, POLICY_CLASSES, "policy",
        observation_size=observation_input(environment, encoding, "actor"),
        action_size=environment.action_size, seed=seed, **dependencies)


def get_policy_from_variant(variant, environment, seed=None, Q_functions=None, encoding=None,
                            normalizer=None):
    """The variant's policy. A policy of the Q functions takes ``Q_functions`` (the
    algorithm's), or builds its own from ``variant['Q_params']`` where none are given (acting
    from a checkpoint: the weights are loaded afterwards). On dict observations it reads them
    through ``encoding`` (the Q functions', where they share an encoder; built from the
    variant where none is given). A SimBa network reads them through ``normalizer`` (the Q
    functions' one; built from the variant where none is given)."""
    if encoding is None:
        encoding = get_observation_encoding_from_variant(variant, environment, seed)
    params = variant["policy_params"]
    dependencies = {}
    if uses_simba(params):
        dependencies["normalizer"] = (normalizer
                                      or get_observation_normalizer_from_variant(variant))
    if params.get("class_name") in POLICIES_OF_Q_FUNCTIONS:
        if Q_functions is None:
            from softlearning_tf2.value_functions.utils import get_Q_functions_from_variant
            Q_functions = get_Q_functions_from_variant(variant, environment, seed=seed,
                                                       encoding=encoding)
        dependencies["Q_functions"] = Q_functions
    return get_policy_from_params(params, environment, seed, encoding, **dependencies)


def get_exploration_policy_from_variant(variant, environment, seed=None, encoding=None):
    if encoding is None:
        encoding = get_observation_encoding_from_variant(variant, environment, seed)
    return get_policy_from_params(variant["exploration_policy_params"], environment, seed,
                                  encoding)
