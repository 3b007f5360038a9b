"""Environments that render pixel observations run in a child process."""
import numpy as np
import pytest

from softlearning_tf2.environments.rendering import RenderingError, headless_backend
from softlearning_tf2.environments.subprocess_environment import SubprocessEnvironment
from softlearning_tf2.environments.utils import get_environment_from_params

pytestmark = pytest.mark.integration  # Experiments, child processes


def cartpole(**settings):
    return get_environment_from_params({"universe": "dm_control", "domain": "cartpole",
                                        "task": "swingup", **settings})


def _headless_rendering():
    try:
        headless_backend()
        return True
    except RenderingError:
        return False


@pytest.mark.skipif(not _headless_rendering(), reason="no EGL or OSMesa on this machine")
def test_pixels_come_from_the_suite_renderer_in_a_child_process():
    import tensorflow as tf  # rendering beside TensorFlow is what the child process is for

    environment = cartpole(kwargs={"action_repeat": 8}, pixels={"width": 64, "height": 48},
                           frame_stack=3)
    assert environment.observation_layout == {"pixels": ((48, 64, 9), "uint8")}
    observation, _ = environment.reset(seed=0)
    assert observation["pixels"].dtype == np.uint8 and observation["pixels"].std() > 0
    observation, *_ = environment.step(np.ones(1))
    assert observation["pixels"].shape == (48, 64, 9)
    assert float(tf.reduce_sum(tf.ones(2))) == 2.0  # this process is alive and well
    state = environment.unwrapped.rng_state()
    environment.unwrapped.set_rng_state(state)
    environment.close()


def test_a_failing_child_environment_is_one_clear_error():
    with pytest.raises(RuntimeError, match="dm_control/nothing: ValueError"):
        SubprocessEnvironment("softlearning_tf2.environments.utils:make_raw_environment",
                              {"universe": "dm_control", "domain": "cartpole",
                               "task": "swingup", "environment_kwargs": {"observation": "x"}},
                              name="dm_control/nothing")


@pytest.mark.skipif(not _headless_rendering(), reason="no EGL or OSMesa on this machine")
def test_gymnasium_mujoco_tasks_render_pixels_beside_the_state():
    environment = get_environment_from_params(
        {"universe": "gymnasium", "domain": "HalfCheetah", "task": "v5",
         "pixels": {"width": 32, "height": 32, "pixels_only": False}, "frame_stack": 2})
    assert environment.observation_layout == {"pixels": ((32, 32, 6), "uint8"),
                                              "state": ((17,), "float32")}
    first, _ = environment.reset(seed=0)
    for _ in range(5):
        observation, *_ = environment.step(np.ones(6))
    assert not np.array_equal(first["pixels"], observation["pixels"])  # the body moved
    assert observation["state"].dtype == np.float32
    environment.close()


@pytest.mark.skipif(not _headless_rendering(), reason="no EGL or OSMesa on this machine")
def test_sac_trains_on_dm_control_pixels_through_the_python_api(tmp_path):
    from softlearning_tf2 import Experiment

    experiment = Experiment.from_defaults(
        "SAC", universe="dm_control", domain="cartpole", pixels=True, seed=0, n_epochs=2,
        epoch_length=10, n_initial_exploration_steps=10, min_pool_size=10, batch_size=8,
        max_size=100, final_eval_n_episodes=1,  # what is tested is training, not evaluation
        overrides={"observation_params.preprocessors.pixels.config.conv_filters":
                                 [8, 8, 8]})
    assert experiment.training_environment.observation_layout == {
        "pixels": ((84, 84, 9), "uint8")}
    diagnostics = experiment.train()[-1]
    # one update per step from the step that fills the pool to min_pool_size: steps 10..20
    assert experiment.algorithm.num_train_steps == 11 and diagnostics["timestep"] == 20
    assert np.isfinite(diagnostics["algorithm/Q_0_loss"])
    experiment.save(str(tmp_path / "checkpoint_000002"))
    experiment.close()


@pytest.mark.skipif(not _headless_rendering(), reason="no EGL or OSMesa on this machine")
def test_pixels_only_is_still_a_dict_with_the_one_key():
    environment = get_environment_from_params(
        {"universe": "gymnasium", "domain": "HalfCheetah", "task": "v5",
         "pixels": {"width": 16, "height": 16}})
    assert environment.observation_layout == {"pixels": ((16, 16, 3), "uint8")}
    observation, _ = environment.reset(seed=0)
    assert set(observation) == {"pixels"}
    environment.close()
