"""Reading experiment directories and ``softlearning plot``."""
import json
import os

import numpy as np
import pandas as pd
import pytest

from softlearning_tf2.checkpoints import write_checkpoint
from softlearning_tf2.scripts import plot
from softlearning_tf2.utils.experiment_results import learning_curves, load_trials, trial_variant

METRIC = "evaluation/episode-reward-mean"


def write_trial(directory, name, tau, seed, returns):
    trial_dir = directory / name
    trial_dir.mkdir()
    config = {"algorithm_params": {"config": {"tau": tau}}, "run_params": {"seed": seed}}
    (trial_dir / "params.json").write_text(json.dumps(config))
    pd.DataFrame({"timestep": [1000, 2000, 3000], METRIC: returns}).to_csv(
        trial_dir / "progress.csv", index=False)


@pytest.fixture
def experiment_dir(tmp_path):
    write_trial(tmp_path, "a", 0.005, 0, [-900.0, -500.0, -200.0])
    write_trial(tmp_path, "b", 0.005, 1, [-1100.0, -700.0, -400.0])
    write_trial(tmp_path, "c", 0.01, 0, [-1000.0, -900.0, -800.0])
    write_trial(tmp_path, "d", 0.01, 1, [-1000.0, -800.0, -600.0])
    (tmp_path / "not_a_trial").mkdir()
    return tmp_path


def test_learning_curves_average_seeds_per_configuration(experiment_dir):
    curves = learning_curves(load_trials(str(experiment_dir)), METRIC)
    assert sorted(curves) == ["tau=0.005", "tau=0.01"]
    np.testing.assert_array_equal(curves["tau=0.005"]["x"], [1000, 2000, 3000])
    np.testing.assert_allclose(curves["tau=0.005"]["mean"], [-1000.0, -600.0, -300.0])
    np.testing.assert_allclose(curves["tau=0.005"]["std"], [100.0, 100.0, 100.0])
    np.testing.assert_allclose(curves["tau=0.01"]["mean"], [-1000.0, -850.0, -700.0])
    assert curves["tau=0.01"]["num_trials"] == 2


def test_plot_command_draws_one_line_per_configuration(experiment_dir, monkeypatch):
    drawn = {}
    original = plot.plot_curves

    def spy(curves, metric, output, x="timestep", title=""):
        figure = original(curves, metric, output, x, title)
        drawn["lines"] = {line.get_label(): line.get_ydata() for line in figure.axes[0].lines}
        return figure

    monkeypatch.setattr(plot, "plot_curves", spy)
    output = experiment_dir / "curves.png"
    assert plot.main([str(experiment_dir), "--output", str(output)]) == 0
    assert output.stat().st_size > 0
    assert sorted(drawn["lines"]) == ["tau=0.005 (2 seeds)", "tau=0.01 (2 seeds)"]
    np.testing.assert_allclose(drawn["lines"]["tau=0.01 (2 seeds)"], [-1000.0, -850.0, -700.0])


def test_plot_errors(tmp_path, capsys):
    assert plot.main([str(tmp_path / "missing")]) == 2
    assert "no such experiment directory" in capsys.readouterr().err
    write_trial(tmp_path, "a", 0.005, 0, [1.0, 2.0, 3.0])
    assert plot.main([str(tmp_path), "--metric", "nope"]) == 2
    assert "no 'nope'" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "curves.png")


def test_a_damaged_params_json_falls_back_to_the_newest_verified_checkpoint(tmp_path):
    # A driver killed while Tune copies params.json leaves it empty; the checkpoints are
    # written atomically and verified, so their variant.json stands in.
    trial_dir = tmp_path / "a"
    write_trial(tmp_path, "a", 0.005, 0, [1.0, 2.0, 3.0])
    older = {"algorithm_params": {"config": {"tau": 0.005}}, "run_params": {"seed": 0}}
    write_checkpoint(str(trial_dir / "checkpoint_000000"), older, {"x": np.zeros(1)}, {})
    newest = {**older, "run_params": {"seed": 7}}
    write_checkpoint(str(trial_dir / "checkpoint_000001"), newest, {"x": np.zeros(1)}, {})
    assert trial_variant(str(trial_dir))["run_params"]["seed"] == 0  # params.json first
    for damaged in ("", '{"algorithm_params": {"con'):
        (trial_dir / "params.json").write_text(damaged)
        assert trial_variant(str(trial_dir)) == newest
        (_, config, _), = load_trials(str(tmp_path))
        assert config["run_params.seed"] == 7
    # The newest checkpoint damaged too: the older one that verifies.
    (trial_dir / "checkpoint_000001" / "variant.json").write_text("{}")
    assert trial_variant(str(trial_dir)) == older
    (trial_dir / "checkpoint_000000" / "variant.json").write_text("{}")
    assert trial_variant(str(trial_dir)) is None
    with pytest.raises(FileNotFoundError, match="holds no trial results"):
        load_trials(str(tmp_path))
