"""The hindsight benchmark: a cut-off seed continues from its checkpoint, and the summary is
built from the per-seed files (ours and Stable-Baselines3's)."""
import json
import os

import numpy as np
import pytest

from benchmarks import hindsight
from benchmarks.resumable import write_rows

TINY = ["--eval-every", "100", "--eval-episodes", "2", "--seeds", "1", "--relabel", "future",
        "--set", "algorithm_params.config.n_initial_exploration_steps=50",
        "--set", "algorithm_params.config.min_pool_size=50",
        "--set", "algorithm_params.config.batch_size=16",
        "--set", "policy_params.config.hidden_layer_sizes=[16,16]",
        "--set", "Q_params.config.hidden_layer_sizes=[16,16]"]


@pytest.mark.integration
def test_a_cut_off_seed_continues_from_its_newest_checkpoint(tmp_path):
    straight = hindsight.main(["--steps", "200", "--output-dir", str(tmp_path / "a"), *TINY])
    hindsight.main(["--steps", "100", "--output-dir", str(tmp_path / "b"), *TINY])
    directory = tmp_path / "b" / "GoalPoint-Reach-v0" / "future"
    os.remove(directory / "seed0.json")  # as if cut off after its first checkpoint
    resumed = hindsight.main(["--steps", "200", "--output-dir", str(tmp_path / "b"), *TINY])
    with open(directory / "seed0.json") as file:
        assert json.load(file)["resumed_from"].endswith("checkpoint_000001")
    mine, theirs = (summary["configurations"]["future"] for summary in (resumed, straight))
    assert mine["environment_steps"] == theirs["environment_steps"] == [100, 200]
    # The resumed run is the straight one's, in this process on the same batches: bit for bit.
    np.testing.assert_array_equal(mine["mean"], theirs["mean"])
    assert (tmp_path / "b" / "GoalPoint-Reach-v0" / "success.png").stat().st_size > 0


def test_the_summary_reads_every_configuration_and_the_first_step_at_90_percent(tmp_path):
    task = tmp_path / "GoalPoint-Reach-v0"
    curves = {"none": [[0.0, 0.2, 0.5], [0.0, 0.0, 0.1]],
              "future": [[0.3, 0.95, 1.0], [0.5, 0.8, 0.9]],
              "final": [[0.0, 0.5, 1.0], [0.0, 0.6, 1.0]],
              "sb3-future": [[0.1, 0.9, 1.0], [0.0, 0.4, 0.7]]}
    for configuration, seeds in curves.items():
        (task / configuration).mkdir(parents=True)
        for seed, successes in enumerate(seeds):
            write_rows(task / configuration / f"seed{seed}.csv", hindsight.COLUMNS,
                       [(1000 * (step + 1), success, -10.0)
                        for step, success in enumerate(successes)])
            with open(task / configuration / f"seed{seed}.json", "w") as file:
                json.dump({"resumed_from": None,
                           "environment_steps_per_s_while_learning": 100.0}, file)
    summary = hindsight.main(["--redraw", "--seeds", "2", "--output-dir", str(tmp_path)])
    configurations = summary["configurations"]
    assert list(configurations) == ["none", "future", "final", "sb3-future"]
    assert configurations["none"]["final_mean"] == pytest.approx(0.3)
    assert configurations["future"]["steps_to_0.9_per_seed"] == [2000, 3000]
    assert configurations["none"]["steps_to_0.9_per_seed"] == [None, None]
    assert configurations["sb3-future"]["mean"] == pytest.approx([0.05, 0.65, 0.85])
    assert (task / "success.png").stat().st_size > 0
    assert (task / "strategies.png").stat().st_size > 0  # none, future and final of SAC
