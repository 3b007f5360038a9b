"""Several learning runs in one figure: the summary rows come from the CSVs."""
import csv
import os

import pytest

from benchmarks import compare_curves


def write_learning_csv(path, finals):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["seed", "timestep", "steps_after_warmup", "evaluation_return"])
        for seed, final in enumerate(finals):
            for index, step in enumerate(range(0, 60_000, 10_000)):
                writer.writerow([seed, step + 10_000, step, final * index / 5])


def test_rows_and_figure_from_two_runs(tmp_path):
    write_learning_csv(tmp_path / "a.csv", [100.0, 300.0])
    write_learning_csv(tmp_path / "b.csv", [50.0, 50.0, 80.0])
    output = tmp_path / "figure.png"
    rows = compare_curves.main(["--env", "HalfCheetah-v5", "--output", str(output),
                                "--curve", f"first={tmp_path / 'a.csv'}",
                                "--curve", f"second={tmp_path / 'b.csv'}"])
    assert [row["label"] for row in rows] == ["first", "second"]
    assert rows[0]["seeds"] == 2 and rows[0]["final_mean"] == 200.0
    assert rows[0]["final_std"] == 100.0 and rows[0]["final_per_seed"] == [100.0, 300.0]
    assert rows[1]["steps_after_warmup"] == 50_000 and rows[1]["final_mean"] == 60.0
    assert os.path.getsize(output) > 10_000


def test_a_curve_without_a_label_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        compare_curves.main(["--env", "Hopper-v5", "--output", str(tmp_path / "x.png"),
                             "--curve", "no-separator.csv"])
