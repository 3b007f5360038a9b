"""The dm_control benchmark continues a cut-off seed from its checkpoints, bit for bit, and
builds its summary from the per-seed files."""
import json
import os

import numpy as np
import pytest

from benchmarks import dm_control

TINY = ["--eval-every", "1000", "--eval-episodes", "1", "--seeds", "1",
        "--set", "algorithm_params.config.n_initial_exploration_steps=500",
        "--set", "algorithm_params.config.min_pool_size=500",
        "--set", "algorithm_params.config.batch_size=32",
        "--set", "policy_params.config.hidden_layer_sizes=[16,16]",
        "--set", "Q_params.config.hidden_layer_sizes=[16,16]"]


@pytest.mark.integration
def test_a_cut_off_seed_continues_from_its_newest_checkpoint(tmp_path):
    straight = dm_control.main(["--steps", "2000", "--output-dir", str(tmp_path / "a"), *TINY])
    first = dm_control.main(["--steps", "1000", "--output-dir", str(tmp_path / "b"), *TINY])
    directory = tmp_path / "b" / "cartpole-swingup-states"
    assert first["environment_steps"] == [1000]
    os.remove(directory / "seed0.json")  # as if the run had been cut off after its checkpoint
    resumed = dm_control.main(["--steps", "2000", "--output-dir", str(tmp_path / "b"), *TINY])
    with open(directory / "seed0.json") as file:
        assert json.load(file)["resumed_from"].endswith("checkpoint_000001")
    assert resumed["environment_steps"] == straight["environment_steps"] == [1000, 2000]
    # Each epoch is one whole 1000-step episode: the resumed run is the same run.
    np.testing.assert_array_equal(resumed["mean"], straight["mean"])
    assert os.path.isdir(directory / "checkpoints" / "seed0" / "checkpoint_000002")


def test_the_summary_counts_only_finished_seeds(tmp_path):
    directory = tmp_path / "cartpole-swingup-pixels"
    directory.mkdir()
    for seed, returns in enumerate(([100.0, 300.0], [200.0, 500.0])):
        dm_control.write_curve(directory / f"seed{seed}.csv",
                               [(8000, returns[0]), (16000, returns[1])])
        with open(directory / f"seed{seed}.json", "w") as file:
            json.dump({"environment_steps_per_s_while_learning": 50.0 + seed,
                       "peak_rss_mb": 1000.0 + seed, "resumed_from": None}, file)
    dm_control.write_curve(directory / "seed2.csv", [(8000, 0.0)])  # cut off, no json
    summary = dm_control.main(["--observation", "pixels", "--seeds", "3", "--redraw",
                               "--output-dir", str(tmp_path)])
    assert summary["seeds"] == 2 and summary["final_mean"] == 400.0
    assert summary["final_std"] == 100.0 and summary["peak_rss_mb"] == 1001.0
    assert summary["published"][0][1] == 759  # DrQ from pixels, drawn beside
    assert (directory / "learning.png").stat().st_size > 0
