"""Steps one environment with a policy, one transition at a time, into a replay pool."""
import numpy as np

from softlearning_tf2.environments.observations import all_finite
from softlearning_tf2.samplers.episode_statistics import EpisodeStatistics, path_success


class SimpleSampler(EpisodeStatistics):
    """Collects transitions and keeps episode statistics.

    A path ends when the environment terminates, when it truncates (its own time limit), or
    when it reaches ``max_path_length`` steps. Only ``terminated`` is written to the pool as a
    terminal: both kinds of truncation bootstrap.

    Goal tasks: where the environment's step info has ``is_success`` (gymnasium-robotics'
    convention) or ``success`` (its mazes), the last step's value is the path's success, and
    the diagnostics report success rates beside returns.

    An environment that returns a NaN or infinite observation or reward stops sampling with a
    FloatingPointError naming the field and the step; with ``drop_nonfinite_transitions``
    such a transition is dropped instead (and counted), and the episode restarts.
    """

    def __init__(self, max_path_length, statistics_window=100,
                 drop_nonfinite_transitions=False):
        super().__init__(max_path_length, statistics_window)
        self.drop_nonfinite_transitions = bool(drop_nonfinite_transitions)
        self.environment = None
        self.policy = None
        self.pool = None
        self._seed = None
        self._current_observation = None
        self._path_length = 0
        self._path_return = 0.0
        self._last_success = None  # the current path's last step's success, where reported

    def initialize(self, environment, policy, pool, seed=None, variant=None):
        self.environment = environment
        self.policy = policy
        self.pool = pool
        self._seed = seed

    def _reset(self):
        # The first reset seeds the environment; later resets continue its random stream.
        seed, self._seed = self._seed, None
        observation, _ = self.environment.reset(seed=seed)
        if seed is not None:
            self.environment.action_space.seed(seed)
        if not all_finite(observation):
            raise FloatingPointError(f"the environment's reset returned a non-finite "
                                     f"observation (episode {self.episodes + 1})")
        return observation

    @property
    def path_in_progress(self):
        """Whether the next sample continues a path (False: it starts with a reset)."""
        return self._current_observation is not None

    def sample(self, policy=None, action=None):
        """Takes one environment step with ``policy`` (default: the sampler's policy), or
        with ``action`` where given (drawn beforehand for this path's current observation)."""
        policy = self.policy if policy is None else policy
        if self._current_observation is None:
            self._current_observation = self._reset()
            self._path_length, self._path_return = 0, 0.0
            self._last_success = None

        observation = self._current_observation
        if action is None:
            action = policy.action(observation)
        next_observation, reward, terminated, truncated, info = self.environment.step(action)
        if not (all_finite(next_observation) and np.isfinite(reward)):
            field = "reward" if all_finite(next_observation) else "observation"
            if not self.drop_nonfinite_transitions:
                raise FloatingPointError(
                    f"the environment returned a non-finite {field} at sample "
                    f"{self.total_samples + 1} (step {self._path_length + 1} of episode "
                    f"{self.episodes + 1}); set sampler_params.config."
                    f"drop_nonfinite_transitions=true to drop such transitions instead")
            self.nonfinite_transitions_dropped += 1
            self._current_observation = None  # restart the episode
            self.pool.end_episode()
            return next_observation, reward, terminated, truncated
        self.pool.add_sample({
            "observations": observation,
            "actions": action,
            "rewards": reward,
            "terminals": float(terminated),
            "next_observations": next_observation,
        })
        self._count_sample()
        self._path_length += 1
        self._path_return += reward
        self._last_success = path_success(info)

        if terminated or truncated or self._path_length >= self.max_path_length:
            self._finish_path()
        else:
            self._current_observation = next_observation
        return next_observation, reward, terminated, truncated

    def _finish_path(self):
        self._record_path(self._path_return, self._path_length, self._last_success)
        self._current_observation = None
        self.pool.end_episode()

    def _start_new_paths(self):
        self._current_observation = None
        self._seed = None
