"""The offline results page: its table is the committed CSVs', its rows launch the CLI with
--dataset (and --restore to continue), and its interquartile mean is the trimmed mean."""
import os

import numpy as np
import pytest

from benchmarks import offline_results


def test_committed_page_is_the_one_the_committed_csvs_give():
    with open(os.path.join(offline_results.RESULTS, "README.md")) as file:
        assert file.read() == offline_results.page_text()


def test_interquartile_mean_drops_the_outer_quarters():
    values = [10.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -50.0]
    assert offline_results.interquartile_mean(values) == np.mean([2.0, 3.0, 4.0, 5.0])
    assert offline_results.interquartile_mean([3.0]) == 3.0


def test_rows_launch_the_cli_offline_and_continue_with_restore(monkeypatch, tmp_path):
    row = offline_results.ROWS[0]
    calls = []
    monkeypatch.setattr(offline_results.subprocess, "call",
                        lambda command, **kwargs: calls.append(command) or 0)
    monkeypatch.setattr(offline_results, "RUNS", str(tmp_path))
    offline_results.launch(row, 0)
    assert "--restore" not in calls[-1]
    flags = dict(zip(calls[-1][::1], calls[-1][1:]))
    assert flags["--dataset"] == row.dataset_id and flags["--algorithm"] == row.algorithm
    assert f"algorithm_params.config.n_epochs={row.epochs}" in calls[-1]
    interrupted = tmp_path / "gymnasium" / "HalfCheetah" / "v5" / f"2026-01-01-{row.name}-seed0"
    interrupted.mkdir(parents=True)
    offline_results.launch(row, 0)
    assert calls[-1][calls[-1].index("--restore") + 1] == str(interrupted)


def test_an_unknown_row_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exit:
        offline_results.main(["run", "--only", "nope"])
    assert exit.value.code == 2 and "unknown row nope" in capsys.readouterr().err
