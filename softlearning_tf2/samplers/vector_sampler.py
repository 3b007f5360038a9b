"""Vector environments in the learner's process: N environments, one policy call per round."""
import collections

from softlearning_tf2.samplers.environment_batch import EnvironmentBatch
from softlearning_tf2.samplers.episode_statistics import EpisodeStatistics


def refuse_episode_pools(pool, sampler_name):
    """Pools that keep whole episodes in order (hindsight relabelling) need one environment."""
    from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import (
        HindsightExperienceReplayPool)
    if isinstance(pool, HindsightExperienceReplayPool):
        raise ValueError(f"{sampler_name} interleaves the transitions of several environments; "
                         f"HindsightExperienceReplayPool needs each episode's transitions in "
                         f"order: use sampler_params.class_name=SimpleSampler")


class BufferedSampler(EpisodeStatistics):
    """A sampler that receives transitions in chunks (a round of a vector environment, a
    worker's reply) and hands them to the pool one per ``sample`` call, so the algorithm's
    loop keeps its ratio of updates to environment steps: one ``sample`` is one environment
    step."""

    def __init__(self, max_path_length, statistics_window=100):
        super().__init__(max_path_length, statistics_window)
        self.policy = None
        self.pool = None
        self._buffer = collections.deque()  # (transition, path end or None)

    def _acting_policy(self, policy):
        """Whether the call asks for the exploration policy (another than the sampler's)."""
        return policy is not None and policy is not self.policy

    def sample(self, policy=None, action=None):
        if action is not None:
            raise ValueError(f"{type(self).__name__} draws its own actions")
        if not self._buffer:
            self._refill(explore=self._acting_policy(policy))
        transition, end = self._buffer.popleft()
        self.pool.add_sample(transition)
        self._count_sample()
        if end is not None:
            self._record_path(*end)
            self.pool.end_episode()

    def _extend(self, rows, ends):
        """Queues a chunk: its transitions, each with its path's figures where it ends one."""
        ends_by_row = {row: (path_return, length, success)
                       for row, path_return, length, success in ends}
        self._buffer.extend((row, ends_by_row.get(index)) for index, row in enumerate(rows))

    def _refill(self, explore):
        raise NotImplementedError

    @property
    def path_in_progress(self):
        """Always False: the fused loop's compiled call stores and trains, and never draws
        the next action (the sampler acts for a whole chunk at once)."""
        return False

    def _start_new_paths(self):
        self._buffer.clear()


class VectorSampler(BufferedSampler):
    """``num_envs`` environments in a ``gymnasium.vector`` environment (``vectorization_mode``
    ``sync``: in this process; ``async``: one process each), stepped together with one batched
    policy call per round; the round's transitions go to the pool one per ``sample``.

    Environment i is seeded with the trial's environment seed + i. Unlike ``SimpleSampler``,
    the policy acts on the N observations of a round with the weights of the round's start, and
    a round of exploration may run past the end of the warm-up by up to N - 1 steps.
    """

    def __init__(self, max_path_length, num_envs=4, vectorization_mode="sync",
                 statistics_window=100):
        super().__init__(max_path_length, statistics_window)
        self.num_envs = num_envs
        self.vectorization_mode = vectorization_mode
        self.environments = None
        self._exploration_policy = None

    def initialize(self, environment, policy, pool, seed=None, variant=None):
        if variant is None:
            raise ValueError("VectorSampler builds its environments from the variant's "
                             "environment_params: pass variant=")
        refuse_episode_pools(pool, "VectorSampler")
        self.policy, self.pool = policy, pool
        self.environments = EnvironmentBatch(
            variant["environment_params"]["training"], self.num_envs, self.max_path_length,
            self.vectorization_mode, seed=seed)

    def sample(self, policy=None, action=None):
        if self._acting_policy(policy):
            self._exploration_policy = policy
        return super().sample(policy, action)

    def _refill(self, explore):
        acting = self._exploration_policy if explore else self.policy
        rows, ends = self.environments.collect(acting.batch_actions, 1)
        self._extend(rows, ends)

    def _start_new_paths(self):
        super()._start_new_paths()
        if self.environments is not None:
            self.environments.restart()

    def close(self):
        if self.environments is not None:
            self.environments.close()
