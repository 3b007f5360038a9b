from softlearning_tf2.environments.utils import is_goal_environment, observation_kind
from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import (
    HindsightExperienceReplayPool)
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.utils.variants import build_from_params



def tensor_replay_pool(**config):
    """A ``TensorReplayPool``, imported on first use: TensorFlow stays out of the command
    line's process until the launcher has configured its logging."""
    from softlearning_tf2.replay_pools.tensor_replay_pool import TensorReplayPool

    return TensorReplayPool(**config)


REPLAY_POOL_CLASSES = {"SimpleReplayPool": SimpleReplayPool,
                       "TensorReplayPool": tensor_replay_pool,
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


def validate_replay_pool_params(variant):
    """Checks what the pool's builder would refuse inside a trial, before any trial starts:
    relabelling needs a goal task, and relabelling settings need the relabelling pool."""
    params = variant["replay_pool_params"]
    class_name = params["class_name"]
    if class_name not in REPLAY_POOL_CLASSES:
        raise ValueError(f"unknown replay pool class_name {class_name!r}; valid choices: "
                         f"{', '.join(sorted(REPLAY_POOL_CLASSES))}")
    environment = variant["environment_params"]["training"]
    name = f"{environment['domain']}-{environment['task']}"
    if class_name == "HindsightExperienceReplayPool" and not is_goal_environment(
            environment["universe"], environment["domain"], environment["task"]):
        raise ValueError(f"HindsightExperienceReplayPool relabels goals; {name} is not a goal "
                         f"task (dict observations with achieved_goal and desired_goal, and "
                         f"compute_reward)")
    if class_name == "TensorReplayPool" and (
            environment.get("pixels") or observation_kind(
                environment["universe"], environment["domain"], environment["task"]) != "flat"):
        raise ValueError(f"TensorReplayPool stores flat observations; {name} has dict or "
                         f"image observations: use SimpleReplayPool")
    relabelling = sorted(key for key in params["config"] if key.startswith("relabel_"))
    if class_name != "HindsightExperienceReplayPool" and relabelling:
        raise ValueError(f"{', '.join(relabelling)} belong to HindsightExperienceReplayPool, "
                         f"not {class_name}; to train without relabelling keep the pool and "
                         f"set replay_pool_params.config.relabel_probability=0")
