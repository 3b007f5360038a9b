"""The fresh-process cost benchmark runs and reports its three times."""
import json

from benchmarks import first_epoch


def test_prints_the_three_times_and_a_json_line(capsys):
    figures = first_epoch.main(["--epoch-length", "40"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == figures
    assert all(figures[key] > 0 for key in ("import_s", "build_s", "first_epoch_s"))
    assert "first epoch (40 steps)" in lines[0]
