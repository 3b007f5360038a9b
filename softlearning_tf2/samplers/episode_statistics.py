"""What every sampler reports and checkpoints about its training episodes."""
import collections

import numpy as np


class EpisodeStatistics:
    """Counters and recent-episode statistics shared by the samplers.

    A sampler calls ``_count_sample()`` for each transition it adds to the pool and
    ``_record_path(return, length, success)`` for each path that ends; ``get_diagnostics`` and
    ``state_dict`` / ``load_state_dict`` are the same for all samplers (a checkpoint does not
    keep paths in progress: after a restore every environment starts a new episode).
    """

    def __init__(self, max_path_length, statistics_window=100):
        if int(max_path_length) <= 0:
            raise ValueError(f"max_path_length must be positive, got {max_path_length}")
        self.max_path_length = int(max_path_length)
        self.nonfinite_transitions_dropped = 0
        self.total_samples = 0
        self.episodes = 0
        self.last_path_return = None
        self.last_path_length = None
        self._recent_returns = collections.deque(maxlen=statistics_window)
        self._recent_lengths = collections.deque(maxlen=statistics_window)
        self._new_path_returns = []  # paths finished since the last get_diagnostics
        self._recent_successes = collections.deque(maxlen=statistics_window)
        self._new_path_successes = []

    def _count_sample(self):
        self.total_samples += 1

    def _record_path(self, path_return, path_length, success):
        """A finished path: its return, its length, its last step's success (or None)."""
        self.episodes += 1
        self.last_path_return = path_return
        self.last_path_length = path_length
        self._recent_returns.append(path_return)
        self._recent_lengths.append(path_length)
        self._new_path_returns.append(path_return)
        if success is not None:
            self._recent_successes.append(success)
            self._new_path_successes.append(success)

    def extra_diagnostics(self):
        """A sampler's own figures, beside the episode statistics."""
        return {}

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
                **self.extra_diagnostics()}

    def state_dict(self):
        """Counters and statistics (plain data)."""
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
        self._start_new_paths()

    def _start_new_paths(self):
        """After a restore: forget paths in progress (the next sample resets)."""

    def close(self):
        """Releases what the sampler started (processes, actors)."""


def path_success(info):
    """A step's success as 0.0 / 1.0 from its info (``is_success`` or ``success``), or None
    where the environment reports none."""
    for key in ("is_success", "success"):
        if key in info:
            return float(bool(info[key]))
    return None
