"""N environments stepped as one batch through one policy call (``gymnasium.vector``)."""
import functools

import gymnasium
import numpy as np

from softlearning_tf2.environments.observations import all_finite
from softlearning_tf2.samplers.episode_statistics import path_success

VECTORIZATION_MODES = ("sync", "async")


def _make_environment(environment_params, max_path_length):
    from softlearning_tf2.environments.utils import get_environment_from_params
    # A path also ends at max_path_length (truncation: the pool bootstraps through it).
    return gymnasium.wrappers.TimeLimit(get_environment_from_params(environment_params),
                                        max_episode_steps=max_path_length)


def _rows(tree, index):
    """Row ``index`` of an array, or of each array of a dict of arrays."""
    if isinstance(tree, dict):
        return {key: _rows(value, index) for key, value in tree.items()}
    return tree[index]


class EnvironmentBatch:
    """``num_envs`` copies of one environment in a ``gymnasium.vector`` environment: ``sync``
    steps them one after another in this process, ``async`` each in a process of its own.

    ``collect(act, num_rounds)`` steps every environment ``num_rounds`` times with
    ``act(observations) -> actions`` (one call per round for the whole batch) and returns the
    transitions in round-major order (round 0's environments 0..N-1, then round 1's, ...) with
    the paths that ended. Environment i is seeded with ``seed + i`` at the first reset; paths
    continue across calls; ``restart()`` starts new ones in every environment.
    """

    def __init__(self, environment_params, num_envs, max_path_length, mode="sync", seed=None):
        if mode not in VECTORIZATION_MODES:
            raise ValueError(f"unknown vectorization_mode {mode!r}; valid choices: "
                             f"{', '.join(VECTORIZATION_MODES)}")
        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"the number of environments must be an integer >= 1, "
                             f"got {num_envs!r}")
        factories = [functools.partial(_make_environment, environment_params, max_path_length)
                     ] * num_envs
        vector_class = (gymnasium.vector.SyncVectorEnv if mode == "sync"
                        else gymnasium.vector.AsyncVectorEnv)
        # Same-step autoreset: a finished path's last observation is in the step's info
        # ("final_obs") and the returned observation is already the next path's first.
        self.environments = vector_class(
            factories, autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP)
        self.num_envs = num_envs
        self._seed = seed
        self._observations = None
        self._returns = np.zeros(num_envs)
        self._lengths = np.zeros(num_envs, np.int64)

    def restart(self):
        self._observations = None

    def _reset(self):
        seed, self._seed = self._seed, None
        self._observations, _ = self.environments.reset(seed=seed)
        if seed is not None:
            self.environments.action_space.seed(seed)
        self._returns[:] = 0.0
        self._lengths[:] = 0
        if not all_finite(self._observations):
            raise FloatingPointError("an environment's reset returned a non-finite observation")

    def collect(self, act, num_rounds):
        """Returns (transitions: dict of arrays with ``num_rounds * num_envs`` rows,
        path ends: [(row, return, length, success)])."""
        if self._observations is None:
            self._reset()
        rows, ends = [], []
        for _ in range(num_rounds):
            observations = self._observations
            actions = np.asarray(act(observations))
            next_observations, rewards, terminated, truncated, infos = (
                self.environments.step(actions))
            done = np.logical_or(terminated, truncated)
            final_observations = next_observations
            if done.any():  # the transitions end in the final observations, not the resets
                final_observations = _with_final_observations(next_observations, infos, done)
            if not (all_finite(final_observations) and np.all(np.isfinite(rewards))):
                field = "reward" if all_finite(final_observations) else "observation"
                raise FloatingPointError(f"an environment returned a non-finite {field}")
            self._returns += rewards
            self._lengths += 1
            for index in range(self.num_envs):
                rows.append({"observations": _rows(observations, index),
                             "actions": actions[index],
                             "rewards": rewards[index],
                             "terminals": float(terminated[index]),
                             "next_observations": _rows(final_observations, index)})
                if done[index]:
                    ends.append((len(rows) - 1, float(self._returns[index]),
                                 int(self._lengths[index]),
                                 _final_success(infos, index)))
                    self._returns[index], self._lengths[index] = 0.0, 0
            self._observations = next_observations
        return rows, ends

    def close(self):
        self.environments.close()


def _with_final_observations(next_observations, infos, done):
    final = infos["final_obs"]
    if isinstance(next_observations, dict):
        return {key: np.stack([final[index][key] if done[index] else value[index]
                               for index in range(len(done))])
                for key, value in next_observations.items()}
    return np.stack([final[index] if done[index] else next_observations[index]
                     for index in range(len(done))])


def _final_success(infos, index):
    """The success of environment ``index``'s path that just ended (None where it reports
    none): same-step autoreset keeps the last step's info in ``final_info``."""
    source = infos.get("final_info", {})
    for key in ("is_success", "success"):
        if key in source and source.get(f"_{key}", np.ones(index + 1, bool))[index]:
            return path_success({key: source[key][index]})
    return None
