"""The environment of the level above a frozen latent-space policy."""
import gymnasium
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.environments.latent_space import ENV_ID, latent_from_unit_action
from tests.policies.test_export import make_checkpoint

pytestmark = pytest.mark.integration


def level_one(policy="LatentSpacePolicy"):
    return make_checkpoint("SAC", "MultiGoal", "Default-v0",
                           extra=[f"policy_params.class_name={policy}"])


def test_without_a_checkpoint_it_has_spaces_and_reset_says_what_is_missing():
    environment = gymnasium.make(ENV_ID)
    assert environment.action_space == gymnasium.spaces.Box(-1.0, 1.0, (2,), np.float32)
    assert environment.observation_space.shape == (2,)
    with pytest.raises(ValueError, match="needs kwargs.checkpoint"):
        environment.reset(seed=0)


def test_the_latent_goes_through_level_one_to_the_base_environment():
    checkpoint_dir, experiment = level_one()
    environment = gymnasium.make(ENV_ID, checkpoint=checkpoint_dir,
                                 base_kwargs={"goals": [[4.0, 4.0]]})
    base = gymnasium.make("MultiGoal-Default-v0", goals=[[4.0, 4.0]])
    observation, _ = environment.reset(seed=3)
    base_observation, _ = base.reset(seed=3)
    np.testing.assert_array_equal(observation, base_observation)
    policy = experiment.policy
    rng = np.random.default_rng(0)
    for _ in range(5):
        action = rng.uniform(-0.99, 0.99, 2).astype(np.float32)
        latent = np.arctanh(action.astype(np.float64))
        below = policy.actions_from_latents(tf.constant(observation[None], tf.float32),
                                            tf.constant(latent[None], tf.float32)).numpy()[0]
        observation, reward, terminated, _, info = environment.step(action)
        np.testing.assert_allclose(info["latent"], latent)
        np.testing.assert_allclose(info["level_below_action"], below, atol=1e-6)
        base_observation, base_reward, base_terminated, _, _ = base.step(below)
        np.testing.assert_allclose(observation, base_observation, atol=1e-5)
        assert reward == pytest.approx(base_reward, abs=1e-4)
        assert terminated == base_terminated
        if terminated:
            break


def test_a_level_below_must_be_invertible_in_its_noise():
    checkpoint_dir, _ = level_one("GMMPolicy")
    environment = gymnasium.make(ENV_ID, checkpoint=checkpoint_dir)
    with pytest.raises(ValueError, match="invertible map of its noise.*GMMPolicy"):
        environment.reset(seed=0)


def test_unit_actions_map_to_latents_by_atanh():
    np.testing.assert_allclose(latent_from_unit_action([0.0, 0.5, -0.5]),
                               [0.0, np.arctanh(0.5), -np.arctanh(0.5)])
    assert np.all(np.isfinite(latent_from_unit_action([1.0, -1.0])))
