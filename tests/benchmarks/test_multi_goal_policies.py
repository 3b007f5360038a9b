"""The MultiGoal coverage benchmark: its table and figure from a tiny run, and --redraw from
the files it left."""
import csv
import os

import pytest

from benchmarks import multi_goal_policies

pytestmark = pytest.mark.integration

TINY = ["--steps", "200", "--seeds", "1", "--rollouts", "4",
        "--method", "SAC-GMM", "--method", "SQL-MCMC",
        "--set", "algorithm_params.config.n_initial_exploration_steps=100",
        "--set", "algorithm_params.config.min_pool_size=100",
        "--set", "Q_params.config.hidden_layer_sizes=[16,16]"]


def test_tiny_run_writes_the_coverage_table_and_figure(tmp_path):
    multi_goal_policies.main([*TINY, "--output-dir", str(tmp_path)])
    with open(tmp_path / "goal_coverage.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(multi_goal_policies.COVERAGE_COLUMNS)
    assert [row["method"] for row in rows] == ["SAC-GMM", "SQL-MCMC"]
    for row in rows:
        counts = [int(row[f"goal_{index}"]) for index in range(4)]
        assert sum(counts) == int(row["rollouts_at_a_goal"]) <= 4
        assert int(row["goals_reached"]) == sum(count > 0 for count in counts)
    assert os.path.getsize(tmp_path / "goal_coverage.png") > 10_000
    os.remove(tmp_path / "goal_coverage.png")
    multi_goal_policies.main([*TINY, "--output-dir", str(tmp_path), "--redraw"])
    assert os.path.exists(tmp_path / "goal_coverage.png")


def test_goal_entropy():
    import numpy as np

    assert multi_goal_policies.goal_entropy(np.array([0, 0, 0, 0])) == 0.0
    assert multi_goal_policies.goal_entropy(np.array([5, 0, 0, 0])) == 0.0
    assert multi_goal_policies.goal_entropy(np.array([3, 3, 3, 3])) == pytest.approx(np.log(4))
