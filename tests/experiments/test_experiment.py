"""The experiment a trial runs (and the Python API): built from a variant, saved and restored
whole."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from softlearning_tf2.checkpoints import CheckpointError, to_arrays
from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.experiments.variants import apply_overrides, get_variant
from tests.conftest import PROJECT_ROOT

# Whole experiments: environments, pool, sampler, algorithm and checkpoint files together.
pytestmark = pytest.mark.integration

TINY = [
    "algorithm_params.config.n_epochs=2",
    "algorithm_params.config.epoch_length=120",
    "algorithm_params.config.n_initial_exploration_steps=60",
    "algorithm_params.config.min_pool_size=60",
    "algorithm_params.config.batch_size=16",
    "policy_params.config.hidden_layer_sizes=[16,16]",
    "Q_params.config.hidden_layer_sizes=[16,16]",
    "replay_pool_params.config.max_size=1000",
    "algorithm_params.config.final_eval_n_episodes=1",
]


def tiny_variant(seed=0, algorithm="SAC", domain="Pendulum", task="v1", extra=()):
    # ``extra`` first, for the policy class it may choose; then again after the tiny sizes.
    variant = apply_overrides(get_variant(algorithm, "gymnasium", domain, task, seed), extra)
    # Discrete SQL's Boltzmann policy (and the MCMC sampler) has no network of its own.
    tiny = [override for override in TINY if not override.startswith("policy_params")
            or "hidden_layer_sizes" in variant["policy_params"]["config"]]
    return apply_overrides(variant, tiny + list(extra))


def all_state(experiment):
    arrays = to_arrays(*experiment.algorithm.checkpointables())
    return arrays, experiment.algorithm.training_state(), experiment.pool.state_dict()


@pytest.mark.parametrize("algorithm, domain", [
    ("SAC", "Pendulum"), ("SACV", "Pendulum"), ("SQL", "Pendulum"), ("SAC", "CartPole"),
    ("SQL", "CartPole"), ("SQL", "MinAtar/Breakout")])
def test_checkpoint_round_trip_restores_everything(tmp_path, algorithm, domain):
    task = "v1"
    experiment = Experiment(tiny_variant(algorithm=algorithm, domain=domain, task=task))
    diagnostics = experiment.train_epoch()
    assert diagnostics["timestep"] == 120 and not diagnostics["done"]
    experiment.save(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["algorithm.npz", "manifest.json",
                                            "replay_pool_chunk.npz", "training_state.json",
                                            "variant.json"]

    # A different seed: different initial weights, all of them overwritten by the restore.
    restored = Experiment(tiny_variant(seed=1, algorithm=algorithm, domain=domain, task=task))
    restored.restore(str(tmp_path))
    arrays, data, pool = all_state(experiment)
    restored_arrays, restored_data, restored_pool = all_state(restored)
    assert arrays.keys() == restored_arrays.keys()
    # Discrete SQL's Boltzmann policy is its Q function: nothing else to optimize.
    has_policy_optimizer = algorithm != "SQL" or domain == "Pendulum"
    assert any(key.startswith("optimizers/policy/") for key in arrays) == has_policy_optimizer
    assert any(key.startswith("models/Q_0/") for key in arrays)
    for key in arrays:
        np.testing.assert_array_equal(arrays[key], restored_arrays[key], err_msg=key)
    assert restored_data["epoch"] == 1 and restored_data["sampler"] == data["sampler"]
    for field in pool["transitions"]:
        np.testing.assert_array_equal(pool["transitions"][field],
                                      restored_pool["transitions"][field])
    # Training goes on from the restored epoch.
    assert restored.train_epoch()["timestep"] == 240


def test_restore_from_an_incomplete_checkpoint_names_the_missing_file(tmp_path):
    experiment = Experiment(tiny_variant())
    experiment.save(str(tmp_path))
    os.remove(tmp_path / "algorithm.npz")
    with pytest.raises(CheckpointError, match="algorithm.npz is missing"):
        Experiment(tiny_variant()).restore(str(tmp_path))


def test_truncated_checkpoint_file_is_named_and_nothing_changes(tmp_path):
    experiment = Experiment(tiny_variant())
    experiment.train_epoch()
    experiment.save(str(tmp_path))
    path = tmp_path / "algorithm.npz"
    path.write_bytes(path.read_bytes()[:1000])
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    with pytest.raises(CheckpointError, match=r"algorithm.npz is truncated"):
        Experiment(tiny_variant()).restore(str(tmp_path))
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before


def test_replay_pool_is_saved_incrementally_and_rebuilt_from_the_chain(tmp_path):
    variant = tiny_variant(extra=["algorithm_params.config.n_epochs=4",
                                  "replay_pool_params.config.max_size=300"])
    experiment = Experiment(variant)
    for index in range(3):
        experiment.train_epoch()
        experiment.save(str(tmp_path / f"checkpoint_{index:06d}"))
    sizes = [len(np.load(tmp_path / f"checkpoint_{index:06d}" / "replay_pool_chunk.npz")
                 ["rewards"]) for index in range(3)]
    assert sizes == [120, 120, 120]  # only what each epoch added
    restored = Experiment(variant)
    restored.restore(str(tmp_path / "checkpoint_000002"))
    assert restored.pool.size == 300 and restored.pool.samples_added == 360
    for field, values in experiment.pool.last_n_batch(300).items():
        np.testing.assert_array_equal(restored.pool.last_n_batch(300)[field], values)
    # The chain needs checkpoint 1 (samples 120..240); losing it is a clear error.
    shutil.rmtree(tmp_path / "checkpoint_000001")
    with pytest.raises(CheckpointError, match="cannot be rebuilt"):
        Experiment(variant).restore(str(tmp_path / "checkpoint_000002"))


RESUME_IN_NEW_PROCESS = """
import json, sys
from softlearning_tf2.experiments.experiment import Experiment

variant = json.load(open(sys.argv[1]))
experiment = Experiment(variant)
experiment.restore(sys.argv[2])
experiment.train_epoch()
experiment.save(sys.argv[3])
"""


# REDQ over three dropout critics at G = 4 (the policy step on every 4th update): the
# training state the two add to SAC's (the subset stream, the dropout masks' seed generators)
# at a fraction of G = 20's updates. DroQ is this class with N = M = 2 and layer
# normalization, whose scales and offsets are weights of the Q models, saved with the dense
# layers' kernels (tests/algorithms/test_droq.py checks they are in the checkpoint's arrays);
# left out here because tracing it doubles the test's time (16 s a build).
# (The last policy step's figures are checkpointed too, but the next policy step overwrites
# them, so this comparison cannot see them: they are diagnostics only.)
RESUME_EXTRA = {"REDQ": ["algorithm_params.config.n_train_repeat=4",
                         "algorithm_params.config.policy_update_interval=4",
                         "Q_params.config.n_critics=3", "Q_params.config.dropout_rate=0.1"],
                # Batch Renormalization's warm-up ends inside the first epoch (the critics'
                # after 30 updates, the policy's after 5 of its steps): both phases, and the
                # running statistics and step counters, cross the checkpoint.
                "CrossQ": ["Q_params.config.batch_renorm_warmup_steps=30",
                           "policy_params.config.batch_renorm_warmup_steps=5"],
                # SimBa networks: the running normalizer, fed by the pool, and AdamW. The
                # numpy pool: its restore re-adds the stored transitions, which must not
                # reach the normalizer a second time (the in-graph pool writes them directly).
                "SAC+simba": ["Q_params.config.network=simba", "Q_params.config.simba_width=16",
                              "policy_params.config.network=simba",
                              "policy_params.config.simba_width=16",
                              "replay_pool_params.class_name=SimpleReplayPool"]}


@pytest.mark.parametrize("algorithm, domain, task, new_process", [
    ("SAC", "Pendulum", "v1", True), ("SQL", "Pendulum", "v1", False),
    ("SAC", "TabularMDP", "Random-v0", False), ("SQL", "TabularMDP", "Random-v0", False),
    ("TQC", "Pendulum", "v1", False), ("REDQ", "Pendulum", "v1", False),
    ("CrossQ", "Pendulum", "v1", False), ("SAC+simba", "Pendulum", "v1", False)])
def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path, algorithm, domain, task,
                                                         new_process):
    """Train two epochs straight, or one, save, restore (in a new process for SAC: no state
    hides in process globals) and train one more: the same weights, pool and counters.
    (The tabular MDP has discrete actions and never terminates: DiscreteSAC / DiscreteSQL.)"""
    # Epochs of one 100-step episode each: they end on episode boundaries.
    variant = tiny_variant(algorithm=algorithm.split("+")[0], domain=domain, task=task,
                           extra=["algorithm_params.config.epoch_length=100",
                                  "sampler_params.config.max_path_length=100",
                                  *RESUME_EXTRA.get(algorithm, [])])
    straight = Experiment(variant)
    straight.train_epoch()
    straight.train_epoch()

    first = Experiment(variant)
    first.train_epoch()
    first.save(str(tmp_path / "checkpoint_000000"))
    if new_process:
        (tmp_path / "variant.json").write_text(json.dumps(variant))
        result = subprocess.run(
            [sys.executable, "-c", RESUME_IN_NEW_PROCESS, str(tmp_path / "variant.json"),
             str(tmp_path / "checkpoint_000000"), str(tmp_path / "checkpoint_000001")],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    else:
        second = Experiment(variant)
        second.restore(str(tmp_path / "checkpoint_000000"))
        second.train_epoch()
        second.save(str(tmp_path / "checkpoint_000001"))

    resumed = Experiment(variant)  # only a reader of the second checkpoint
    resumed.restore(str(tmp_path / "checkpoint_000001"))
    arrays, data, pool = all_state(straight)
    resumed_arrays, resumed_data, resumed_pool = all_state(resumed)
    assert arrays.keys() == resumed_arrays.keys()
    # The same updates on the same batches and shapes, by this package in this environment
    # (the child process too): bit for bit.
    for key in arrays:
        np.testing.assert_array_equal(arrays[key], resumed_arrays[key], err_msg=key)
    assert resumed_data["sampler"] == data["sampler"]
    for field in pool["transitions"]:
        np.testing.assert_array_equal(pool["transitions"][field],
                                      resumed_pool["transitions"][field], err_msg=field)


def test_nonfinite_training_stops_and_the_last_checkpoint_stays_restorable(tmp_path):
    experiment = Experiment(tiny_variant())
    experiment.train_epoch()
    experiment.save(str(tmp_path / "checkpoint_000000"))
    before = {name: (tmp_path / "checkpoint_000000" / name).read_bytes()
              for name in os.listdir(tmp_path / "checkpoint_000000")}
    rewards = experiment.pool.fields["rewards"]  # a tf.Variable (TensorReplayPool)
    rewards.assign(np.full(rewards.shape, np.inf, np.float32))
    with pytest.raises(FloatingPointError, match="update step"):
        experiment.train_epoch()
    after = {name: (tmp_path / "checkpoint_000000" / name).read_bytes()
             for name in os.listdir(tmp_path / "checkpoint_000000")}
    assert after == before
    restored = Experiment(tiny_variant())
    restored.restore(str(tmp_path / "checkpoint_000000"))
    assert restored.train_epoch()["timestep"] == 240


@pytest.mark.parametrize("algorithm", ["SAC", "SQL"])
def test_diagnostics_do_not_change_training(algorithm):
    """Diagnostics draw their batch and noise from streams of their own."""
    plain = Experiment(tiny_variant(algorithm=algorithm))
    plain.train_epoch()
    plain.train_epoch()
    observed = Experiment(tiny_variant(algorithm=algorithm))
    for _ in range(2):
        for _ in range(3):
            observed.algorithm.get_diagnostics()
        observed.train_epoch()
    arrays, _, pool = all_state(plain)
    observed_arrays, _, observed_pool = all_state(observed)
    for key in arrays:  # two runs with one seed in one process: bit for bit
        np.testing.assert_array_equal(arrays[key], observed_arrays[key], err_msg=key)
    np.testing.assert_array_equal(pool["transitions"]["actions"],
                                  observed_pool["transitions"]["actions"])


def test_python_api_builds_trains_saves_loads_and_acts(tmp_path):
    experiment = Experiment.from_defaults(
        "SAC", domain="Pendulum", seed=0, n_epochs=2, epoch_length=60,
        n_initial_exploration_steps=30, min_pool_size=30, batch_size=16,
        overrides={"policy_params.config.hidden_layer_sizes": [8],
                   "Q_params.config.hidden_layer_sizes": [8]})
    results = experiment.train()
    assert [result["timestep"] for result in results] == [60, 120]
    assert experiment.train() == [] and experiment.diagnostics == results
    experiment.save(str(tmp_path / "checkpoint_000002"))
    loaded = Experiment.load(str(tmp_path / "checkpoint_000002"))
    observation = np.array([1.0, 0.0, 0.5], np.float32)
    # The same weights and the same computation on one observation, in this process.
    np.testing.assert_array_equal(loaded.act(observation), experiment.act(observation))
    normalized = experiment.policy.action(observation, deterministic=True)
    np.testing.assert_allclose(experiment.act(observation), 2.0 * normalized)  # torque bounds
    assert loaded.algorithm.epoch == 2 and loaded.pool.size == 120


def test_saves_outside_a_trial_directory_stand_alone(tmp_path):
    """Two saves to unrelated directories (or twice to one): each holds the whole pool."""
    experiment = Experiment(tiny_variant())
    experiment.train_epoch()
    experiment.save(str(tmp_path / "first"))
    experiment.train_epoch()
    experiment.save(str(tmp_path / "second"))
    experiment.save(str(tmp_path / "second"))
    for name, size in (("first", 120), ("second", 240)):
        loaded = Experiment.load(str(tmp_path / name))
        assert loaded.pool.size == size and loaded.algorithm.epoch == size // 120
        np.testing.assert_array_equal(loaded.pool.last_n_batch(size)["actions"],
                                      experiment.pool.last_n_batch(240)["actions"][:size])


def test_the_last_epoch_evaluates_final_eval_n_episodes():
    """The run ends with a mean and a spread over several evaluation episodes; the other
    epochs evaluate ``eval_n_episodes``."""
    experiment = Experiment.from_defaults(
        "SAC", domain="Pendulum", seed=0, n_epochs=3, epoch_length=40,
        n_initial_exploration_steps=20, min_pool_size=20, batch_size=16,
        eval_n_episodes=1, final_eval_n_episodes=4,
        overrides={"policy_params.config.hidden_layer_sizes": [8],
                   "Q_params.config.hidden_layer_sizes": [8],
                   "sampler_params.config.max_path_length": 20})
    results = experiment.train()
    assert [result["evaluation/episodes"] for result in results] == [1, 1, 4]
    last = results[-1]
    # Four episodes from different starts: a spread, inside the returns' range.
    assert last["evaluation/episode-reward-min"] < last["evaluation/episode-reward-max"]
    assert 0 < last["evaluation/episode-reward-std"] <= (
        last["evaluation/episode-reward-max"] - last["evaluation/episode-reward-min"])
    with pytest.raises(ValueError, match="final_eval_n_episodes"):
        Experiment.from_defaults("SAC", domain="Pendulum", final_eval_n_episodes=-1)
