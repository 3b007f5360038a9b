"""Tests for the MultiGoal gymnasium environment."""

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from softlearning_tf2.environments.multi_goal import (ENV_ID, MultiGoalEnv,
                                                      register_environments)

# The task's specification, restated here so that the tests check the environment
# against the definition rather than against its own attributes.
SPEC_GOALS = np.array([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]])
SPEC_ACTION_COST = 30.0
SPEC_DISTANCE_COST = 1.0
SPEC_GOAL_RADIUS = 1.0
SPEC_GOAL_REWARD = 10.0
SPEC_BOUND = 7.0
SPEC_MAX_STEPS = 30


def expected_reward(new_position, action, goals=SPEC_GOALS,
                    action_cost=SPEC_ACTION_COST, distance_cost=SPEC_DISTANCE_COST,
                    goal_radius=SPEC_GOAL_RADIUS, goal_reward=SPEC_GOAL_REWARD):
    """Independent recomputation of the reward (distance cost at the new position)."""
    new_position = np.asarray(new_position, dtype=np.float64)
    action = np.asarray(action, dtype=np.float64)
    squared_distances = [float((new_position[0] - gx) ** 2 + (new_position[1] - gy) ** 2)
                         for gx, gy in goals]
    reward = -(action_cost * float(action[0] ** 2 + action[1] ** 2)
               + distance_cost * min(squared_distances))
    if min(squared_distances) ** 0.5 <= goal_radius:
        reward += goal_reward
    return reward


def _messages(caught):
    return [str(w.message) for w in caught]


def test_env_checker_passes_on_unwrapped():
    env = gymnasium.make(ENV_ID, render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert _messages(caught) == []
    env.close()


def test_env_checker_passes_on_made_env():
    env = gymnasium.make(ENV_ID)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    # The only acceptable warning is the checker's generic note that it was handed a
    # wrapped environment; nothing may point at an API problem.
    unexpected = [m for m in _messages(caught) if "different from the unwrapped" not in m]
    assert unexpected == []
    env.close()


def test_env_checker_passes_on_directly_constructed_env():
    env = MultiGoalEnv(render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    # Without a spec the checker cannot build alternative render modes; that is a
    # note about missing registration info, not an API problem.
    unexpected = [m for m in _messages(caught) if "not having a spec" not in m]
    assert unexpected == []
    env.close()


def test_spaces():
    env = MultiGoalEnv()
    assert env.observation_space.shape == (2,)
    assert env.observation_space.dtype == np.float32
    np.testing.assert_array_equal(env.observation_space.low, [-SPEC_BOUND] * 2)
    np.testing.assert_array_equal(env.observation_space.high, [SPEC_BOUND] * 2)
    assert env.action_space.shape == (2,)
    assert env.action_space.dtype == np.float32
    np.testing.assert_array_equal(env.action_space.low, [-1.0, -1.0])
    np.testing.assert_array_equal(env.action_space.high, [1.0, 1.0])


@pytest.mark.parametrize("goal_index", range(len(SPEC_GOALS)))
def test_reaching_a_goal_gives_bonus_and_terminates(goal_index):
    env = MultiGoalEnv()
    goal = SPEC_GOALS[goal_index]
    direction = goal / np.linalg.norm(goal)  # pointing away from the origin
    start = goal - 1.6 * direction           # outside the goal radius
    obs, info = env.reset(seed=0, options={"position": start})
    np.testing.assert_allclose(obs, start, atol=1e-6)
    assert info["goal_index"] == -1

    action = (0.8 * direction).astype(np.float32)  # ends 0.8 from the goal
    obs, reward, terminated, truncated, info = env.step(action)

    new_position = start + action.astype(np.float64)
    assert isinstance(reward, float)
    assert reward == pytest.approx(expected_reward(new_position, action), rel=1e-12)
    # The bonus is really included: the reward is above the pure cost.
    pure_cost = -(SPEC_ACTION_COST * float(np.sum(action.astype(np.float64) ** 2))
                  + SPEC_DISTANCE_COST * float(np.sum((new_position - goal) ** 2)))
    assert reward == pytest.approx(pure_cost + SPEC_GOAL_REWARD, rel=1e-12)
    assert terminated is True
    assert truncated is False
    assert info["goal_index"] == goal_index
    np.testing.assert_allclose(obs, new_position, atol=1e-6)
    np.testing.assert_allclose(info["position"], new_position, atol=1e-12)


def test_step_outside_goal_has_no_bonus_and_does_not_terminate():
    env = MultiGoalEnv()
    start = np.array([2.5, 0.3])
    env.reset(seed=0, options={"position": start})
    action = np.array([0.5, 0.0], dtype=np.float32)
    obs, reward, terminated, truncated, info = env.step(action)

    new_position = start + action.astype(np.float64)
    nearest_squared = min(float(np.sum((new_position - g) ** 2)) for g in SPEC_GOALS)
    assert nearest_squared > SPEC_GOAL_RADIUS ** 2
    no_bonus = -(SPEC_ACTION_COST * float(np.sum(action.astype(np.float64) ** 2))
                 + SPEC_DISTANCE_COST * nearest_squared)
    assert reward == pytest.approx(no_bonus, rel=1e-12)
    assert reward == pytest.approx(expected_reward(new_position, action), rel=1e-12)
    assert terminated is False
    assert truncated is False
    assert info["goal_index"] == -1
    np.testing.assert_allclose(obs, new_position, atol=1e-6)


def test_goal_radius_boundary_counts_as_reached():
    env = MultiGoalEnv()
    goal = SPEC_GOALS[0]
    start = goal - np.array([SPEC_GOAL_RADIUS + 0.5, 0.0])
    env.reset(options={"position": start})
    # Lands at distance exactly goal_radius from the goal (exact in binary).
    _, reward, terminated, _, info = env.step(np.array([0.5, 0.0], dtype=np.float32))
    assert terminated is True
    assert info["goal_index"] == 0
    assert reward == pytest.approx(
        expected_reward(start + np.array([0.5, 0.0]), [0.5, 0.0]), rel=1e-12)


def test_distance_cost_uses_new_position():
    env = MultiGoalEnv()
    start = np.array([1.0, 1.0])
    action = np.array([1.0, -1.0], dtype=np.float32)
    env.reset(options={"position": start})
    _, reward, _, _, _ = env.step(action)
    with_new = expected_reward(start + action, action)
    with_old = expected_reward(start, action)
    assert with_new != pytest.approx(with_old)  # the test can tell them apart
    assert reward == pytest.approx(with_new, rel=1e-12)


def test_position_is_clipped_at_the_boundary():
    env = MultiGoalEnv()
    start = np.array([SPEC_BOUND - 0.2, -SPEC_BOUND + 0.1])
    env.reset(options={"position": start})
    action = np.array([1.0, -1.0], dtype=np.float32)
    obs, reward, _, _, info = env.step(action)
    clipped = np.array([SPEC_BOUND, -SPEC_BOUND])
    np.testing.assert_array_equal(obs, clipped.astype(np.float32))
    np.testing.assert_array_equal(info["position"], clipped)
    assert reward == pytest.approx(expected_reward(clipped, action), rel=1e-12)
    assert env.observation_space.contains(obs)
    # Pushing further into the corner keeps it there.
    obs, _, _, _, _ = env.step(action)
    np.testing.assert_array_equal(obs, clipped.astype(np.float32))

    # A start position given through options is clipped too.
    obs, _ = env.reset(options={"position": [100.0, -100.0]})
    np.testing.assert_array_equal(obs, clipped.astype(np.float32))


def test_action_is_clipped_to_the_action_space():
    start = np.array([0.3, -0.4])
    big_action = np.array([5.0, -3.0], dtype=np.float32)
    clipped_action = np.clip(big_action, -1.0, 1.0)

    env_big = MultiGoalEnv()
    env_big.reset(options={"position": start})
    obs_big, reward_big, term_big, _, _ = env_big.step(big_action)

    env_ref = MultiGoalEnv()
    env_ref.reset(options={"position": start})
    obs_ref, reward_ref, term_ref, _, _ = env_ref.step(clipped_action)

    np.testing.assert_array_equal(obs_big, obs_ref)
    np.testing.assert_allclose(obs_big, start + clipped_action, atol=1e-6)
    assert reward_big == reward_ref
    # The cost is charged on the clipped action, not the raw one.
    assert reward_big == pytest.approx(
        expected_reward(start + clipped_action, clipped_action), rel=1e-12)
    assert reward_big != pytest.approx(expected_reward(start + clipped_action, big_action))
    assert term_big == term_ref


def test_truncation_after_max_path_length_through_make():
    env = gymnasium.make(ENV_ID)
    assert env.spec.max_episode_steps == SPEC_MAX_STEPS
    env.reset(seed=1, options={"position": [0.0, 0.0]})
    zero = np.zeros(2, dtype=np.float32)  # stays at the origin: never reaches a goal
    steps = 0
    while True:
        _, _, terminated, truncated, _ = env.step(zero)
        steps += 1
        assert terminated is False
        if truncated:
            break
        assert steps < SPEC_MAX_STEPS + 5, "episode was never truncated"
    assert steps == SPEC_MAX_STEPS
    env.close()


def test_unwrapped_env_never_truncates():
    env = MultiGoalEnv()
    env.reset(options={"position": [0.0, 0.0]})
    for _ in range(2 * SPEC_MAX_STEPS):
        _, _, terminated, truncated, _ = env.step(np.zeros(2, dtype=np.float32))
        assert terminated is False and truncated is False


def test_seeded_resets_are_reproducible():
    env_a, env_b = MultiGoalEnv(), MultiGoalEnv()
    obs_a, _ = env_a.reset(seed=123)
    obs_b, _ = env_b.reset(seed=123)
    np.testing.assert_array_equal(obs_a, obs_b)
    # Subsequent unseeded resets follow the same seeded stream.
    for _ in range(5):
        np.testing.assert_array_equal(env_a.reset()[0], env_b.reset()[0])
    obs_c, _ = env_a.reset(seed=124)
    assert not np.array_equal(obs_a, obs_c)


def test_start_positions_follow_the_init_distribution():
    sigma = 0.1
    env = MultiGoalEnv(init_sigma=sigma)
    env.reset(seed=7)
    starts = np.array([env.reset()[0] for _ in range(2000)], dtype=np.float64)
    assert np.all(np.abs(starts.mean(axis=0)) < 5 * sigma / np.sqrt(len(starts)))
    np.testing.assert_allclose(starts.std(axis=0), sigma, rtol=0.1)


def test_constructor_arguments_change_the_task():
    goals = [[2.0, 2.0]]
    kwargs = dict(goals=goals, goal_radius=0.5, goal_reward=3.0,
                  action_cost_coeff=2.0, distance_cost_coeff=0.5,
                  bounds=(-3.0, 3.0))
    env = MultiGoalEnv(**kwargs)
    np.testing.assert_array_equal(env.observation_space.high, [3.0, 3.0])
    start = np.array([1.0, 1.0])
    env.reset(options={"position": start})
    action = np.array([0.75, 0.75], dtype=np.float32)  # lands 0.25*sqrt(2) from goal
    _, reward, terminated, _, info = env.step(action)
    expected = expected_reward(start + action, action, goals=goals,
                               action_cost=2.0, distance_cost=0.5,
                               goal_radius=0.5, goal_reward=3.0)
    assert reward == pytest.approx(expected, rel=1e-12)
    assert terminated is True and info["goal_index"] == 0

    obs, _ = env.reset(options={"position": [10.0, 10.0]})
    np.testing.assert_array_equal(obs, [3.0, 3.0])


def test_render_returns_uint8_image_that_changes_when_the_agent_moves():
    env = gymnasium.make(ENV_ID, render_mode="rgb_array")
    env.reset(seed=0, options={"position": [0.0, 0.0]})
    first = env.render()
    assert isinstance(first, np.ndarray)
    assert first.dtype == np.uint8
    assert first.ndim == 3 and first.shape[2] == 3
    assert first.shape[0] > 0 and first.shape[1] > 0
    assert first.std() > 0  # not a blank frame

    env.step(np.array([1.0, 1.0], dtype=np.float32))
    env.step(np.array([1.0, 1.0], dtype=np.float32))
    second = env.render()
    assert second.shape == first.shape and second.dtype == np.uint8
    assert not np.array_equal(first, second)

    # A new episode starting at the same place draws the same picture again
    # (the previous episode's path is not kept).
    env.reset(options={"position": [0.0, 0.0]})
    np.testing.assert_array_equal(env.render(), first)
    env.close()
    env.close()  # closing twice is allowed


def test_render_shows_the_path_of_the_episode():
    env = MultiGoalEnv(render_mode="rgb_array")
    env.reset(options={"position": [0.0, 0.0]})
    for _ in range(3):
        _, _, _, _, info = env.step(np.array([1.0, 0.5], dtype=np.float32))
    walked = env.render()
    # Same current position, but no path behind it.
    env.reset(options={"position": info["position"]})
    jumped = env.render()
    assert not np.array_equal(walked, jumped)
    env.close()


def test_render_without_render_mode_returns_none():
    env = MultiGoalEnv()
    env.reset(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert env.render() is None


def test_register_environments_is_idempotent():
    register_environments()
    register_environments()
    spec = gymnasium.spec(ENV_ID)
    assert spec.max_episode_steps == SPEC_MAX_STEPS
    assert isinstance(gymnasium.make(ENV_ID).unwrapped, MultiGoalEnv)


def test_goals_of_unequal_value():
    env = MultiGoalEnv(goals=[[2.0, 0.0], [-5.0, 0.0]], goal_reward=[1.0, 10.0],
                       action_cost_coeff=0.0, distance_cost_coeff=0.0)
    env.reset(seed=0, options={"position": (1.5, 0.0)})
    _, reward, terminated, _, info = env.step(np.zeros(2, np.float32))
    assert terminated and info["goal_index"] == 0 and reward == 1.0
    env.reset(seed=0, options={"position": (-4.5, 0.0)})
    _, reward, terminated, _, info = env.step(np.zeros(2, np.float32))
    assert terminated and info["goal_index"] == 1 and reward == 10.0
    with pytest.raises(ValueError, match="one number or one per goal"):
        MultiGoalEnv(goals=[[2.0, 0.0], [-5.0, 0.0]], goal_reward=[1.0, 2.0, 3.0])
