from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import (
    HindsightExperienceReplayPool)
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.utils.variants import build_from_params

REPLAY_POOL_CLASSES = {"SimpleReplayPool": SimpleReplayPool,
                       "HindsightExperienceReplayPool": HindsightExperienceReplayPool}


def get_replay_pool_from_variant(variant, environment, seed=None):
    """The pool of ``variant['replay_pool_params']``; it stores every key of a dict
    observation (not only the observed ones: relabelling reads the others). A hindsight pool
    gets the environment's goal functions (``compute_reward``) from its unwrapped
    environment."""
    layout = getattr(environment, "observation_layout", None)
    params = variant["replay_pool_params"]
    goal = ({"goal_environment": environment.unwrapped}
            if params.get("class_name") == "HindsightExperienceReplayPool" else {})
    return build_from_params(
        params, REPLAY_POOL_CLASSES, "replay pool",
        observation_shape=(None if layout is not None else environment.observation_space.shape),
        observation_layout=layout,
        action_shape=environment.action_space.shape,
        action_dtype="int32" if environment.discrete_actions else "float32", seed=seed, **goal)
