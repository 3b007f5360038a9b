"""Exported policies: plain-TensorFlow SavedModels (and TFLite) that act like the trained policy.

Checkpoints come from tiny in-process training runs (``make_checkpoint``, shared with the
script tests); the exports are loaded in a fresh Python process where this package and
TensorFlow Probability cannot be imported.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import tensorflow as tf

import softlearning_tf2
from softlearning_tf2.checkpoints import Checkpoint
from softlearning_tf2.policies.trained_policy import EXPORT_METADATA_FILE as METADATA_FILE
from softlearning_tf2.policies.trained_policy import load_policy, make_environment
from softlearning_tf2.policies.export import TFLITE_FILE, export_policy, graph_op_types
from tests.float_compare import assert_float32_close
from tests.numpy_reference import policy_shift_and_std, tanh_gaussian_log_prob

TINY_RUN = ["algorithm_params.config.n_epochs=1"]
_CHECKPOINTS = {}


def make_checkpoint(algorithm="SAC", domain="Pendulum", task="v1", extra=()):
    """(checkpoint directory, Experiment) of a one-epoch tiny run, made once per session.

    The directory is shared by every test that asks for the same run: copy it before changing
    anything in it.
    """
    from softlearning_tf2.experiments.experiment import Experiment
    from tests.experiments.test_experiment import tiny_variant

    key = (algorithm, domain, task, tuple(extra))
    if key not in _CHECKPOINTS:
        experiment = Experiment(tiny_variant(seed=0, algorithm=algorithm, domain=domain,
                                             task=task, extra=TINY_RUN + list(extra)))
        experiment.train_epoch()
        directory = tempfile.mkdtemp(prefix=f"softlearning-test-{algorithm}-{domain}-")
        atexit.register(shutil.rmtree, directory, True)
        experiment.save(directory)
        _CHECKPOINTS[key] = (directory, experiment)
    return _CHECKPOINTS[key]


def pendulum_observations(count, seed=0):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(-np.pi, np.pi, count)
    return np.stack([np.cos(angle), np.sin(angle), rng.uniform(-8, 8, count)],
                    axis=1).astype(np.float32)


# A fresh interpreter that cannot import this package or TFP: the export must load and run
# with TensorFlow alone. (``import tensorflow`` itself imports Keras 3 when it is installed, so
# Keras cannot be kept out; nothing of the export needs it.)
LOADER_PREAMBLE = r"""
import importlib.abc, json, sys
BLOCKED = ("softlearning_tf2", "tensorflow_probability", "tests", "examples")

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this process")
        return None

sys.meta_path.insert(0, Blocker())
import numpy as np
import tensorflow as tf
"""
LOADER = LOADER_PREAMBLE + r"""
request = json.loads(sys.argv[1])
inputs = np.load(request["inputs"])
observations = inputs["observations"]
for name, export_dir in request["exports"].items():
    loaded = tf.saved_model.load(export_dir)
    signatures = loaded.signatures
    deterministic = signatures["serving_default"]
    sample = signatures["sample"]
    results = {
        "deterministic_37": deterministic(observations=tf.constant(observations))["actions"],
        "deterministic_1": deterministic(observations=tf.constant(observations[:1]))["actions"],
        "sample_a": sample(observations=tf.constant(observations))["actions"],
        "sample_b": sample(observations=tf.constant(observations))["actions"],
        "sample_1": sample(observations=tf.constant(observations[:1]))["actions"],
    }
    loaded.seed_noise(tf.constant(5, tf.int64))
    results["seeded_a"] = sample(observations=tf.constant(observations))["actions"]
    loaded.seed_noise(tf.constant(5, tf.int64))
    results["seeded_b"] = sample(observations=tf.constant(observations))["actions"]
    if "log_prob" in signatures:
        results["log_prob"] = signatures["log_prob"](
            observations=tf.constant(observations),
            actions=tf.constant(inputs["actions"]))["log_prob"]
    np.savez(request["outputs"][name], **{key: np.asarray(value) for key, value in results.items()})
    with open(request["outputs"][name] + ".json", "w") as file:
        json.dump({"signatures": sorted(signatures)}, file)
banned = sorted({module.split(".")[0] for module in sys.modules} & set(BLOCKED))
print(json.dumps({"banned_modules": banned}))
"""


# DroQ at G = 4: the export is the policy's, whatever the critics' update ratio.
EXPORT_EXTRA = {"DroQ": ("algorithm_params.config.n_train_repeat=4",
                         "algorithm_params.config.policy_update_interval=4"),
                # Past the warm-up: the running statistics the export must carry have moved.
                "CrossQ": ("policy_params.config.batch_renorm_warmup_steps=5",),
                # SAC with SimBa networks: the running normalizer must reach the export.
                "SAC+simba": ("Q_params.config.network=simba", "Q_params.config.simba_width=16",
                              "policy_params.config.network=simba",
                              "policy_params.config.simba_width=16")}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """SAC (with TFLite), SQL, TQC, DroQ and CrossQ exports, and what a TensorFlow-only
    process computed."""
    root = tmp_path_factory.mktemp("exports")
    observations = pendulum_observations(37)
    env_actions = np.random.default_rng(1).uniform(-1.9, 1.9, (37, 1)).astype(np.float32)
    np.savez(root / "inputs.npz", observations=observations, actions=env_actions)
    result = {}
    for algorithm, format in (("SAC", "tflite"), ("SQL", "saved_model"),
                              ("TQC", "saved_model"), ("DroQ", "saved_model"),
                              ("CrossQ", "saved_model"), ("SAC+simba", "saved_model")):
        checkpoint_dir, experiment = make_checkpoint(algorithm.split("+")[0],
                                                     extra=EXPORT_EXTRA.get(algorithm, ()))
        export_dir = str(root / algorithm)
        metadata = export_policy(checkpoint_dir, export_dir, format=format)
        result[algorithm] = {"dir": export_dir, "metadata": metadata, "experiment": experiment,
                             "checkpoint": checkpoint_dir}
    report = run_in_plain_tensorflow(root, result)
    return {"algorithms": result, "report": report, "observations": observations,
            "env_actions": env_actions}


def run_in_plain_tensorflow(root, exports, timeout=300):
    """Runs ``LOADER`` on ``root/inputs.npz`` for every export (``{name: {"dir": ...}}``) in a
    process without this package or TFP; adds each one's ``outputs`` and ``signatures`` to
    its entry and returns the loader's report."""
    request = {"inputs": str(root / "inputs.npz"),
               "exports": {name: value["dir"] for name, value in exports.items()},
               "outputs": {name: str(root / f"{name}-outputs.npz") for name in exports}}
    process = subprocess.run([sys.executable, "-c", LOADER, json.dumps(request)],
                             cwd=str(root), capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert process.returncode == 0, process.stderr[-3000:]
    for name, value in exports.items():
        with np.load(request["outputs"][name]) as outputs:
            value["outputs"] = dict(outputs)
        with open(request["outputs"][name] + ".json") as file:
            value["signatures"] = json.load(file)["signatures"]
    return json.loads(process.stdout.strip().splitlines()[-1])


@pytest.mark.integration
def test_loading_needs_neither_softlearning_nor_tfp(exports):
    assert exports["report"]["banned_modules"] == []


@pytest.mark.integration
@pytest.mark.parametrize("algorithm", ["SAC", "SQL", "TQC", "DroQ", "CrossQ", "SAC+simba"])
def test_deterministic_actions_match_the_trained_policy_in_environment_bounds(exports,
                                                                             algorithm):
    export = exports["algorithms"][algorithm]
    experiment = export["experiment"]
    observations = exports["observations"]
    normalized = experiment.policy.deterministic_actions(tf.constant(observations)).numpy()
    expected = experiment.training_environment.to_environment_actions(normalized)
    outputs = export["outputs"]
    assert outputs["deterministic_37"].shape == (37, 1)
    assert outputs["deterministic_37"].dtype == np.float32
    # The export maps actions op for op as the environment adapter's wrappers do, but its
    # network runs as a SavedModel in another process (and for one row on another kernel path).
    # SimBa's layer normalizations are reductions that the loaded graph may order otherwise:
    # 16 ulps there (measured: 5.5 at most), 4 elsewhere.
    ulps = 16 if "simba" in algorithm else 4
    assert_float32_close(outputs["deterministic_37"], expected, ulps=ulps,
                         differs="SavedModel in a plain-TF process against the Keras policy")
    assert_float32_close(outputs["deterministic_1"], expected[:1], ulps=ulps,
                         differs="a batch of 1 against a batch of 37 (kernel paths); SavedModel "
                                 "in a plain-TF process against the Keras policy")
    # Pendulum's torque is in [-2, 2]: the map from [-1, 1] is visible in the outputs.
    np.testing.assert_allclose(outputs["deterministic_37"], 2.0 * normalized, atol=1e-6)


@pytest.mark.integration
def test_the_crossq_export_s_match_is_of_running_statistics_that_moved(exports):
    # What makes CrossQ's match above a test of the statistics reaching the export: they are
    # no longer their initial 0 and 1 (a loader that lost them would act differently).
    model = exports["algorithms"]["CrossQ"]["experiment"].policy.shift_and_log_scale_model
    layers = [layer for layer in model.layers if type(layer).__name__ == "BatchRenormalization"]
    assert len(layers) == 3
    for layer in layers:
        assert int(layer.steps.numpy()) > 5
        assert np.abs(layer.moving_mean.numpy()).max() > 1e-3
        assert np.abs(layer.moving_variance.numpy() - 1.0).max() > 1e-3


@pytest.mark.integration
def test_the_simba_export_normalizes_with_the_trained_statistics_frozen(exports):
    # The normalizer saw the run's observations (its moments are not the initial 0 and 1),
    # and the export computed its actions with them: the match above is then a test of the
    # moments reaching the SavedModel. The export only reads them: acting updates nothing.
    experiment = exports["algorithms"]["SAC+simba"]["experiment"]
    normalizer = experiment.observation_normalizer
    assert int(normalizer.count.numpy()) == experiment.pool.samples_added > 0
    assert np.abs(normalizer.mean.numpy()).max() > 1e-2
    reloaded = tf.saved_model.load(exports["algorithms"]["SAC+simba"]["dir"])
    # The moments are the export's only float64 and int64 variables: mean, variance, count.
    saved = [variable.numpy() for variable in reloaded.policy_variables
             if variable.dtype in (tf.float64, tf.int64)]
    assert len(saved) == 3
    for saved_moment, moment in zip(saved, (normalizer.mean, normalizer.variance,
                                            normalizer.count)):
        np.testing.assert_array_equal(saved_moment, moment.numpy())
    before = [variable.numpy().copy() for variable in reloaded.policy_variables]
    reloaded.signatures["serving_default"](
        observations=tf.constant(exports["observations"]))
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, reloaded.policy_variables))


@pytest.mark.integration
@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_stochastic_actions_stay_in_bounds_and_vary(exports, algorithm):
    outputs = exports["algorithms"][algorithm]["outputs"]
    first, second = outputs["sample_a"], outputs["sample_b"]
    assert first.shape == (37, 1) and outputs["sample_1"].shape == (1, 1)
    for actions in (first, second, outputs["sample_1"]):
        assert np.all(actions >= -2.0) and np.all(actions <= 2.0)
    assert not np.allclose(first, second)  # fresh noise on every call
    assert np.std(first - outputs["deterministic_37"]) > 1e-3
    # seed_noise makes the stream reproducible: one signature, the same inputs, shapes and
    # noise, in one process, so bit for bit.
    np.testing.assert_array_equal(outputs["seeded_a"], outputs["seeded_b"])


@pytest.mark.integration
def test_sac_log_prob_is_the_density_in_environment_action_space(exports):
    export = exports["algorithms"]["SAC"]
    assert export["signatures"] == ["log_prob", "sample", "serving_default"]
    policy = export["experiment"].policy
    observations, env_actions = exports["observations"], exports["env_actions"]
    low, high = -2.0, 2.0
    normalized = ((env_actions.astype(np.float64) - low) / (high - low) * 2.0 - 1.0)
    log_jacobian = np.log((high - low) / 2.0)  # one action dimension
    expected = policy.log_probs(tf.constant(observations),
                                tf.constant(normalized, tf.float32)).numpy() - log_jacobian
    np.testing.assert_allclose(export["outputs"]["log_prob"], expected, rtol=1e-5, atol=1e-5)

    # And from numpy alone: the network, the tanh-Gaussian density, the affine Jacobian.
    shift, std = policy_shift_and_std([w.astype(np.float64) for w in policy.get_weights()],
                                      observations.astype(np.float64))
    reference = tanh_gaussian_log_prob(np.arctanh(normalized), shift, std) - log_jacobian
    np.testing.assert_allclose(export["outputs"]["log_prob"], reference, rtol=1e-4, atol=1e-3)


@pytest.mark.integration
def test_sql_export_has_no_log_prob(exports):
    export = exports["algorithms"]["SQL"]
    assert export["signatures"] == ["sample", "serving_default"]
    assert "log_prob" not in export["metadata"]["signatures"]


@pytest.mark.integration
def test_metadata_describes_environment_spaces_and_training(exports):
    export = exports["algorithms"]["SAC"]
    path = os.path.join(export["dir"], "assets", METADATA_FILE)
    with open(path) as file:
        metadata = json.load(file)
    with open(os.path.join(export["checkpoint"], "training_state.json")) as file:
        timestep = json.load(file)["sampler"]["total_samples"]
    assert metadata["environment_id"] == "Pendulum-v1"
    assert metadata["environment_params"] == {"universe": "gymnasium", "domain": "Pendulum",
                                              "task": "v1", "kwargs": {}}
    assert metadata["algorithm"] == "SAC"
    assert metadata["training_timestep"] == timestep == 120
    assert metadata["softlearning_tf2_version"] == softlearning_tf2.__version__
    assert metadata["observation_space"] == {"shape": [3], "dtype": "float32",
                                             "low": [-1.0, -1.0, -8.0], "high": [1.0, 1.0, 8.0]}
    assert metadata["action_space"] == {"shape": [1], "dtype": "float32",
                                        "low": [-2.0], "high": [2.0]}
    assert metadata["action_bounds"] == {"low": [-2.0], "high": [2.0]}
    assert set(metadata["signatures"]) == {"serving_default", "sample", "log_prob"}
    sql = exports["algorithms"]["SQL"]["metadata"]
    assert sql["algorithm"] == "SQL" and sql["policy_params"]["class_name"] == (
        "AmortizedSamplerPolicy")


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
def test_tflite_agrees_with_the_saved_model(exports):
    export = exports["algorithms"]["SAC"]
    observations = exports["observations"]
    interpreter = tf.lite.Interpreter(model_path=os.path.join(export["dir"], TFLITE_FILE))
    input_detail, = interpreter.get_input_details()
    output_detail, = interpreter.get_output_details()
    assert list(input_detail["shape_signature"]) == [-1, 3]
    for batch in (observations[:1], observations):
        interpreter.resize_tensor_input(input_detail["index"], batch.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(input_detail["index"], batch)
        interpreter.invoke()
        actions = interpreter.get_tensor(output_detail["index"])
        np.testing.assert_allclose(actions, export["outputs"]["deterministic_37"][:len(batch)],
                                   atol=1e-5, rtol=0)
    assert not os.path.exists(os.path.join(exports["algorithms"]["SQL"]["dir"], TFLITE_FILE))


@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_traced_graphs_hold_only_core_tensorflow_ops(algorithm):
    from softlearning_tf2.policies.export import ExportedPolicy

    checkpoint_dir, _ = make_checkpoint(algorithm)
    checkpoint = Checkpoint.read(checkpoint_dir)
    environment = make_environment(checkpoint.environment_params)
    policy = load_policy(checkpoint, environment)
    space = environment.raw.action_space
    module = ExportedPolicy(policy, environment.action_rescaling(), space.low, space.high)
    for name, function in module.signatures().items():
        ops = graph_op_types(function)
        assert "MatMul" in ops, name
        assert all(hasattr(tf.raw_ops, op) for op in ops), (name, ops)
