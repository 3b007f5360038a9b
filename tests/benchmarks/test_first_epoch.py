"""The fresh-process cost benchmark runs and reports its three times."""
import json

from benchmarks import first_epoch


def test_prints_the_three_times_and_a_json_line(capsys):
    figures = first_epoch.main(["--epoch-length", "40"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == figures
    # The import is 0.0 s where the test process has imported the package already.
    assert figures["import_s"] >= 0 and figures["build_s"] > 0 and figures["first_epoch_s"] > 0
    assert "first epoch (40 steps)" in lines[0]
