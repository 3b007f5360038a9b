import numpy as np

from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.utils.variants import build_from_params

SAMPLER_CLASSES = {"SimpleSampler": SimpleSampler}


def get_sampler_from_variant(variant):
    return build_from_params(variant["sampler_params"], SAMPLER_CLASSES, "sampler")


def rollout(environment, policy, max_path_length, deterministic=True, render=False):
    """Runs one episode; returns a dict of per-step arrays plus 'return' and 'length'."""
    observation, _ = environment.reset()
    rewards, frames = [], []
    for _ in range(max_path_length):
        action = policy.action(observation, deterministic=deterministic)
        observation, reward, terminated, truncated, _ = environment.step(action)
        rewards.append(reward)
        if render:
            frames.append(environment.render())
        if terminated or truncated:
            break
    path = {"rewards": np.asarray(rewards, np.float32), "return": float(np.sum(rewards)),
            "length": len(rewards)}
    if render:
        path["frames"] = frames
    return path


def rollouts(environment, policy, num_paths, max_path_length, deterministic=True):
    return [rollout(environment, policy, max_path_length, deterministic)
            for _ in range(num_paths)]
