"""The experiment a trial runs: built from a variant, saved and restored whole."""
import os

import numpy as np
import pytest

from examples.development.main import Experiment
from examples.development.variants import get_variant
from examples.utils import apply_overrides

TINY = [
    "algorithm_params.config.n_epochs=2",
    "algorithm_params.config.epoch_length=120",
    "algorithm_params.config.n_initial_exploration_steps=60",
    "algorithm_params.config.min_pool_size=60",
    "algorithm_params.config.batch_size=16",
    "policy_params.config.hidden_layer_sizes=[16,16]",
    "Q_params.config.hidden_layer_sizes=[16,16]",
    "replay_pool_params.config.max_size=1000",
]


def tiny_variant(seed=0, algorithm="SAC", domain="Pendulum", task="v1", extra=()):
    return apply_overrides(get_variant(algorithm, "gymnasium", domain, task, seed),
                           TINY + list(extra))


def all_state(experiment):
    arrays, data = experiment.algorithm.get_state()
    return arrays, data, experiment.pool.state_dict()


@pytest.mark.parametrize("algorithm", ["SAC", "SACV", "SQL"])
def test_checkpoint_round_trip_restores_everything(tmp_path, algorithm):
    experiment = Experiment(tiny_variant(algorithm=algorithm))
    diagnostics = experiment.train_epoch()
    assert diagnostics["timestep"] == 120 and not diagnostics["done"]
    experiment.save(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["algorithm.npz", "replay_pool.npz",
                                            "training_state.json", "variant.json"]

    # A different seed: different initial weights, all of them overwritten by the restore.
    restored = Experiment(tiny_variant(seed=1, algorithm=algorithm))
    restored.restore(str(tmp_path))
    arrays, data, pool = all_state(experiment)
    restored_arrays, restored_data, restored_pool = all_state(restored)
    assert arrays.keys() == restored_arrays.keys()
    assert any(key.startswith("optimizers/policy/") for key in arrays)
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
    with pytest.raises(FileNotFoundError, match="algorithm.npz"):
        Experiment(tiny_variant()).restore(str(tmp_path))


def test_replay_pool_can_be_left_out_of_checkpoints(tmp_path):
    variant = tiny_variant()
    variant["run_params"]["checkpoint_replay_pool"] = False
    Experiment(variant).save(str(tmp_path))
    assert not (tmp_path / "replay_pool.npz").exists()


def test_seeded_experiments_are_reproducible():
    first = Experiment(tiny_variant(seed=3)).train_epoch()
    second = Experiment(tiny_variant(seed=3)).train_epoch()
    for key in ("evaluation/episode-reward-mean", "algorithm/Q_0_loss", "algorithm/alpha"):
        assert first[key] == second[key], key
