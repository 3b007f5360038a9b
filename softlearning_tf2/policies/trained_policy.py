"""A trained policy for acting, from a checkpoint or from an exported SavedModel.

``PolicySource(path)`` reads PATH once (a checkpoint through ``Checkpoint.read``, an export
through its metadata); its ``actor(...)`` is an ``Actor``: a function from one observation to
one action in the environment's own bounds, with the environment it acts in. Every problem
with PATH is a ``CheckpointError`` with a one-line message.
"""
import json
import os

import numpy as np

from softlearning_tf2.checkpoints import Checkpoint, CheckpointError, is_exported_policy, locate
from softlearning_tf2.utils.cli import one_line

EXPORT_METADATA_FILE = "softlearning_policy.json"


def make_environment(environment_params):
    """The ``GymnasiumAdapter`` of ``environment_params``; CheckpointError if it can't be made."""
    from softlearning_tf2.environments.utils import get_environment_from_params

    name = f"{environment_params['domain']}-{environment_params['task']}"
    try:
        return get_environment_from_params(environment_params)
    except Exception as error:  # unknown id, a missing simulator, bad kwargs
        raise CheckpointError(f"cannot make the environment {name}: {one_line(error)}") from None


def load_policy(checkpoint, environment, seed=None):
    """The in-package policy of ``checkpoint`` with its trained weights."""
    from softlearning_tf2.policies.utils import get_policy_from_variant

    try:
        policy = get_policy_from_variant(checkpoint.variant, environment, seed=seed)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"cannot build the checkpoint's policy: {one_line(error)}") from None
    weights = checkpoint.policy_weights  # CheckpointError where the arrays lack them
    try:
        policy.set_weights(weights)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"the policy weights of {checkpoint.path or 'the experiment'} do "
                              f"not fit the variant's policy: {one_line(error)}") from None
    return policy


def read_export_metadata(export_dir):
    """The JSON description inside an export; CheckpointError if it is missing or damaged."""
    path = os.path.join(export_dir, "assets", EXPORT_METADATA_FILE)
    if not os.path.isfile(path):
        raise CheckpointError(f"{export_dir} is a SavedModel without assets/"
                              f"{EXPORT_METADATA_FILE}: not a policy written by export_policy")
    try:
        with open(path) as file:
            metadata = json.load(file)
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path} is truncated or corrupt ({one_line(error)})") from None
    if not isinstance(metadata, dict) or "environment_params" not in metadata:
        raise CheckpointError(f"{path} lacks environment_params")
    return metadata


class Actor:
    """Maps one observation to one action in the environment's own bounds.

    ``environment`` is the adapter (its ``raw`` environment takes these actions).
    """

    def __init__(self, act, environment, description):
        self.act = act
        self.environment = environment
        self.description = description

    def __call__(self, observation):
        return self.act(observation)


def checkpoint_actor(checkpoint, deterministic, seed=None):
    """An actor from a ``Checkpoint``: the in-package policy, its noise seeded with ``seed``."""
    environment = make_environment(checkpoint.environment_params)
    policy = load_policy(checkpoint, environment, seed=seed)
    dtype = environment.raw.action_space.dtype

    def act(observation):
        action = policy.action(observation, deterministic=deterministic)
        return environment.to_environment_actions(action).astype(dtype)

    return Actor(act, environment,
                 f"{checkpoint.algorithm} checkpoint at timestep {checkpoint.timestep}")


def export_actor(path, metadata, deterministic, seed=None):
    """An actor from an exported SavedModel, run with plain TensorFlow."""
    import tensorflow as tf

    environment = make_environment(metadata["environment_params"])
    try:
        loaded = tf.saved_model.load(path)
    except Exception as error:  # a damaged saved_model.pb or variables/
        raise CheckpointError(f"cannot load the SavedModel in {path}: "
                              f"{type(error).__name__}: {one_line(error)}") from None
    function = loaded.signatures["serving_default" if deterministic else "sample"]
    if seed is not None:
        tf.random.set_seed(seed)
        if hasattr(loaded, "seed_noise"):
            loaded.seed_noise(tf.constant(seed, tf.int64))
    dtype = environment.raw.action_space.dtype
    layout = metadata.get("observation_layout")
    keys = metadata.get("observation_keys") or (sorted(layout) if layout else None)

    def act(observation):
        if layout is None:
            inputs = {"observations": tf.constant(
                np.asarray(observation, np.float32).reshape(1, -1))}
        else:  # one named input per observed key, in its own dtype
            inputs = {key: tf.constant(np.asarray(observation[key], layout[key]["dtype"])
                                       .reshape(1, *layout[key]["shape"])) for key in keys}
        return function(**inputs)["actions"].numpy()[0].astype(dtype)

    return Actor(act, environment, f"exported {metadata.get('algorithm')} policy (timestep "
                 f"{metadata.get('training_timestep')})")


class PolicySource:
    """PATH, read and checked before TensorFlow is needed: a checkpoint or an export."""

    def __init__(self, path):
        if os.path.isdir(path) and is_exported_policy(path):
            self.kind = "export"
            self.metadata = read_export_metadata(path)
            self.environment_params = self.metadata["environment_params"]
        else:
            try:
                locate(path)
            except CheckpointError as error:
                raise CheckpointError(f"{error} (simulate_policy takes a checkpoint or an "
                                      f"exported policy)") from None
            self.kind = "checkpoint"
            self.checkpoint = Checkpoint.read(path, for_acting=True)
            self.environment_params = self.checkpoint.environment_params
        self.path = path

    def actor(self, deterministic, seed=None):
        if self.kind == "export":
            return export_actor(self.path, self.metadata, deterministic, seed)
        return checkpoint_actor(self.checkpoint, deterministic, seed)
