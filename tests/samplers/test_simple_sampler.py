import numpy as np
import pytest

from softlearning_tf2.environments.adapters.gymnasium_adapter import GymnasiumAdapter
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler


def run_sampler(domain, task, steps, max_path_length, **kwargs):
    environment = GymnasiumAdapter(domain, task, **kwargs)
    obs_size = environment.observation_space.shape[0]
    act_size = environment.action_space.shape[0]
    pool = SimpleReplayPool((obs_size,), (act_size,), 10_000)
    policy = ContinuousUniformPolicy(obs_size, act_size, seed=0)
    sampler = SimpleSampler(max_path_length)
    sampler.initialize(environment, policy, pool, seed=0)
    for _ in range(steps):
        sampler.sample()
    return sampler, pool


def test_time_limit_truncation_is_not_terminal():
    # Pendulum never terminates; its 200-step TimeLimit truncates.
    sampler, pool = run_sampler("Pendulum", "v1", 450, max_path_length=1000)
    assert sampler.episodes == 2 and sampler.total_samples == 450
    assert pool.fields["terminals"][:450].sum() == 0
    # After a truncation the next transition starts from a fresh reset, not from s'.
    assert not np.allclose(pool.fields["observations"][200], pool.fields["next_observations"][199])
    np.testing.assert_array_equal(pool.fields["observations"][1:200],
                                  pool.fields["next_observations"][:199])


def test_max_path_length_cuts_paths_without_terminals():
    sampler, pool = run_sampler("Pendulum", "v1", 100, max_path_length=30)
    assert sampler.episodes == 3 and sampler.last_path_length == 30
    assert pool.fields["terminals"][:100].sum() == 0


def test_terminated_episodes_are_terminal():
    # MultiGoal terminates on reaching a goal: start next to one and walk in.
    environment = GymnasiumAdapter("MultiGoal", "Default-v0")
    pool = SimpleReplayPool((2,), (2,), 100)

    class StepRight:
        def action(self, observation, deterministic=False):
            return np.array([1.0, 0.0], np.float32)

    sampler = SimpleSampler(max_path_length=30)
    sampler.initialize(environment, StepRight(), pool, seed=0)
    while sampler.episodes == 0:
        sampler.sample()
    assert pool.fields["terminals"][pool.size - 1] == 1.0
    assert pool.fields["terminals"][:pool.size - 1].sum() == 0
    assert sampler.last_path_length == pool.size < 30


def test_diagnostics_report_finished_paths():
    sampler, _ = run_sampler("Pendulum", "v1", 400, max_path_length=200)
    diagnostics = sampler.get_diagnostics()
    assert diagnostics["episodes"] == 2
    assert np.isfinite(diagnostics["episode-reward-mean"])
    assert diagnostics["episode-reward-min"] <= diagnostics["episode-reward-max"]


def test_seeded_sampling_is_reproducible():
    _, first = run_sampler("Pendulum", "v1", 50, max_path_length=200)
    _, second = run_sampler("Pendulum", "v1", 50, max_path_length=200)
    np.testing.assert_array_equal(first.fields["observations"], second.fields["observations"])


class CorruptingEnvironment:
    """Pendulum whose 5th step returns a NaN reward and whose 8th a NaN observation."""

    def __init__(self):
        self.inner = GymnasiumAdapter("Pendulum", "v1")
        self.action_space = self.inner.action_space
        self.steps = 0

    def reset(self, seed=None):
        return self.inner.reset(seed=seed)

    def step(self, action):
        self.steps += 1
        observation, reward, terminated, truncated, info = self.inner.step(action)
        if self.steps == 5:
            reward = float("nan")
        if self.steps == 8:
            observation = observation * np.inf
        return observation, reward, terminated, truncated, info


def corrupted_sampler(drop):
    pool = SimpleReplayPool((3,), (1,), 100)
    sampler = SimpleSampler(max_path_length=200, drop_nonfinite_transitions=drop)
    sampler.initialize(CorruptingEnvironment(), ContinuousUniformPolicy(3, 1, seed=0), pool,
                       seed=0)
    return sampler, pool


def test_nonfinite_reward_stops_with_the_step_and_field_named():
    sampler, pool = corrupted_sampler(drop=False)
    with pytest.raises(FloatingPointError, match=r"non-finite reward at sample 5 \(step 5"):
        for _ in range(10):
            sampler.sample()
    assert pool.size == 4  # nothing of the bad transition got in


def test_nonfinite_transitions_can_be_dropped_and_counted():
    sampler, pool = corrupted_sampler(drop=True)
    for _ in range(10):
        sampler.sample()
    assert sampler.nonfinite_transitions_dropped == 2
    assert pool.size == 8 and np.all(np.isfinite(pool.fields["rewards"][:8]))
    assert np.all(np.isfinite(pool.fields["next_observations"][:8]))
    assert sampler.get_diagnostics()["nonfinite-transitions-dropped"] == 2


def test_goal_tasks_report_success_and_tell_the_pool_where_paths_end():
    """GoalPoint's last-step ``is_success`` becomes the success rates; every path end (time
    limit or max_path_length) reaches the pool's ``end_episode``."""
    import softlearning_tf2.environments  # noqa: F401 (registers GoalPoint)

    class CountingPool(SimpleReplayPool):
        ends = []

        def end_episode(self):
            CountingPool.ends.append(self.samples_added)

    environment = GymnasiumAdapter("GoalPoint", "Reach-v0")
    pool = CountingPool(observation_layout=environment.observation_layout, action_shape=(2,),
                        max_size=1000)

    class TowardsGoal:  # the straight line, 0.1 per step: every path that can, succeeds
        def action(self, observation):
            step = (observation["desired_goal"] - observation["achieved_goal"]) / 0.1
            return np.clip(step, -1, 1)

    sampler = SimpleSampler(max_path_length=40)
    sampler.initialize(environment, TowardsGoal(), pool, seed=0)
    for _ in range(200):
        sampler.sample()
    assert CountingPool.ends == [40, 80, 120, 160, 200]
    diagnostics = sampler.get_diagnostics()
    # Start and goal are at most 2.83 apart: 29 steps reach any goal.
    assert diagnostics["success-rate"] == diagnostics["success-rate-recent"] == 1.0
    state = sampler.state_dict()
    assert state["recent_successes"] == [1.0] * 5
    sampler.load_state_dict(state)
    assert sampler.get_diagnostics()["success-rate-recent"] == 1.0


def test_tasks_without_success_report_no_success_rate():
    sampler, _ = run_sampler("Pendulum", "v1", 250, max_path_length=1000)
    assert not any("success" in key for key in sampler.get_diagnostics())
