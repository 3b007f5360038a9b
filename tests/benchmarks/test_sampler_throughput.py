import json

import pytest

from benchmarks import sampler_throughput

pytestmark = pytest.mark.integration


def test_each_configuration_runs_in_its_own_process_and_is_tabled(tmp_path, capsys):
    output = tmp_path / "rows.jsonl"
    rows = sampler_throughput.main([
        "--env", "Pendulum-v1", "--steps", "60", "--warmup", "64", "--compile-steps", "20",
        "--step-delay", "0.001", "--configurations", "simple,vector-sync-4",
        "--set", "policy_params.config.hidden_layer_sizes=[16,16]",
        "--set", "Q_params.config.hidden_layer_sizes=[16,16]",
        "--set", "algorithm_params.config.batch_size=32", "--output", str(output)])
    assert [row["configuration"] for row in rows] == ["simple", "vector-sync-4"]
    assert all(row["steps"] == 60 and row["env_steps_per_s"] > 0 for row in rows)
    # One update per environment step whatever the sampler.
    assert all(row["updates_per_s"] == row["env_steps_per_s"] for row in rows)
    # 1 ms of work per step bounds the rate from above.
    assert all(row["env_steps_per_s"] < 1000 for row in rows)
    assert [json.loads(line) for line in output.read_text().splitlines()] == rows
    assert "| vector-sync-4 |" in capsys.readouterr().out


def test_an_unknown_configuration_is_named():
    with pytest.raises(SystemExit, match="unknown configuration remote-7"):
        sampler_throughput.main(["--configurations", "simple,remote-7"])
