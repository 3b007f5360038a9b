"""The mixture, flow, latent-space and MCMC policies through the whole package: trained by their
algorithms, checkpointed and restored, exported to SavedModels that plain TensorFlow runs."""
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.policies.export import export_policy
from tests.experiments.test_experiment import all_state, tiny_variant
from tests.policies.test_export import make_checkpoint, run_in_plain_tensorflow

pytestmark = pytest.mark.integration

MULTI_GOAL = ("MultiGoal", "Default-v0")
MCMC_TINY = ["policy_params.config.num_burnin_steps=10", "policy_params.config.num_steps=2"]
CASES = {
    "GMM-SAC": ("SAC", ["policy_params.class_name=GMMPolicy"]),
    "GMM-SACV": ("SACV", ["policy_params.class_name=GMMPolicy"]),
    "RealNVP-SAC": ("SAC", ["policy_params.class_name=RealNVPPolicy"]),
    "RealNVP-SACV": ("SACV", ["policy_params.class_name=RealNVPPolicy"]),
    "LatentSpace-SAC": ("SAC", ["policy_params.class_name=LatentSpacePolicy"]),
    "MCMC-SQL": ("SQL", ["policy_params.class_name=MCMCSamplerPolicy", *MCMC_TINY]),
}


@pytest.mark.parametrize("case", ["GMM-SAC", "GMM-SACV", "RealNVP-SAC", "RealNVP-SACV",
                                  "MCMC-SQL"])
def test_checkpoint_round_trip_restores_everything(tmp_path, case):
    algorithm, extra = CASES[case]
    experiment = Experiment(tiny_variant(algorithm=algorithm, domain=MULTI_GOAL[0],
                                         task=MULTI_GOAL[1], extra=extra))
    experiment.train_epoch()
    experiment.save(str(tmp_path))
    restored = Experiment(tiny_variant(seed=1, algorithm=algorithm, domain=MULTI_GOAL[0],
                                       task=MULTI_GOAL[1], extra=extra))
    restored.restore(str(tmp_path))
    arrays, data, _ = all_state(experiment)
    restored_arrays, restored_data, _ = all_state(restored)
    assert arrays.keys() == restored_arrays.keys()
    for key in arrays:
        np.testing.assert_array_equal(arrays[key], restored_arrays[key], err_msg=key)
    if case == "MCMC-SQL":  # the sampler's chain is kept; no sampler network, no optimizer
        assert "variables/policy_chain_state" in arrays
        assert bool(arrays["variables/policy_chain_started"])
        assert not any(key.startswith("optimizers/policy/") for key in arrays)
    else:
        assert any(key.startswith("optimizers/policy/") for key in arrays)
    assert restored.train_epoch()["timestep"] == 240


def multi_goal_observations(count, seed=0):
    return np.random.default_rng(seed).uniform(-6, 6, (count, 2)).astype(np.float32)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("richer-exports")
    observations = multi_goal_observations(23)
    actions = np.random.default_rng(2).uniform(-0.9, 0.9, (23, 2)).astype(np.float32)
    np.savez(root / "inputs.npz", observations=observations, actions=actions)
    result = {}
    for case in ("GMM-SAC", "RealNVP-SAC", "LatentSpace-SAC", "MCMC-SQL"):
        algorithm, extra = CASES[case]
        checkpoint_dir, experiment = make_checkpoint(algorithm, *MULTI_GOAL, extra=extra)
        export_dir = str(root / case)
        export_policy(checkpoint_dir, export_dir)
        result[case] = {"dir": export_dir, "experiment": experiment}
    report = run_in_plain_tensorflow(root, result, timeout=600)
    assert report["banned_modules"] == []  # neither this package nor TFP was imported
    return {"cases": result, "observations": observations, "actions": actions}


@pytest.mark.parametrize("case", ["GMM-SAC", "RealNVP-SAC", "LatentSpace-SAC", "MCMC-SQL"])
def test_export_acts_like_the_trained_policy(exports, case):
    export = exports["cases"][case]
    policy = export["experiment"].policy
    observations = exports["observations"]
    outputs = export["outputs"]
    expected = policy.deterministic_actions(tf.constant(observations)).numpy()
    # MultiGoal's action box is [-1, 1]^2: environment actions are the policy's.
    np.testing.assert_allclose(outputs["deterministic_37"], expected, atol=1e-5)
    np.testing.assert_allclose(outputs["deterministic_1"], expected[:1], atol=1e-5)
    first, second = outputs["sample_a"], outputs["sample_b"]
    assert first.shape == (23, 2) and np.all(np.abs(first) <= 1.0)
    assert not np.allclose(first, second)
    # Reseeded: one signature, the same inputs, shapes and noise in one process: bit for bit.
    np.testing.assert_array_equal(outputs["seeded_a"], outputs["seeded_b"])
    if policy.has_log_prob:
        assert export["signatures"] == ["log_prob", "sample", "serving_default"]
        expected_log_prob = policy.log_probs(tf.constant(observations),
                                             tf.constant(exports["actions"])).numpy()
        np.testing.assert_allclose(outputs["log_prob"], expected_log_prob, rtol=1e-4,
                                   atol=1e-4)
    else:
        assert export["signatures"] == ["sample", "serving_default"]


def test_export_samples_follow_the_policy(exports):
    """The GMM export's stochastic actions at one observation have the mixture's moments."""
    export = exports["cases"]["GMM-SAC"]
    policy = export["experiment"].policy
    observation = exports["observations"][:1]
    loader = ("import sys, numpy as np, tensorflow as tf\n"
              "loaded = tf.saved_model.load(sys.argv[1])\n"
              "batch = tf.constant(np.repeat(np.array([" + repr(observation[0].tolist())
              + "], np.float32), 20000, axis=0))\n"
              "actions = loaded.signatures['sample'](observations=batch)['actions'].numpy()\n"
              "np.save(sys.argv[2], actions)\n")
    target = os.path.join(os.path.dirname(export["dir"]), "gmm-samples.npy")
    process = subprocess.run([sys.executable, "-c", loader, export["dir"], target],
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert process.returncode == 0, process.stderr[-2000:]
    exported = np.load(target)
    reference = policy.actions(tf.constant(np.repeat(observation, 20000, axis=0))).numpy()
    np.testing.assert_allclose(exported.mean(axis=0), reference.mean(axis=0), atol=0.03)
    np.testing.assert_allclose(exported.std(axis=0), reference.std(axis=0), atol=0.03)
