import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from softlearning_tf2.environments.adapters.gymnasium_adapter import GymnasiumAdapter
from softlearning_tf2.environments.observations import (
    FrameStack, batch_of_one, select_observation_keys)
from softlearning_tf2.environments.pixel_point import GOAL, PixelPointEnv

LAYOUT = {"pixels": ((8, 8, 3), "uint8"), "position": ((2,), "float32")}


def test_observation_keys_default_to_every_key_sorted():
    assert select_observation_keys(LAYOUT, None) == ["pixels", "position"]
    assert select_observation_keys(LAYOUT, ["position"]) == ["position"]


def test_an_unknown_observation_key_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown observation key 'pixel' for X; valid keys: "
                                         "pixels, position"):
        select_observation_keys(LAYOUT, ["pixel"], "X")
    with pytest.raises(ValueError, match="flat"):
        select_observation_keys(None, ["pixels"], "X")


def test_pixel_point_passes_the_environment_checker():
    environment = PixelPointEnv()
    check_env(environment, skip_render_check=True)


def test_pixel_point_draws_the_point_and_the_goal():
    environment = PixelPointEnv(image_size=32)
    observation, _ = environment.reset(seed=3)
    image = observation["pixels"]
    row, column = environment._cell(observation["position"])
    assert image[row, column, 0] == 255  # red point
    goal_row, goal_column = environment._cell(GOAL)
    assert image[goal_row, goal_column, 1] == 255  # green goal
    assert image.dtype == np.uint8 and image.shape == (32, 32, 3)
    _, reward, terminated, truncated, _ = environment.step(np.zeros(2))
    assert reward == pytest.approx(-np.linalg.norm(observation["position"] - GOAL), rel=1e-5)
    assert not terminated and not truncated


def test_the_adapter_keeps_uint8_images_and_makes_flat_keys_float32():
    environment = GymnasiumAdapter("PixelPoint", "Reach-v0")
    assert environment.observation_layout == {"pixels": ((32, 32, 3), "uint8"),
                                              "position": ((2,), "float32")}
    assert environment.observation_size is None
    observation, _ = environment.reset(seed=0)
    assert observation["pixels"].dtype == np.uint8
    assert observation["position"].dtype == np.float32
    for _ in range(50):
        observation, _, terminated, truncated, _ = environment.step(np.ones(2))
    assert truncated and not terminated  # the time limit: bootstrapped


def test_frame_stack_stacks_the_newest_frames_last_and_fills_on_reset():
    environment = FrameStack(PixelPointEnv(image_size=16, pixels_only=True), num_frames=3)
    assert environment.observation_space["pixels"].shape == (16, 16, 9)
    observation, _ = environment.reset(seed=0)
    frames = np.split(observation["pixels"], 3, axis=-1)
    assert all(np.array_equal(frame, frames[0]) for frame in frames)
    first = frames[0]
    observation, *_ = environment.step(np.ones(2))
    second = environment.unwrapped.render()
    frames = np.split(observation["pixels"], 3, axis=-1)
    assert np.array_equal(frames[0], first) and np.array_equal(frames[1], first)
    assert np.array_equal(frames[2], second) and not np.array_equal(second, first)


def test_frame_stack_needs_an_image_key():
    with pytest.raises(ValueError, match="image key 'pixels'"):
        FrameStack(gymnasium.make("Pendulum-v1"), 3)


def test_batch_of_one_casts_each_key_to_its_dtype():
    batch = batch_of_one({"pixels": np.zeros((8, 8, 3)), "position": [1, 2]}, LAYOUT)
    assert batch["pixels"].shape == (1, 8, 8, 3) and batch["pixels"].dtype == np.uint8
    assert batch["position"].dtype == np.float32


def test_pixel_settings_are_filled_in_and_unknown_ones_refused():
    from softlearning_tf2.environments.observations import pixel_settings

    assert pixel_settings({"width": 64}) == {"width": 64, "height": 84, "camera_id": None,
                                             "pixels_only": True}
    with pytest.raises(ValueError, match=r"unknown pixels settings \['size'\]; valid: width"):
        pixel_settings({"size": 64})
