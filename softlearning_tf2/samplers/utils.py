"""Builds the sampler from a variant, and the one episode loop everything else uses."""
import numpy as np

from softlearning_tf2.samplers.remote_sampler import RemoteSampler
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.samplers.vector_sampler import VectorSampler
from softlearning_tf2.utils.variants import build_from_params

SAMPLER_CLASSES = {"SimpleSampler": SimpleSampler, "VectorSampler": VectorSampler,
                   "RemoteSampler": RemoteSampler}


def get_sampler_from_variant(variant):
    return build_from_params(variant["sampler_params"], SAMPLER_CLASSES, "sampler")


def rollout(environment, act, max_path_length, *, reset_seed=None):
    """Runs one episode with ``act(observation) -> action`` for ``environment.step``.

    Returns a dict: ``actions`` and ``rewards`` (one per step), ``infos`` (the reset's info
    first, then one per step), ``return`` (summed in float64), ``length`` and ``terminated``.
    """
    observation, info = environment.reset(seed=reset_seed)
    actions, rewards, infos = [], [], [info]
    terminated = False
    for _ in range(max_path_length):
        action = act(observation)
        observation, reward, terminated, truncated, info = environment.step(action)
        actions.append(action)
        rewards.append(float(reward))
        infos.append(info)
        if terminated or truncated:
            break
    return {"actions": actions, "rewards": np.asarray(rewards, np.float64),
            "infos": infos, "return": float(np.sum(rewards)), "length": len(rewards),
            "terminated": bool(terminated)}


def evaluation_rollouts(environment, policy, num_paths, max_path_length, deterministic=True):
    """``num_paths`` episodes of ``policy`` (on actions in [-1, 1]) on ``environment``."""
    def act(observation):
        return policy.action(observation, deterministic=deterministic)
    return [rollout(environment, act, max_path_length) for _ in range(num_paths)]
