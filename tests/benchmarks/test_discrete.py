"""The discrete benchmark's bookkeeping: summaries and figures come from the per-seed files,
and finished runs are skipped when a cut-off sweep is continued."""
import json
import os

import numpy as np
import pytest

from benchmarks import discrete


def write_run(directory, name, seed, returns, steps_per_s):
    discrete.write_curve(os.path.join(directory, f"{name}-seed{seed}.csv"),
                         [(1000 * (index + 1), value) for index, value in enumerate(returns)])
    with open(os.path.join(directory, f"{name}-seed{seed}.json"), "w") as file:
        json.dump({"env_steps_per_s": steps_per_s,
                   "env_steps_per_s_without_evaluation": 2 * steps_per_s}, file)


def test_summary_and_figure_come_from_the_files(tmp_path):
    directory = tmp_path / "CartPole-v1"
    directory.mkdir()
    rng = np.random.default_rng(0)
    curves = rng.uniform(0, 500, (3, 6))
    for seed in range(3):
        write_run(directory, "SAC", seed, curves[seed], 100.0 + seed)
    write_run(directory, "DQN", 0, [10, 20, 30, 40, 50, 60], 900.0)  # one seed finished
    summary = discrete.main(["--env", "CartPole-v1", "--seeds", "3", "--output-dir",
                             str(tmp_path), "--agents", "SAC", "DQN", "--redraw"])
    assert summary["SAC"]["seeds"] == 3 and summary["DQN"]["seeds"] == 1
    assert summary["SAC"]["final_mean"] == pytest.approx(curves[:, -1].mean())
    assert summary["SAC"]["last_5_mean"] == pytest.approx(curves[:, -5:].mean())
    assert summary["SAC"]["env_steps_per_s"] == pytest.approx(101.0)
    assert summary["DQN"]["timesteps"] == [1000, 2000, 3000, 4000, 5000, 6000]
    assert (directory / "learning.png").stat().st_size > 10_000
    saved = json.loads((directory / "summary.json").read_text())
    assert saved["agents"]["SAC"]["final_std"] == pytest.approx(curves[:, -1].std())
    table = discrete.markdown_table(str(tmp_path)).splitlines()
    assert len(table) == 4  # header, rule, SAC, DQN
    assert table[2].startswith(f"| CartPole-v1 (50k) | DiscreteSAC (3 seeds) | "
                               f"{curves[:, -1].mean():.1f} ± {curves[:, -1].std():.1f} |")
    assert table[3].endswith("| 60.0 ± 0.0 | 40.0 |")


def test_finished_runs_are_skipped_when_a_sweep_continues(tmp_path, monkeypatch):
    directory = tmp_path / "CartPole-v1"
    directory.mkdir()
    write_run(directory, "SQL", 0, [1, 2], 50.0)
    calls = []
    monkeypatch.setattr(discrete, "run_dqn", lambda args, seed, path: calls.append(seed)
                        or discrete.write_curve(path, [(1000, 1.0)]) or {
                            "env_steps_per_s": 1.0, "env_steps_per_s_without_evaluation": 1.0})
    discrete.main(["--seeds", "1", "--agents", "SQL", "DQN", "--output-dir", str(tmp_path),
                   "--steps", "1000"])
    assert calls == [0]  # SQL seed 0 was done already; DQN seed 0 ran
    assert json.loads((directory / "DQN-seed0.json").read_text())["env_steps_per_s"] == 1.0
