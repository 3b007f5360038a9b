"""Dict and image observations through an Experiment: pool, sampler, resume, export, simulate.

Epochs of 50 steps end with the 50-step episodes of PixelPoint: a checkpoint keeps no path in
progress, so resumes compare at path boundaries."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2 import Experiment
from softlearning_tf2.scripts import simulate_policy
from tests.experiments.resume_checks import save_restore_and_compare
from tests.float_compare import float32_tolerance
from tests.policies.test_export import LOADER_PREAMBLE
from tests.scripts.test_simulate_policy import parse

pytestmark = pytest.mark.integration  # Experiments, child processes

SMALL_CONVNET = {"class_name": "convnet",
                 "config": {"conv_filters": [8], "conv_kernel_sizes": [3], "conv_strides": [2],
                            "output_size": 16}}


def pixel_point(algorithm="SAC", **overrides):
    return Experiment.from_defaults(
        algorithm, domain="PixelPoint", seed=0, n_epochs=3, epoch_length=50,
        n_initial_exploration_steps=50, min_pool_size=50, batch_size=16, max_size=500,
        final_eval_n_episodes=1, overrides={"observation_params.random_shift": 2,
                   "observation_params.preprocessors": {"pixels": SMALL_CONVNET},
                   **overrides})


def test_each_key_keeps_its_shape_and_dtype_through_sampler_and_pool():
    experiment = pixel_point()
    experiment.train(1)
    pool = experiment.pool
    assert pool.size == 50
    batch = pool.random_batch(5)
    assert batch["observations"]["pixels"].dtype == np.uint8
    assert batch["observations"]["pixels"].shape == (5, 32, 32, 3)
    assert batch["next_observations"]["position"].dtype == np.float32
    assert batch["actions"].shape == (5, 2)
    # The sampler's transitions: each next position is the point moved by its action.
    moved = np.clip(batch["observations"]["position"] + 0.1 * np.clip(batch["actions"], -1, 1),
                    -1, 1)
    np.testing.assert_allclose(batch["next_observations"]["position"], moved, atol=1e-6)
    # The next image is the one rendered at the next position.
    environment = experiment.training_environment.unwrapped
    for position, image in zip(batch["next_observations"]["position"],
                               batch["next_observations"]["pixels"]):
        environment._position = position
        np.testing.assert_array_equal(image, environment.render())


@pytest.mark.parametrize("sharing", ["critic", "separate"])
def test_resume_with_image_observations_is_bit_exact(tmp_path, sharing):
    experiment = pixel_point(**{"observation_params.encoder_sharing": sharing})
    experiment.train(2)
    save_restore_and_compare(experiment, tmp_path / "checkpoint_000002")
    optimizers = experiment.algorithm.checkpointables()[1]
    assert ("Q_shared" in optimizers) == (sharing == "critic")


def test_observation_keys_select_what_the_networks_see():
    experiment = pixel_point(**{"observation_params.observation_keys": ["pixels"]})
    assert experiment.policy.observation_keys == ["pixels"]
    Q = experiment.algorithm.Qs[0]
    assert sorted(Q.input[0]) == ["pixels"]
    experiment.train(1)  # the pool keeps position; batches and actions leave it out
    assert set(experiment.pool.fields["observations"]) == {"pixels", "position"}
    observation, _ = experiment.training_environment.reset(seed=0)
    assert experiment.act(observation).shape == (2,)


def test_the_export_takes_one_named_input_per_key_and_runs_without_the_package(tmp_path):
    experiment = pixel_point()
    experiment.train(1)
    export_dir = str(tmp_path / "export")
    metadata = experiment.export(export_dir)
    assert metadata["observation_layout"] == {"pixels": {"shape": [32, 32, 3], "dtype": "uint8"},
                                              "position": {"shape": [2], "dtype": "float32"}}
    environment = experiment.evaluation_environment
    observations = [environment.reset(seed=seed)[0] for seed in range(4)]
    batch = {key: np.stack([observation[key] for observation in observations])
             for key in ("pixels", "position")}
    np.savez(tmp_path / "inputs.npz", **batch)
    loader = LOADER_PREAMBLE + r"""
request = json.loads(sys.argv[1])
inputs = dict(np.load(request["inputs"]))
loaded = tf.saved_model.load(request["export"])
function = loaded.signatures["serving_default"]
specs = function.structured_input_signature[1]
actions = function(pixels=tf.constant(inputs["pixels"]),
                   position=tf.constant(inputs["position"]))["actions"].numpy()
print(json.dumps({"inputs": {key: spec.dtype.name for key, spec in specs.items()},
                  "actions": actions.tolist()}))
"""
    request = {"inputs": str(tmp_path / "inputs.npz"), "export": export_dir}
    process = subprocess.run([sys.executable, "-c", loader, json.dumps(request)],
                             capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert process.returncode == 0, process.stderr[-3000:]
    report = json.loads(process.stdout.strip().splitlines()[-1])
    assert report["inputs"] == {"pixels": "uint8", "position": "float32"}
    expected = [experiment.act(observation) for observation in observations]
    np.testing.assert_allclose(report["actions"], expected, rtol=1e-5, atol=1e-6)


def test_simulate_policy_runs_image_checkpoints_and_exports_alike(tmp_path, capsys):
    experiment = pixel_point()
    experiment.train(1)
    experiment.save(str(tmp_path / "checkpoint_000001"))
    experiment.export(str(tmp_path / "export"))
    returns = {}
    for path in ("checkpoint_000001", "export"):
        code = simulate_policy.main([str(tmp_path / path), "--num-rollouts", "2",
                                     "--max-path-length", "20", "--seed", "3",
                                     "--deterministic"])
        captured = capsys.readouterr()
        assert code == 0, captured.err[-3000:]
        returns[path] = parse(captured.out)[0]  # (return, length) of each episode
    assert [length for _, length in returns["export"]] == [20, 20]
    assert [length for _, length in returns["checkpoint_000001"]] == [20, 20]
    # The Keras policy against its SavedModel: actions may differ in their last bits, and each
    # one moves the point that the next image and action see (a pixel could in principle flip):
    # over 20 steps the returns are compared to 32 ulps, plus the 1e-6 of the six decimals
    # the command prints them with (two close values can round to neighbouring prints).
    checkpoint = [value for value, _ in returns["checkpoint_000001"]]
    np.testing.assert_allclose([value for value, _ in returns["export"]], checkpoint, rtol=0,
                               atol=float32_tolerance(checkpoint, 32) + 1e-6,
                               err_msg="SavedModel against the Keras policy, 20-step episodes")


@pytest.mark.parametrize("algorithm", ["SQL", "SACV"])
def test_the_other_algorithms_train_on_image_observations(algorithm):
    experiment = pixel_point(algorithm)
    diagnostics = experiment.train(2)[-1]
    assert np.isfinite(diagnostics["algorithm/Q_0_loss"])
    assert experiment.algorithm.num_train_steps > 0


def test_bad_observation_settings_are_one_line():
    with pytest.raises(ValueError, match="unknown observation key 'depth'.*valid keys: "
                                         "pixels, position"):
        pixel_point(**{"observation_params.observation_keys": ["depth"]})
    with pytest.raises(ValueError, match="random_shift needs an image"):
        pixel_point(**{"observation_params.observation_keys": ["position"],
                       "observation_params.preprocessors": {}})
    with pytest.raises(ValueError, match="flat"):
        Experiment.from_defaults("SAC", domain="Pendulum", seed=0,
                                 overrides={"observation_params.random_shift": 4})
    tf.keras.backend.clear_session()
