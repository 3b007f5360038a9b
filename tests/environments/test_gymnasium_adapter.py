import numpy as np
import pytest

from softlearning_tf2.environments.adapters.gymnasium_adapter import GymnasiumAdapter
from softlearning_tf2.environments.utils import get_environment, validate_environment_name


def test_actions_are_rescaled_to_the_environment_bounds():
    environment = GymnasiumAdapter("Pendulum", "v1")  # torque in [-2, 2]
    assert environment.action_space.low.tolist() == [-1.0]
    np.testing.assert_allclose(environment.to_environment_actions([-1.0, 0.0, 0.5, 1.0, 3.0]),
                               [-2.0, 0.0, 1.0, 2.0, 2.0])


def test_observations_are_float32():
    environment = GymnasiumAdapter("HalfCheetah", "v5")  # MuJoCo returns float64
    observation, _ = environment.reset(seed=0)
    assert observation.dtype == np.float32
    observation, reward, terminated, truncated, _ = environment.step(np.zeros(6))
    assert observation.dtype == np.float32 and isinstance(reward, float)
    assert environment.observation_space.dtype == np.float32
    environment.close()


def test_step_passes_the_rescaled_action():
    environment = GymnasiumAdapter("Pendulum", "v1")
    environment.reset(seed=0)
    state = environment.unwrapped.state.copy()
    environment.step(np.array([1.0], np.float32))
    assert environment.unwrapped.last_u == pytest.approx(2.0)
    assert not np.allclose(state, environment.unwrapped.state)


def test_discrete_action_space_is_a_clear_error():
    with pytest.raises(ValueError, match="Discrete action space"):
        GymnasiumAdapter("CartPole", "v1")


@pytest.mark.parametrize("universe, domain, task, message", [
    ("mujoco", "Pendulum", "v1", "unknown universe 'mujoco'"),
    ("gymnasium", "Pendulm", "v1", "unknown domain 'Pendulm'.*Pendulum"),
    ("gymnasium", "Pendulum", "v9", "unknown task 'v9'.*v1"),
])
def test_unknown_names_are_clear_errors(universe, domain, task, message):
    with pytest.raises(ValueError, match=message):
        validate_environment_name(universe, domain, task)
    with pytest.raises(ValueError, match=message):
        get_environment(universe, domain, task)


@pytest.mark.parametrize("domain, task", [("Pendulum", "v1"), ("HalfCheetah", "v5")])
def test_action_rescaling_constants_reproduce_the_wrappers_map(domain, task):
    environment = GymnasiumAdapter(domain, task)
    gradient, intercept = environment.action_rescaling()
    actions = np.random.default_rng(0).uniform(-1.2, 1.2, (500, *environment.action_space.shape))
    actions = actions.astype(np.float32)
    expected = environment.to_environment_actions(actions)
    np.testing.assert_array_equal((np.clip(actions, -1, 1) - intercept) / gradient, expected)
    np.testing.assert_allclose(expected.min(axis=0), environment.raw.action_space.low, atol=0.05)
    environment.close()
