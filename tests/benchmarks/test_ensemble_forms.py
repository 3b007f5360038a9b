"""The ensemble-forms benchmark runs and prints its figures."""
import json

from benchmarks import ensemble_forms


def test_benchmark_prints_one_line_per_ensemble_and_a_json_summary(capsys):
    ensemble_forms.main(["--critics", "3", "--batch", "8", "--width", "8", "--steps", "2",
                         "--repeats", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("3 critics: separate ")
    summary = json.loads(lines[-1])
    assert [figure["critics"] for figure in summary["figures"]] == [3]
    for figure in summary["figures"]:
        assert figure["separate_steps_per_s"] > 0 and figure["stacked_steps_per_s"] > 0
        assert abs(figure["stacked_over_separate"] - figure["stacked_steps_per_s"]
                   / figure["separate_steps_per_s"]) < 0.01
