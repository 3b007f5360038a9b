"""PointTargets: the reward of several targets is the sum of each target's reward."""
import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from softlearning_tf2.environments.point_targets import ENV_ID, PointTargetsEnv


def test_rewards_of_targets_add_up():
    first = PointTargetsEnv(targets=[[5, 0]], action_cost_coeff=0.5)
    second = PointTargetsEnv(targets=[[0, 5]], action_cost_coeff=0.5)
    both = PointTargetsEnv(targets=[[5, 0], [0, 5]], action_cost_coeff=1.0)
    for env in (first, second, both):
        env.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(20):
        action = rng.uniform(-1, 1, 2).astype(np.float32)
        rewards = [env.step(action)[1] for env in (first, second, both)]
        assert rewards[2] == pytest.approx(rewards[0] + rewards[1])


def test_reward_is_the_stated_formula_and_positions_are_clipped():
    env = PointTargetsEnv(targets=[[1, 2]], target_weights=[3.0], action_cost_coeff=2.0,
                          init_sigma=0.0)
    env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step(np.array([0.5, -1.0]))
    np.testing.assert_allclose(observation, [0.5, -1.0])
    assert reward == pytest.approx(-(2.0 * 1.25 + 3.0 * (0.25 + 9.0)))
    assert not terminated and not truncated
    for _ in range(10):
        observation, *_ = env.step(np.array([1.0, 1.0]))
    np.testing.assert_allclose(observation, [7.0, 7.0])
    with pytest.raises(ValueError, match="one weight per target"):
        PointTargetsEnv(targets=[[1, 2]], target_weights=[1.0, 2.0])


def test_registered_with_a_time_limit_and_passes_the_checker():
    env = gymnasium.make(ENV_ID)
    check_env(env.unwrapped)
    env.reset(seed=0)
    steps = 0
    truncated = False
    while not truncated:
        *_, truncated, _ = env.step(env.action_space.sample())
        steps += 1
    assert steps == 30
