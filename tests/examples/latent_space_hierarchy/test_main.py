"""The two-level example's --quick run: its CSVs and figure, and a second run that reuses
every stage's checkpoint instead of training again."""
import csv
import os

import pytest

from examples.latent_space_hierarchy.main import CONFIGURATIONS, main

pytestmark = pytest.mark.integration


def read(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_quick_run_writes_curves_finals_and_figure_and_resumes(tmp_path):
    main(["--quick", "--output-dir", str(tmp_path)])
    curves = read(tmp_path / "learning_curves.csv")
    assert list(curves[0]) == ["configuration", "seed", "environment_steps",
                               "evaluation_return"]
    assert {row["configuration"] for row in curves} == set(CONFIGURATIONS)
    assert [int(row["environment_steps"]) for row in curves
            if row["configuration"] == CONFIGURATIONS[0]] == [100, 200]
    finals = read(tmp_path / "final.csv")
    assert [row["configuration"] for row in finals] == list(CONFIGURATIONS)
    assert all(0.0 <= float(row["success_rate"]) <= 1.0 for row in finals)
    assert os.path.getsize(tmp_path / "hierarchy.png") > 10_000
    assert sorted(os.listdir(tmp_path / "checkpoints")) == [
        "flat_seed0", "level_one_seed0", "level_two_seed0"]

    stamps = {name: os.path.getmtime(tmp_path / "checkpoints" / name / "manifest.json")
              for name in os.listdir(tmp_path / "checkpoints")}
    main(["--quick", "--output-dir", str(tmp_path)])
    assert stamps == {name: os.path.getmtime(tmp_path / "checkpoints" / name / "manifest.json")
                      for name in stamps}
    assert read(tmp_path / "learning_curves.csv") == curves


def test_level_one_trains_at_a_fixed_temperature_unless_asked_to_learn_it():
    from examples.latent_space_hierarchy.main import level_one_overrides, parse_args

    assert parse_args([]).level_one_temperature == 1.0
    assert level_one_overrides(1.0) == ["algorithm_params.config.fixed_alpha=1.0",
                                        "algorithm_params.config.reward_scale=0.1"]
    assert level_one_overrides(parse_args(["--level-one-temperature", "learned"])
                               .level_one_temperature) == []
    with pytest.raises(SystemExit):
        parse_args(["--level-one-temperature", "hot"])
