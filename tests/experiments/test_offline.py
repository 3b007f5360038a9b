"""Offline training from a Minari dataset: no sampler, the dataset in the pool, D4RL's
normalized score, checkpoints without the pool and bit-exact resume."""
import os

import gymnasium
import numpy as np
import pytest

from softlearning_tf2.checkpoints import to_arrays
from softlearning_tf2.datasets.minari_datasets import record_episodes, write_dataset
from softlearning_tf2.experiments.experiment import Experiment

pytestmark = pytest.mark.integration  # whole experiments with checkpoint files

DATASET = "test/pendulum/random-v0"
REFERENCES = (-1500.0, -150.0)
SMALL = {"n_epochs": 2, "epoch_length": 40, "n_train_repeat": 20, "batch_size": 32,
         "eval_n_episodes": 1, "final_eval_n_episodes": 2}
SMALL_NETWORKS = {"policy_params.config.hidden_layer_sizes": [16, 16],
                  "Q_params.config.hidden_layer_sizes": [16, 16]}


@pytest.fixture
def pendulum_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    raw = gymnasium.make("Pendulum-v1")
    rng = np.random.default_rng(0)
    buffers, returns = record_episodes(
        raw, lambda observation: rng.uniform(-2, 2, 1).astype(np.float32), 3, seed=0)
    write_dataset(DATASET, buffers, raw, *REFERENCES, "random", "test")
    return returns


def offline_experiment(algorithm, seed=0, **config):
    overrides = {key: value for key, value in SMALL_NETWORKS.items()
                 if algorithm != "BC" or key.startswith("policy")}
    if algorithm == "CQL":
        config.setdefault("cql_n_actions", 2)
    if algorithm in ("SAC-N", "EDAC"):
        config.setdefault("n_critics", 3)
    return Experiment.from_defaults(algorithm, "Pendulum", seed=seed, dataset=DATASET,
                                    overrides=overrides, **{**SMALL, **config})


def test_trains_from_the_dataset_with_no_sampler(pendulum_dataset, tmp_path):
    experiment = offline_experiment("SAC")
    assert experiment.sampler is None and experiment.pool.size == 600
    results = experiment.train()
    assert [result["timestep"] for result in results] == [40, 80]  # gradient updates
    assert experiment.algorithm.num_train_steps == 80
    assert experiment.pool.size == 600  # nothing added
    last = results[-1]
    expected = 100 * (last["evaluation/episode-reward-mean"] - REFERENCES[0]) / (
        REFERENCES[1] - REFERENCES[0])
    np.testing.assert_allclose(last["evaluation/normalized-score-mean"], expected)
    assert last["evaluation/episodes"] == 2
    assert not any(key.startswith("training/") for key in last)
    experiment.save(str(tmp_path / "checkpoint_000000"))
    assert not os.path.exists(tmp_path / "checkpoint_000000" / "replay_pool_chunk.npz")
    from softlearning_tf2.checkpoints import Checkpoint
    assert Checkpoint.read(str(tmp_path / "checkpoint_000000")).timestep == 80  # updates


@pytest.mark.parametrize("algorithm, config", [
    ("BC", {}), ("CQL", {"cql_lagrange": True}), ("EDAC", {}), ("SAC-N", {})])
def test_resume_is_bit_identical_to_an_uninterrupted_run(pendulum_dataset, tmp_path,
                                                         algorithm, config):
    straight = offline_experiment(algorithm, **config)
    straight.train()
    first = offline_experiment(algorithm, **config)
    first.train(1)
    first.save(str(tmp_path / "checkpoint_000000"))
    resumed = Experiment.load(str(tmp_path / "checkpoint_000000"))
    assert resumed.pool.size == 600  # the dataset, read again
    resumed.train()
    expected = to_arrays(*straight.algorithm.checkpointables())
    actual = to_arrays(*resumed.algorithm.checkpointables())
    assert expected.keys() == actual.keys()
    # The same updates on the same batches and shapes, in this process: bit for bit.
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
    assert resumed.diagnostics[-1]["evaluation/episode-reward-mean"] == (
        straight.diagnostics[-1]["evaluation/episode-reward-mean"])


def test_a_rewritten_dataset_is_refused_on_restore(pendulum_dataset, tmp_path):
    import shutil

    from softlearning_tf2.checkpoints import CheckpointError
    from softlearning_tf2.datasets.minari_datasets import dataset_root

    experiment = offline_experiment("BC")
    assert experiment.variant["dataset_params"]["root"] == dataset_root()  # fixed at build
    experiment.train(1)
    experiment.save(str(tmp_path / "checkpoint_000000"))
    Experiment.load(str(tmp_path / "checkpoint_000000"))  # the same data: restores
    shutil.rmtree(os.path.join(dataset_root(), DATASET))
    raw = gymnasium.make("Pendulum-v1")
    rng = np.random.default_rng(1)  # other data under the same id
    buffers, _ = record_episodes(
        raw, lambda observation: rng.uniform(-2, 2, 1).astype(np.float32), 3, seed=1)
    write_dataset(DATASET, buffers, raw, *REFERENCES, "random", "test")
    with pytest.raises(CheckpointError, match="trained on dataset test/pendulum/random-v0 "
                                              "\\(600 transitions.*rewritten"):
        Experiment.load(str(tmp_path / "checkpoint_000000"))


def test_behaviour_cloning_has_no_Q_functions(pendulum_dataset):
    experiment = offline_experiment("BC")
    assert "Q_params" not in experiment.variant
    models, optimizers, _ = experiment.algorithm.checkpointables()
    assert set(models) == {"policy"} and set(optimizers) == {"policy"}


def test_the_unfused_loop_on_a_numpy_pool_takes_the_same_number_of_updates(pendulum_dataset):
    experiment = Experiment.from_defaults(
        "CQL", "Pendulum", seed=0, dataset=DATASET, cql_n_actions=2,
        overrides={**SMALL_NETWORKS, "replay_pool_params.class_name": "SimpleReplayPool"},
        **{**SMALL, "n_epochs": 1})
    experiment.train()
    assert experiment.algorithm.num_train_steps == 40


def test_an_offline_policy_exports(pendulum_dataset, tmp_path):
    experiment = offline_experiment("CQL")
    experiment.train(1)
    metadata = experiment.export(str(tmp_path / "export"))
    assert metadata["algorithm"] == "CQL"


def test_offline_algorithms_need_a_dataset_and_flat_box_tasks():
    for algorithm in ("BC", "CQL", "SAC-N", "EDAC"):
        with pytest.raises(ValueError, match="trains from a dataset: give --dataset"):
            Experiment.from_defaults(algorithm, "Pendulum")
    with pytest.raises(ValueError, match="flat observations and Box actions"):
        Experiment.from_defaults("SAC", "CartPole", dataset="test/cartpole-v0")
    with pytest.raises(ValueError, match="flat observations and Box actions"):
        Experiment.from_defaults("SAC", "Pendulum", pixels=True, dataset="x/y-v0")


def test_cli_trains_offline_and_reports_the_normalized_score(pendulum_dataset, run_cli,
                                                             tmp_path):
    code, out, err = run_cli(
        "run_example_local", "examples.development", "--algorithm", "BC", "--domain",
        "Pendulum", "--dataset", DATASET, "--seed", "0", "--local-dir", str(tmp_path / "runs"),
        "--set", "algorithm_params.config.n_epochs=1",
        "--set", "algorithm_params.config.epoch_length=20",
        "--set", "algorithm_params.config.n_train_repeat=10",
        "--set", "algorithm_params.config.final_eval_n_episodes=1")
    assert code == 0, err[-3000:]
    assert "normalized score" in out


@pytest.mark.parametrize("dataset, message", [
    ("test/nope-v0", "unknown dataset 'test/nope-v0'"),
    (DATASET, "observations are Box\\(3,\\); Hopper-v5's are Box\\(11,\\)")])
def test_cli_refuses_a_bad_dataset_in_one_line(pendulum_dataset, run_cli, tmp_path, dataset,
                                               message):
    domain = "Hopper" if dataset == DATASET else "Pendulum"
    code, out, err = run_cli("run_example_local", "examples.development", "--algorithm", "CQL",
                             "--domain", domain, "--dataset", dataset, "--local-dir",
                             str(tmp_path / "runs"))
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0], err
    import re
    assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "runs").exists()


def test_an_online_run_starts_from_an_offline_checkpoint(pendulum_dataset, tmp_path):
    offline = offline_experiment("CQL")
    offline.train(1)
    offline.save(str(tmp_path / "offline"))
    # Two epochs of 50 steps, the first with no update (the pool holds 50 < 60 transitions):
    # after it the networks are the checkpoint's, as they started the epoch.
    online = Experiment.from_defaults(
        "SAC", "Pendulum", seed=1, n_epochs=2, epoch_length=50, n_initial_exploration_steps=0,
        min_pool_size=60, batch_size=32, final_eval_n_episodes=1,
        overrides={**SMALL_NETWORKS, "run_params.initialize_from": str(tmp_path / "offline")})
    assert online.pending_initialization == str(tmp_path / "offline")
    online.train(1)
    assert online.pending_initialization is None
    for name in ("policy", "Q_0", "Q_1", "Q_target_0", "Q_target_1"):
        for mine, theirs in zip(online.algorithm.checkpointables()[0][name].get_weights(),
                                offline.algorithm.checkpointables()[0][name].get_weights()):
            np.testing.assert_array_equal(mine, theirs, err_msg=name)
    assert online.algorithm.num_train_steps == 0 and online.pool.size == 50
    np.testing.assert_array_equal(online.algorithm._temperature.log_alpha.numpy(),
                                  offline.algorithm._temperature.log_alpha.numpy())
    assert all(variable.numpy().max() == 0  # fresh Adam moments
               for variable in online.algorithm.checkpointables()[1]["Q_0"].variables[2:])
    online.train()  # and it trains online from there
    assert online.algorithm.num_train_steps > 0


def test_a_restored_run_keeps_its_own_weights_not_its_starting_point(pendulum_dataset,
                                                                     tmp_path):
    import shutil

    offline = offline_experiment("BC")
    offline.save(str(tmp_path / "bc"))
    online = Experiment.from_defaults(
        "SAC", "Pendulum", seed=1, n_epochs=2, epoch_length=50, n_initial_exploration_steps=0,
        min_pool_size=32, batch_size=32, final_eval_n_episodes=1,
        overrides={**SMALL_NETWORKS, "run_params.initialize_from": str(tmp_path / "bc")})
    online.train(1)
    online.save(str(tmp_path / "online"))
    saved = online.policy.get_weights()
    shutil.rmtree(tmp_path / "bc")  # the starting point is gone: a restore does not need it
    restored = Experiment.load(str(tmp_path / "online"))
    assert restored.pending_initialization is None
    for mine, theirs in zip(restored.policy.get_weights(), saved):
        np.testing.assert_array_equal(mine, theirs)
    restored.train()
    assert restored.algorithm.done


def test_initializing_from_networks_of_other_shapes_names_the_problem(pendulum_dataset,
                                                                      tmp_path):
    from softlearning_tf2.checkpoints import CheckpointError

    offline = offline_experiment("BC")
    offline.save(str(tmp_path / "bc"))
    # BC's policy fits; its missing Q functions start fresh.
    fits = Experiment.from_defaults("SAC", "Pendulum", overrides=SMALL_NETWORKS)
    assert fits.initialize_from(str(tmp_path / "bc")) == ["policy"]
    with pytest.raises(CheckpointError, match="does not fit the variant's networks"):
        Experiment.from_defaults("SAC", "Pendulum").initialize_from(  # 256 x 256: other shapes
            str(tmp_path / "bc"))
    # The variant's starting point is read on first use: here, the first epoch.
    other_shapes = Experiment.from_defaults("SAC", "Pendulum", overrides={
        "run_params.initialize_from": str(tmp_path / "bc")})
    with pytest.raises(CheckpointError, match="does not fit the variant's networks"):
        other_shapes.train(1)


def test_a_save_before_the_first_epoch_holds_the_starting_weights(pendulum_dataset, tmp_path):
    offline = offline_experiment("BC")
    offline.train(1)  # away from the weights a policy of the same seed is built with
    offline.save(str(tmp_path / "bc"))
    start = offline.policy.get_weights()
    online = Experiment.from_defaults("SAC", "Pendulum", overrides={
        **SMALL_NETWORKS, "run_params.initialize_from": str(tmp_path / "bc")})
    online.save(str(tmp_path / "online"))  # before any epoch, as Tune may save
    restored = Experiment.load(str(tmp_path / "online"))
    for mine, theirs in zip(restored.policy.get_weights(), start):
        np.testing.assert_array_equal(mine, theirs)


def test_an_explicit_initialization_replaces_the_variant_s(pendulum_dataset, tmp_path):
    first, second = offline_experiment("BC"), offline_experiment("BC", seed=7)
    first.train(1)  # neither is the policy the online run is built with
    first.save(str(tmp_path / "first"))
    second.save(str(tmp_path / "second"))
    online = Experiment.from_defaults("SAC", "Pendulum", overrides={
        **SMALL_NETWORKS, "run_params.initialize_from": str(tmp_path / "first")})
    online.initialize_from(str(tmp_path / "second"))
    assert online.pending_initialization is None
    online.checkpoint_view()  # a first use: nothing more is loaded
    for mine, theirs in zip(online.policy.get_weights(), second.policy.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_cli_refuses_an_unreadable_initialization_in_one_line(run_cli, tmp_path):
    code, out, err = run_cli("run_example_local", "examples.development", "--algorithm", "SAC",
                             "--initialize-from", str(tmp_path / "nope"), "--local-dir",
                             str(tmp_path / "runs"))
    assert code == 2 and "--initialize-from:" in err and "no such directory" in err
