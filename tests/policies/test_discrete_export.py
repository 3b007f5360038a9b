"""Exported discrete policies (DiscreteSAC, DiscreteSQL on CartPole-v1): plain TensorFlow
loads them and gets the greedy index, sampled indices and every action's probability; and
``simulate_policy`` runs them."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.checkpoints import Checkpoint
from softlearning_tf2.policies.trained_policy import load_policy, make_environment
from softlearning_tf2.policies.export import exported_module, export_policy, graph_op_types
from softlearning_tf2.scripts import simulate_policy
from tests.policies.test_export import LOADER_PREAMBLE, make_checkpoint
from tests.scripts.test_simulate_policy import parse

pytestmark = pytest.mark.integration

DRAWS = 4000
DISCRETE_LOADER = LOADER_PREAMBLE + r"""
request = json.loads(sys.argv[1])
observations = np.load(request["inputs"])["observations"]
for name, export_dir in request["exports"].items():
    loaded = tf.saved_model.load(export_dir)
    signatures = loaded.signatures
    one = tf.constant(np.repeat(observations[:1], request["draws"], axis=0))
    results = {
        "deterministic": signatures["serving_default"](observations=tf.constant(observations))["actions"],
        "probabilities": signatures["probabilities"](observations=tf.constant(observations))["probabilities"],
        "draws": signatures["sample"](observations=one)["actions"],
    }
    loaded.seed_noise(tf.constant(5, tf.int64))
    results["seeded_a"] = signatures["sample"](observations=tf.constant(observations))["actions"]
    loaded.seed_noise(tf.constant(5, tf.int64))
    results["seeded_b"] = signatures["sample"](observations=tf.constant(observations))["actions"]
    np.savez(request["outputs"][name], **{key: np.asarray(value) for key, value in results.items()})
banned = sorted({module.split(".")[0] for module in sys.modules} & set(BLOCKED))
print(json.dumps({"banned_modules": banned}))
"""


def cartpole_observations(count, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (count, 4)) * [2.0, 1.0, 0.2, 1.0]).astype(np.float32)


@pytest.fixture(scope="module")
def discrete_exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("discrete-exports")
    observations = cartpole_observations(29)
    np.savez(root / "inputs.npz", observations=observations)
    result = {}
    for algorithm in ("SAC", "SQL"):
        checkpoint_dir, experiment = make_checkpoint(algorithm, "CartPole", "v1")
        export_dir = str(root / algorithm)
        metadata = export_policy(checkpoint_dir, export_dir)
        result[algorithm] = {"dir": export_dir, "metadata": metadata, "experiment": experiment,
                             "checkpoint": checkpoint_dir}
    request = {"inputs": str(root / "inputs.npz"), "draws": DRAWS,
               "exports": {name: value["dir"] for name, value in result.items()},
               "outputs": {name: str(root / f"{name}-outputs.npz") for name in result}}
    process = subprocess.run([sys.executable, "-c", DISCRETE_LOADER, json.dumps(request)],
                             cwd=str(root), capture_output=True, text=True, timeout=300,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert process.returncode == 0, process.stderr[-3000:]
    assert json.loads(process.stdout.strip().splitlines()[-1])["banned_modules"] == []
    for name, value in result.items():
        with np.load(request["outputs"][name]) as outputs:
            value["outputs"] = dict(outputs)
    return result, observations


@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_exported_indices_and_probabilities_match_the_trained_policy(discrete_exports,
                                                                     algorithm):
    result, observations = discrete_exports
    export = result[algorithm]
    policy = export["experiment"].policy
    outputs = export["outputs"]
    probabilities = policy.probabilities(observations).numpy()
    np.testing.assert_allclose(outputs["probabilities"], probabilities, atol=1e-6)
    assert outputs["deterministic"].dtype == np.int64
    # The export's argmax runs in another runtime: an index could differ only where the two
    # probabilities tie within rounding (1e-6 above); none comes near one, so indices agree.
    assert np.abs(probabilities[:, 0] - probabilities[:, 1]).min() > 1e-5
    np.testing.assert_array_equal(outputs["deterministic"], probabilities.argmax(-1))
    # Sampled indices of one observation follow its probabilities (4 standard errors).
    frequencies = np.bincount(outputs["draws"], minlength=2) / DRAWS
    p = probabilities[0]
    assert np.all(np.abs(frequencies - p) < 4 * np.sqrt(p * (1 - p) / DRAWS) + 1e-9)
    # Reseeded: one signature, the same inputs, shapes and noise in one process: bit for bit.
    np.testing.assert_array_equal(outputs["seeded_a"], outputs["seeded_b"])
    metadata = export["metadata"]
    assert metadata["action_space"] == {"type": "Discrete", "n": 2, "start": 0,
                                        "dtype": "int64"}
    assert sorted(metadata["signatures"]) == ["probabilities", "sample", "serving_default"]
    assert metadata["algorithm"] == f"Discrete{algorithm}"


@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_discrete_graphs_hold_only_core_tensorflow_ops(algorithm):
    checkpoint = Checkpoint.read(make_checkpoint(algorithm, "CartPole", "v1")[0])
    environment = make_environment(checkpoint.environment_params)
    module = exported_module(load_policy(checkpoint, environment), environment)
    for name, function in module.signatures().items():
        ops = graph_op_types(function)
        assert "MatMul" in ops, name
        assert all(hasattr(tf.raw_ops, op) for op in ops), (name, ops)


@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_simulate_policy_runs_discrete_checkpoints_and_exports_alike(discrete_exports,
                                                                     algorithm, capsys):
    export = discrete_exports[0][algorithm]
    flags = ["--num-rollouts", "2", "--max-path-length", "60", "--seed", "3"]
    returns = {}
    for which, path in (("checkpoint", export["checkpoint"]), ("export", export["dir"])):
        for mode in ("--deterministic", "--stochastic"):
            code = simulate_policy.main([path, *flags, mode])
            captured = capsys.readouterr()
            assert code == 0, captured.err[-3000:]
            episodes, _, count = parse(captured.out)
            assert count == 2 and all(1 <= length <= 60 for _, length in episodes)
            returns[which, mode] = [value for value, _ in episodes]
    # CartPole is deterministic given its reset seed: the greedy policies agree step by step.
    # (Keras against the SavedModel: a greedy index could flip only at a state where the two
    # probabilities tie within rounding; the returns count steps, so they are compared exactly.)
    assert returns["checkpoint", "--deterministic"] == returns["export", "--deterministic"]
