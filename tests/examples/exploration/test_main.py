"""The exploration example's --quick run: its table, figure, and runs that are not repeated."""
import csv
import os

import pytest

from examples.exploration.main import COLUMNS, GOAL_REWARDS, main, variant_of, parse_args

pytestmark = pytest.mark.integration


def test_quick_run_writes_the_table_and_figure_and_reuses_runs(tmp_path):
    main(["--quick", "--output-dir", str(tmp_path)])
    with open(tmp_path / "exploration.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(COLUMNS)
    assert [(row["algorithm"], float(row["temperature"])) for row in rows] == [
        ("SAC", 0.1), ("SAC", 1.0), ("SQL", 0.1), ("SQL", 1.0)]
    for row in rows:
        assert row["final_goal"] in ("near", "far", "none")
        assert 0 <= float(row["stochastic_far_share"]) + float(row["stochastic_near_share"]) <= 1
    assert os.path.getsize(tmp_path / "exploration.png") > 10_000
    runs = sorted(os.listdir(tmp_path / "runs"))
    stamps = [os.path.getmtime(tmp_path / "runs" / name) for name in runs]
    main(["--quick", "--output-dir", str(tmp_path)])
    assert [os.path.getmtime(tmp_path / "runs" / name) for name in runs] == stamps


def test_the_temperature_sets_alpha_for_sac_and_the_reward_scale_for_sql():
    args = parse_args(["--quick"])
    sac = variant_of(args, "SAC", 0.1, 0)
    sql = variant_of(args, "SQL", 0.1, 0)
    assert sac["algorithm_params"]["config"]["fixed_alpha"] == 0.1
    assert sql["algorithm_params"]["config"]["reward_scale"] == pytest.approx(10.0)
    kwargs = sac["environment_params"]["evaluation"]["kwargs"]
    assert kwargs["goal_reward"] == GOAL_REWARDS and kwargs["distance_cost_coeff"] == 0.0
