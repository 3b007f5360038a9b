import numpy as np
import pytest

from softlearning_tf2.environments.adapters.dm_control_adapter import DmControlEnvironment
from softlearning_tf2.environments.utils import (
    get_environment_from_params, validate_environment_name)


def cartpole(**settings):
    return get_environment_from_params({"universe": "dm_control", "domain": "cartpole",
                                        "task": "swingup", **settings})


def test_the_last_step_is_a_truncation_not_a_terminal():
    environment = cartpole(kwargs={"action_repeat": 4})
    observation, _ = environment.reset(seed=0)
    assert observation.shape == (5,) and observation.dtype == np.float32
    assert environment.max_episode_steps == 250
    steps, terminated, truncated = 0, False, False
    while not (terminated or truncated):
        _, reward, terminated, truncated, _ = environment.step(environment.action_space.sample())
        assert 0.0 <= reward <= 4.0  # four control steps of reward in [0, 1]
        steps += 1
    assert steps == 250 and truncated and not terminated


def test_actions_are_rescaled_from_the_unit_box_to_the_task_bounds():
    environment = cartpole(domain="reacher", task="easy")
    raw = environment.raw.action_space
    assert environment.action_space.low.tolist() == [-1.0] * raw.shape[0]
    np.testing.assert_allclose(environment.to_environment_actions(-np.ones(raw.shape)), raw.low)
    np.testing.assert_allclose(environment.to_environment_actions(np.ones(raw.shape)), raw.high)
    np.testing.assert_allclose(environment.to_environment_actions(3 * np.ones(raw.shape)),
                               raw.high)  # clipped first


def test_dict_observations_keep_one_key_per_suite_entry():
    environment = cartpole(kwargs={"observation": "dict"})
    assert environment.observation_layout == {"position": ((3,), "float32"),
                                              "velocity": ((2,), "float32")}
    observation, _ = environment.reset(seed=0)
    assert set(observation) == {"position", "velocity"}


def test_the_seed_and_the_saved_random_state_reproduce_initial_states():
    environment = cartpole()
    first, _ = environment.reset(seed=5)
    again, _ = environment.reset(seed=5)
    np.testing.assert_array_equal(first, again)
    state = environment.unwrapped.rng_state()
    expected, _ = environment.reset()
    environment.unwrapped.set_rng_state(state)
    restored, _ = environment.reset()
    np.testing.assert_array_equal(expected, restored)


def test_unknown_domains_and_tasks_list_the_valid_ones():
    with pytest.raises(ValueError, match="unknown domain 'cartpol'.*cartpole, cheetah"):
        validate_environment_name("dm_control", "cartpol", "swingup")
    with pytest.raises(ValueError, match="unknown task 'run'.*balance, balance_sparse, swingup"):
        validate_environment_name("dm_control", "cartpole", "run")
    with pytest.raises(ValueError, match="observation mode"):
        DmControlEnvironment("cartpole", "swingup", observation="image")
