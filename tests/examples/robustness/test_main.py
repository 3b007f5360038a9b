"""The robustness example's --quick run writes its tables and figure; --checkpoint evaluates
checkpoints trained before without training anything."""
import csv
import os

import pytest

from examples.robustness.main import ROBUSTNESS_COLUMNS, TRAINING_COLUMNS, main

pytestmark = pytest.mark.integration


def read(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_quick_run_then_evaluation_alone(tmp_path):
    main(["--quick", "--output-dir", str(tmp_path / "run")])
    rows = read(tmp_path / "run" / "robustness.csv")
    assert list(rows[0]) == list(ROBUSTNESS_COLUMNS)
    # Two settings x four perturbations x the two ends of each sweep.
    assert len(rows) == 2 * 4 * 2
    assert {row["setting"] for row in rows} == {"learned", "near-zero"}
    assert {row["perturbation"] for row in rows} == {"mass", "friction", "action_noise", "push"}
    training = read(tmp_path / "run" / "training.csv")
    assert list(training[0]) == list(TRAINING_COLUMNS)
    assert [float(row["alpha"]) for row in training if row["setting"] == "near-zero"] == [0.001]
    assert os.path.getsize(tmp_path / "run" / "robustness.png") > 10_000

    checkpoint = training[0]["checkpoint"]
    before = sorted(os.listdir(os.path.dirname(checkpoint)))
    alone = main(["--quick", "--output-dir", str(tmp_path / "alone"), "--checkpoint",
                  checkpoint])
    assert not os.path.exists(tmp_path / "alone" / "checkpoints")
    assert sorted(os.listdir(os.path.dirname(checkpoint))) == before
    assert {row[1] for row in alone} == {training[0]["setting"]}
    # Deterministic policy, seeded episodes, the same checkpoint evaluated by the same code in
    # this process: the same numbers as in the first run.
    first = [(row["perturbation"], float(row["strength"]), float(row["return_mean"]))
             for row in rows if row["setting"] == training[0]["setting"]]
    assert [(row[3], row[4], row[5]) for row in alone] == first
