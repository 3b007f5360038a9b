"""Steps one environment with a policy, one transition at a time, into a replay pool."""
import collections

import numpy as np

from softlearning_tf2.environments.observations import all_finite


class SimpleSampler:
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
        if int(max_path_length) <= 0:
            raise ValueError(f"max_path_length must be positive, got {max_path_length}")
        self.max_path_length = int(max_path_length)
        self.drop_nonfinite_transitions = bool(drop_nonfinite_transitions)
        self.nonfinite_transitions_dropped = 0
        self.environment = None
        self.policy = None
        self.pool = None
        self._seed = None
        self._current_observation = None
        self._path_length = 0
        self._path_return = 0.0
        self.total_samples = 0
        self.episodes = 0
        self.last_path_return = None
        self.last_path_length = None
        self._recent_returns = collections.deque(maxlen=statistics_window)
        self._recent_lengths = collections.deque(maxlen=statistics_window)
        self._new_path_returns = []  # paths finished since the last get_diagnostics
        self._last_success = None  # the current path's last step's success, where reported
        self._recent_successes = collections.deque(maxlen=statistics_window)
        self._new_path_successes = []

    def initialize(self, environment, policy, pool, seed=None):
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
        self.total_samples += 1
        self._path_length += 1
        self._path_return += reward
        self._last_success = path_success(info)

        if terminated or truncated or self._path_length >= self.max_path_length:
            self._finish_path()
        else:
            self._current_observation = next_observation
        return next_observation, reward, terminated, truncated

    def _finish_path(self):
        self.episodes += 1
        self.last_path_return = self._path_return
        self.last_path_length = self._path_length
        self._recent_returns.append(self._path_return)
        self._recent_lengths.append(self._path_length)
        self._new_path_returns.append(self._path_return)
        if self._last_success is not None:
            self._recent_successes.append(self._last_success)
            self._new_path_successes.append(self._last_success)
        self._current_observation = None
        self.pool.end_episode()

    def get_diagnostics(self):
        """Training-episode statistics; returns of paths finished since the previous call."""
        new_returns = self._new_path_returns or (
            [self.last_path_return] if self.last_path_return is not None else [np.nan])
        self._new_path_returns = []
        successes = {}
        if self._recent_successes:
            successes = {
                "success-rate": float(np.mean(self._new_path_successes))
                if self._new_path_successes else float("nan"),
                "success-rate-recent": float(np.mean(self._recent_successes))}
        self._new_path_successes = []
        return {**successes,
            "episode-reward-mean": float(np.mean(new_returns)),
            "episode-reward-min": float(np.min(new_returns)),
            "episode-reward-max": float(np.max(new_returns)),
            "episode-reward-mean-recent": float(np.mean(self._recent_returns))
            if self._recent_returns else float("nan"),
            "episode-length-mean-recent": float(np.mean(self._recent_lengths))
            if self._recent_lengths else float("nan"),
            "last-path-return": float("nan") if self.last_path_return is None
            else float(self.last_path_return),
            "episodes": self.episodes,
            "total-samples": self.total_samples,
            "nonfinite-transitions-dropped": self.nonfinite_transitions_dropped,
        }

    def state_dict(self):
        """Counters and statistics. A checkpoint does not keep a path in progress: after a
        restore the next sample starts a new episode."""
        return {
            "total_samples": self.total_samples,
            "episodes": self.episodes,
            "last_path_return": self.last_path_return,
            "last_path_length": self.last_path_length,
            "recent_returns": list(self._recent_returns),
            "recent_lengths": list(self._recent_lengths),
            "nonfinite_transitions_dropped": self.nonfinite_transitions_dropped,
            "recent_successes": list(self._recent_successes),
        }

    def load_state_dict(self, state):
        self.total_samples = int(state["total_samples"])
        self.episodes = int(state["episodes"])
        self.last_path_return = state["last_path_return"]
        self.last_path_length = state["last_path_length"]
        self._recent_returns.clear()
        self._recent_returns.extend(state["recent_returns"])
        self._recent_lengths.clear()
        self._recent_lengths.extend(state["recent_lengths"])
        self.nonfinite_transitions_dropped = int(state["nonfinite_transitions_dropped"])
        self._recent_successes.clear()
        self._recent_successes.extend(state.get("recent_successes", []))
        self._new_path_successes = []
        self._current_observation = None
        self._seed = None


def path_success(info):
    """A step's success as 0.0 / 1.0 from its info (``is_success`` or ``success``), or None
    where the environment reports none."""
    for key in ("is_success", "success"):
        if key in info:
            return float(bool(info[key]))
    return None
