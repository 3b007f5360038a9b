"""GoalPoint-Reach-v0: gymnasium's checker, the GoalEnv functions on batches, and the step's
reward, success and termination against them."""
import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import softlearning_tf2.environments  # noqa: F401 (registers the task)
from softlearning_tf2.environments.goal_point import GoalPointEnv
from softlearning_tf2.environments.utils import is_goal_environment


def test_the_task_passes_gymnasiums_checker_and_is_a_goal_task():
    environment = gymnasium.make("GoalPoint-Reach-v0")
    check_env(environment.unwrapped)
    assert environment.spec.max_episode_steps == 50
    assert is_goal_environment("gymnasium", "GoalPoint", "Reach-v0")
    assert not is_goal_environment("gymnasium", "PixelPoint", "Reach-v0")


def test_compute_reward_takes_batches_and_agrees_with_each_row():
    environment = GoalPointEnv(success_radius=0.1)
    rng = np.random.default_rng(0)
    achieved = rng.uniform(-1, 1, (3, 7, 2)).astype(np.float32)
    desired = achieved + rng.uniform(-0.12, 0.12, (3, 7, 2)).astype(np.float32)
    rewards = environment.compute_reward(achieved, desired, {})
    assert rewards.shape == (3, 7) and rewards.dtype == np.float32
    distances = np.sqrt(((achieved - desired) ** 2).sum(-1))
    np.testing.assert_array_equal(rewards, np.where(distances <= 0.1, 0.0, -1.0))
    assert 0 < (rewards == 0).sum() < rewards.size  # both cases occur
    assert not environment.compute_terminated(achieved, desired, {}).any()
    ending = GoalPointEnv(success_radius=0.1, terminate_on_success=True)
    np.testing.assert_array_equal(ending.compute_terminated(achieved, desired, {}),
                                  distances <= 0.1)
    assert not environment.compute_truncated(achieved, desired, {}).any()


@pytest.mark.parametrize("terminate_on_success", [False, True])
def test_steps_reward_success_and_end_as_the_goal_functions_say(terminate_on_success):
    environment = GoalPointEnv(terminate_on_success=terminate_on_success)
    observation, info = environment.reset(seed=3)
    goal = observation["desired_goal"]
    assert info["is_success"] == 0.0
    for _ in range(60):  # straight at the goal, at most 0.1 per step
        direction = (goal - observation["achieved_goal"]) / 0.1
        observation, reward, terminated, _, info = environment.step(np.clip(direction, -1, 1))
        np.testing.assert_array_equal(observation["achieved_goal"], observation["observation"])
        assert reward == environment.compute_reward(observation["achieved_goal"], goal, {})
        assert info["is_success"] == float(reward == 0.0)
        assert terminated == (terminate_on_success and reward == 0.0)
        if reward == 0.0:
            break
    assert info["is_success"] == 1.0
    with pytest.raises(ValueError, match="success_radius must be positive"):
        GoalPointEnv(success_radius=0)
