"""Hindsight experience replay (Andrychowicz et al. 2017, arXiv:1707.01495) over the ring pool.

A goal-conditioned transition (s || g, a, r, s' || g) also teaches how to reach any goal g'
that was achieved: relabelled as (s || g', a, r', s' || g') with r' = compute_reward(
achieved_goal(s'), g', info), it is as true a transition of the same environment. Relabelling
happens when a batch is drawn, so the pool stores each transition once.

Strategies, for a transition at step t of an episode whose stored steps are [start, end):

* ``future``: the achieved goal of s'_{t'}, t' uniform in [t, end): a state this episode
  reached at or after t (the paper's best, with k = 4);
* ``final``: the achieved goal of the episode's last next state, s'_{end - 1};
* ``episode``: the achieved goal of s'_{t'}, t' uniform in [start, end);
* ``random``: the achieved goal of any stored next state.

Each drawn transition is relabelled with probability ``relabel_probability``, by default
1 - 1 / (1 + k) for ``relabel_k`` relabelled goals per real one (0.8 for k = 4). Rewards are
recomputed by the environment's vectorized ``compute_reward``; where the environment has a
``compute_terminated`` (the task ends on success) the terminal flags of relabelled transitions
are recomputed too (row by row, unless the environment says its function takes batches with
``vectorized_compute_terminated``).

Episodes: the sampler calls ``end_episode`` when a path ends (terminal, time limit or
``max_path_length``). Each stored transition keeps the sample index of its episode's first
transition (``episode_starts``, saved with the pool's checkpoint chunks), from which the episode
bounds are rebuilt after a restore. An episode still running when a batch is drawn counts the
transitions stored so far; where the ring has overwritten an episode's beginning, ``episode``
draws from what is left.

Relabelling draws come from a generator of their own, in rows of two uniforms per drawn
transition, so one draw of ``n * K`` transitions relabels exactly as ``K`` draws of ``n``
(the fused updates' guarantee) and both streams are saved with a checkpoint.
"""
import numpy as np

from softlearning_tf2.utils.validation import RELABEL_STRATEGIES, check_hyperparameters
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool

__all__ = ["DEFAULT_RELABEL_K", "HindsightExperienceReplayPool", "RELABEL_STRATEGIES",
           "relabel_probability_of"]

DEFAULT_RELABEL_K = 4


def relabel_probability_of(relabel_k=None, relabel_probability=None):
    """The probability of relabelling a drawn transition: ``relabel_probability`` where given,
    else 1 - 1 / (1 + k) (k = ``relabel_k``, default 4)."""
    check_hyperparameters(relabel_k=relabel_k, relabel_probability=relabel_probability)
    if relabel_probability is not None:
        return float(relabel_probability)
    k = DEFAULT_RELABEL_K if relabel_k is None else relabel_k
    return 1.0 - 1.0 / (1.0 + k)


class HindsightExperienceReplayPool(SimpleReplayPool):
    """A ``SimpleReplayPool`` whose ``random_batch`` relabels goals (see the module docstring).

    ``goal_environment``: the unwrapped environment, for ``compute_reward`` (and
    ``compute_terminated`` where it has one). Observations must be dicts holding
    ``achieved_goal_key`` and ``desired_goal_key``.
    """

    def __init__(self, *, goal_environment, relabel_strategy="future", relabel_k=None,
                 relabel_probability=None, achieved_goal_key="achieved_goal",
                 desired_goal_key="desired_goal", seed=None, **pool_kwargs):
        super().__init__(seed=seed, **pool_kwargs)
        check_hyperparameters(relabel_strategy=relabel_strategy)
        layout = self.observation_layout or {}
        missing = [key for key in (achieved_goal_key, desired_goal_key) if key not in layout]
        if missing or not callable(getattr(goal_environment, "compute_reward", None)):
            what = (f"observations lack the keys {missing}" if missing
                    else "the environment has no compute_reward")
            raise ValueError(f"HindsightExperienceReplayPool needs a goal environment (dict "
                             f"observations with {achieved_goal_key!r} and "
                             f"{desired_goal_key!r}, and compute_reward): {what}")
        self.relabel_strategy = relabel_strategy
        self.relabel_probability = relabel_probability_of(relabel_k, relabel_probability)
        self.achieved_goal_key = achieved_goal_key
        self.desired_goal_key = desired_goal_key
        self._compute_reward = goal_environment.compute_reward
        self._compute_terminated = getattr(goal_environment, "compute_terminated", None)
        self._terminated_takes_batches = bool(
            getattr(goal_environment, "vectorized_compute_terminated", False))
        self._relabel_rng = np.random.default_rng(np.random.SeedSequence([
            0 if seed is None else int(seed), 1]))
        self.episode_starts = np.zeros(self.max_size, np.int64)  # per ring row
        self._episode_ends = {}  # first sample index -> one past the last, finished episodes
        self._open_episode_start = None  # first sample index of the episode being added to

    # -- Episodes ------------------------------------------------------------------------------
    def end_episode(self):
        """The episode being added to is over: the next transition starts a new one."""
        if self._open_episode_start is not None:
            self._episode_ends[self._open_episode_start] = self.samples_added
            self._open_episode_start = None
        oldest = self.samples_added - self.size
        if len(self._episode_ends) > 2 * self.size:  # forget episodes the ring overwrote
            self._episode_ends = {start: end for start, end in self._episode_ends.items()
                                  if end > oldest}

    def _add_rows(self, samples, num_samples):
        first_index = self.samples_added
        indices = (self.pointer + np.arange(num_samples)) % self.max_size
        if "episode_starts" in samples:  # rebuilding from a checkpoint: see load_state_dict
            starts = np.asarray(samples["episode_starts"], np.int64)
        else:
            if self._open_episode_start is None:
                self._open_episode_start = first_index
            starts = np.full(num_samples, self._open_episode_start, np.int64)
        self.episode_starts[indices] = starts
        super()._add_rows(samples, num_samples)

    def sample_indices_of(self, rows):
        """The sample index (position in the pool's history) of each ring row."""
        newest = self.samples_added - 1
        return newest - (self.pointer - 1 - np.asarray(rows)) % self.max_size

    def episode_bounds(self, rows):
        """(start, end) sample indices of each row's episode: the stored part of it, so the
        start is never older than the oldest stored transition."""
        starts = self.episode_starts[rows]
        ends = np.array([self._episode_ends.get(start, self.samples_added)
                         for start in starts.tolist()], np.int64)
        return np.maximum(starts, self.samples_added - self.size), ends

    def last_n_batch(self, n):
        batch = super().last_n_batch(n)
        batch["episode_starts"] = self.episode_starts[self.last_n_rows(n)]
        return batch

    # -- Relabelling ---------------------------------------------------------------------------
    def random_batch(self, batch_size):
        rows = self.random_indices(batch_size)
        return self.relabel(self.batch_by_indices(rows), rows)

    def goal_sample_indices(self, rows, uniforms):
        """The sample index whose next state's achieved goal relabels each row, for the
        pool's strategy, from one uniform in [0, 1) per row."""
        start, end = self.episode_bounds(rows)
        current = self.sample_indices_of(rows)
        if self.relabel_strategy == "future":
            low, count = current, end - current
        elif self.relabel_strategy == "final":
            low, count = end - 1, np.ones_like(end)
        elif self.relabel_strategy == "episode":
            low, count = start, end - start
        else:  # random
            low = np.full_like(end, self.samples_added - self.size)
            count = np.full_like(end, self.size)
        return low + np.minimum((uniforms * count).astype(np.int64), count - 1)

    def relabel(self, batch, rows):
        """``batch`` (drawn at ring ``rows``) with goals relabelled in place of the drawn ones,
        their rewards (and terminals, where the task ends on success) recomputed."""
        rows = np.asarray(rows)
        uniforms = self._relabel_rng.random((len(rows), 2))
        chosen = np.flatnonzero(uniforms[:, 0] < self.relabel_probability)
        if len(chosen) == 0:
            return batch
        goal_samples = self.goal_sample_indices(rows[chosen], uniforms[chosen, 1])
        goal_rows = goal_samples % self.max_size
        next_achieved = self.fields["next_observations"][self.achieved_goal_key]
        goals = next_achieved[goal_rows]
        for field in ("observations", "next_observations"):
            batch[field][self.desired_goal_key][chosen] = goals
        achieved = batch["next_observations"][self.achieved_goal_key][chosen]
        batch["rewards"][chosen] = np.asarray(self._compute_reward(achieved, goals, {}),
                                              np.float32)
        if self._compute_terminated is not None:
            batch["terminals"][chosen] = self._terminals(achieved, goals)
        return batch

    def _terminals(self, achieved, goals):
        if self._terminated_takes_batches:
            return np.asarray(self._compute_terminated(achieved, goals, {}), np.float32)
        return np.array([float(self._compute_terminated(one, goal, {}))
                         for one, goal in zip(achieved, goals)], np.float32)

    # -- State ---------------------------------------------------------------------------------
    @property
    def rng_state(self):
        return {"batches": self._rng.bit_generator.state,
                "relabelling": self._relabel_rng.bit_generator.state}

    def load_state_dict(self, state):
        """Restores as ``SimpleReplayPool`` does, with the episode of every transition; the
        episode in progress when the state was saved counts as finished (sampling after a
        restore starts a new one)."""
        self._episode_ends, self._open_episode_start = {}, None
        rng_state = state["rng_state"]
        super().load_state_dict({**state, "rng_state": rng_state["batches"]})
        if self.size == self.max_size and state.get("pointer") is not None:
            self.episode_starts = np.roll(self.episode_starts, int(state["pointer"]))
        starts = state["transitions"]["episode_starts"][-self.size:] if self.size else []
        first_index = self.samples_added - self.size
        for offset, start in enumerate(np.asarray(starts, np.int64).tolist()):
            self._episode_ends[start] = first_index + offset + 1  # the last one wins
        self._relabel_rng.bit_generator.state = rng_state["relabelling"]
