"""The perturbation wrappers change what they say in the MuJoCo model, and nothing else."""
import gymnasium
import numpy as np
import pytest

from softlearning_tf2.environments.perturbations import (
    ActionNoise, BodyMassScale, FrictionScale, RandomPushes, perturbed)


def hopper():
    return gymnasium.make("Hopper-v5")


def test_mass_scale_scales_every_body_but_the_world():
    reference = hopper().unwrapped.model
    env = BodyMassScale(hopper(), 1.5)
    model = env.unwrapped.model
    np.testing.assert_allclose(model.body_mass[1:], 1.5 * reference.body_mass[1:])
    np.testing.assert_allclose(model.body_inertia[1:], 1.5 * reference.body_inertia[1:])
    assert model.body_mass[0] == reference.body_mass[0]
    np.testing.assert_array_equal(model.geom_friction, reference.geom_friction)


def test_friction_scale_scales_sliding_friction_only():
    reference = hopper().unwrapped.model
    model = FrictionScale(hopper(), 0.5).unwrapped.model
    np.testing.assert_allclose(model.geom_friction[:, 0], 0.5 * reference.geom_friction[:, 0])
    np.testing.assert_array_equal(model.geom_friction[:, 1:], reference.geom_friction[:, 1:])
    np.testing.assert_array_equal(model.body_mass, reference.body_mass)


def test_scaled_models_move_differently():
    def final_position(env):
        env.reset(seed=3)
        for step in range(60):  # a kick that makes the foot slide
            env.step(np.array([0.0, 0.0, 1.0 if step < 20 else -1.0], np.float32))
        return env.unwrapped.data.qpos.copy()
    plain = final_position(hopper())
    assert np.max(np.abs(final_position(BodyMassScale(hopper(), 2.0)) - plain)) > 1e-2
    assert np.max(np.abs(final_position(FrictionScale(hopper(), 0.1)) - plain)) > 1e-2


def test_action_noise_has_the_stated_spread_and_stays_in_the_box():
    env = ActionNoise(hopper(), 0.2)
    env.reset(seed=0)
    actions = np.array([env.action(np.zeros(3, np.float32)) for _ in range(20000)])
    np.testing.assert_allclose(actions.std(axis=0), 0.2, rtol=0.03)  # half-width 1
    np.testing.assert_allclose(actions.mean(axis=0), 0.0, atol=0.01)
    edge = np.array([env.action(np.ones(3, np.float32)) for _ in range(1000)])
    assert np.all(edge <= 1.0) and np.mean(edge < 1.0) > 0.3
    env.reset(seed=5)
    first = env.action(np.zeros(3, np.float32))
    env.reset(seed=5)
    np.testing.assert_array_equal(env.action(np.zeros(3, np.float32)), first)


def test_pushes_apply_the_force_to_the_root_body_for_their_duration():
    env = RandomPushes(hopper(), 80.0, interval=10, duration=3)
    env.reset(seed=1)
    data = env.unwrapped.data
    applied = []
    for _ in range(25):
        env.step(np.zeros(3, np.float32))
        applied.append(np.linalg.norm(data.xfrc_applied[1, :3]))
    applied = np.array(applied)
    # Steps 10-12 and 20-22 (counting from 0) push with 80 N; none before, none in between.
    assert np.all(applied[:10] == 0.0) and np.all(applied[13:20] == 0.0)
    np.testing.assert_allclose(applied[10:13], 80.0)
    np.testing.assert_allclose(applied[20:23], 80.0)
    assert data.xfrc_applied[1, 2] == 0.0  # horizontal
    assert np.all(data.xfrc_applied[2:] == 0.0)  # only the root body
    env.reset(seed=1)
    assert np.all(data.xfrc_applied == 0.0)


def test_neutral_strength_is_the_environment_itself_and_bad_names_are_named():
    env = hopper()
    assert perturbed(env, "mass", 1.0) is env and perturbed(env, "push", 0.0) is env
    assert isinstance(perturbed(env, "friction", 2.0), FrictionScale)
    with pytest.raises(ValueError, match="unknown perturbation 'wind'; valid choices: mass"):
        perturbed(env, "wind", 1.0)
    with pytest.raises(ValueError, match="not a MuJoCo environment"):
        BodyMassScale(gymnasium.make("Pendulum-v1"), 2.0)
