import gymnasium
import numpy as np
import pytest

from softlearning_tf2.environments.adapters.gymnasium_adapter import GymnasiumAdapter
from softlearning_tf2.environments.utils import (
    get_environment, has_discrete_actions, register_minatar, validate_environment_name)
from tests.environments.action_space_probes import ActionSpaceProbe, register_probes


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


def test_discrete_actions_are_indices_passed_on():
    environment = GymnasiumAdapter("CartPole", "v1")
    assert environment.discrete_actions and environment.action_size == 2
    assert environment.observation_size == 4
    environment.reset(seed=0)
    velocity = environment.unwrapped.state[1]
    environment.step(np.int32(1))  # push right: the cart's velocity grows
    assert environment.unwrapped.state[1] > velocity
    with pytest.raises(ValueError, match="action index 2 outside 0..1"):
        environment.step(2)
    np.testing.assert_array_equal(environment.to_environment_actions([0, 1]), [0, 1])


def test_a_discrete_space_with_a_start_gets_offset_indices():
    register_probes()
    environment = GymnasiumAdapter("ActionSpaceProbe", "DiscreteStart-v0")  # Discrete(3, -1)
    assert environment.action_space == gymnasium.spaces.Discrete(3)
    environment.reset(seed=0)
    environment.step(0)
    environment.step(2)
    assert environment.unwrapped.received_actions == [-1, 1]
    np.testing.assert_array_equal(environment.to_environment_actions([0, 2]), [-1, 1])


@pytest.mark.parametrize("kind", ["MultiDiscrete", "MultiBinary", "Tuple"])
def test_unsupported_action_spaces_are_one_line_errors(kind):
    register_probes()
    with pytest.raises(ValueError, match=f"ActionSpaceProbe-{kind}-v0 has a {kind} action "
                                         f"space; softlearning_tf2 supports Box .continuous. or "
                                         f"Discrete action spaces") as error:
        GymnasiumAdapter("ActionSpaceProbe", f"{kind}-v0")
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match=f"has a {kind} action space"):
        has_discrete_actions("gymnasium", "ActionSpaceProbe", f"{kind}-v0")


def test_multi_dimensional_observations_are_flattened_to_float32():
    register_minatar()
    environment = GymnasiumAdapter("MinAtar/Breakout", "v1")  # bool [10, 10, 4]
    observation, _ = environment.reset(seed=0)
    assert observation.shape == (400,) and observation.dtype == np.float32
    assert environment.observation_size == 400 and environment.discrete_actions
    assert set(np.unique(observation)) <= {0.0, 1.0} and observation.sum() > 0


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
