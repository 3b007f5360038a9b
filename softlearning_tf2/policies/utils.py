from softlearning_tf2.policies.amortized_sampler import AmortizedSamplerPolicy
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.utils.variants import build_from_params

POLICY_CLASSES = {
    "AmortizedSamplerPolicy": AmortizedSamplerPolicy,
    "FeedforwardGaussianPolicy": FeedforwardGaussianPolicy,
    "ContinuousUniformPolicy": ContinuousUniformPolicy,
}


def get_policy_from_params(policy_params, environment, seed=None):
    return build_from_params(
        policy_params, POLICY_CLASSES, "policy",
        observation_size=environment.observation_space.shape[0],
        action_size=environment.action_space.shape[0], seed=seed)


def get_policy_from_variant(variant, environment, seed=None):
    return get_policy_from_params(variant["policy_params"], environment, seed)


def get_exploration_policy_from_variant(variant, environment, seed=None):
    return get_policy_from_params(variant["exploration_policy_params"], environment, seed)
