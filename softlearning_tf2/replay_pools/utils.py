from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.utils.variants import build_from_params

REPLAY_POOL_CLASSES = {"SimpleReplayPool": SimpleReplayPool}


def get_replay_pool_from_variant(variant, environment, seed=None):
    """The pool of ``variant['replay_pool_params']``; it stores every key of a dict
    observation (not only the observed ones: relabelling reads the others)."""
    layout = getattr(environment, "observation_layout", None)
    return build_from_params(
        variant["replay_pool_params"], REPLAY_POOL_CLASSES, "replay pool",
        observation_shape=(None if layout is not None else environment.observation_space.shape),
        observation_layout=layout,
        action_shape=environment.action_space.shape,
        action_dtype="int32" if environment.discrete_actions else "float32", seed=seed)
