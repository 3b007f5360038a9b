"""The ``softlearning`` command end to end, each run in its own process as a user would."""
import csv
import glob
import json
import os
import subprocess
import sys

import pytest

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY_FLAGS = [
    "--set", "algorithm_params.config.n_epochs=2",
    "--set", "algorithm_params.config.epoch_length=150",
    "--set", "algorithm_params.config.n_initial_exploration_steps=100",
    "--set", "algorithm_params.config.min_pool_size=100",
    "--set", "algorithm_params.config.batch_size=32",
    "--set", "policy_params.config.hidden_layer_sizes=[32,32]",
    "--set", "Q_params.config.hidden_layer_sizes=[32,32]",
]


def test_multi_goal_example_writes_pictures(tmp_path):
    result = softlearning("run_example_local", "examples.multi_goal", "--algorithm", "SQL",
                          "--seed", "0", "--local-dir", str(tmp_path), "--cpus", "1",
                          "--set", "algorithm_params.config.n_epochs=2",
                          "--set", "algorithm_params.config.n_initial_exploration_steps=60",
                          "--set", "algorithm_params.config.min_pool_size=60",
                          "--set", "run_params.plot_every_n_epochs=1",
                          "--set", "run_params.plot_num_rollouts=5")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trial_dir, = [path for path in glob.glob(str(
        tmp_path / "gymnasium" / "MultiGoal" / "Default-v0" / "*-SQL" / "*"))
        if os.path.isdir(path)]
    pictures = sorted(os.path.basename(path) for path in glob.glob(f"{trial_dir}/*.png"))
    assert pictures == ["Q_contours-epoch0001.png", "Q_contours-epoch0002.png",
                        "paths-epoch0001.png", "paths-epoch0002.png"]
    with open(os.path.join(trial_dir, "progress.csv")) as file:
        rows = list(csv.DictReader(file))
    assert [int(row["timestep"]) for row in rows] == [100, 200]
    assert all(0 <= int(row["evaluation/goals-reached"]) <= 4 for row in rows)


def softlearning(*args, timeout=600):
    command = [sys.executable, "-m", "softlearning_tf2.scripts.console_scripts", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("algorithm", ["SAC", "SACV", "SQL"])
def test_run_example_local_writes_progress_and_checkpoints(tmp_path, algorithm):
    result = softlearning("run_example_local", "examples.development", "--algorithm", algorithm,
                          "--universe", "gymnasium", "--domain", "Pendulum", "--task", "v1",
                          "--exp-name", "tiny", "--seed", "3", "--local-dir", str(tmp_path),
                          "--checkpoint-frequency", "1", "--cpus", "1", *TINY_FLAGS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trial_dirs = glob.glob(str(tmp_path / "gymnasium" / "Pendulum" / "v1" / "*-tiny" / "*"))
    trial_dirs = [path for path in trial_dirs if os.path.isdir(path)]
    assert len(trial_dirs) == 1 and "seed=3" in trial_dirs[0]
    with open(os.path.join(trial_dirs[0], "progress.csv")) as file:
        rows = list(csv.DictReader(file))
    assert [int(row["timestep"]) for row in rows] == [150, 300]
    assert all(row["evaluation/episode-reward-mean"] for row in rows)
    checkpoints = sorted(glob.glob(os.path.join(trial_dirs[0], "checkpoint_*")))
    assert len(checkpoints) == 2
    for name in ("algorithm.npz", "replay_pool_chunk.npz", "training_state.json", "variant.json",
                 "manifest.json"):
        assert os.path.isfile(os.path.join(checkpoints[-1], name)), name
    with open(os.path.join(checkpoints[-1], "variant.json")) as file:
        variant = json.load(file)
    assert variant["run_params"]["seed"] == 3
    assert variant["algorithm_params"]["class_name"] == algorithm
    assert variant["algorithm_params"]["config"]["epoch_length"] == 150


@pytest.mark.parametrize("flags, message", [
    (["--domain", "Pendulm"], "unknown domain 'Pendulm'"),
    (["--algorithm", "PPO"], "invalid choice: 'PPO'"),
    (["--universe", "dm_control"], "unknown universe 'dm_control'"),
    (["--domain", "Pendulum", "--task", "v0"], "unknown task 'v0'"),
    (["--set", "algorithm_params.config.tauu=1"], "no entry 'tauu'"),
    (["--num-samples", "0"], "must be a positive integer"),
    (["--resources-per-trial", "{cpu: 2"], "not valid JSON"),
    (["--set", "algorithm_params.config.tau=0"], "tau must be in (0, 1], got 0"),
    (["--set", "algorithm_params.config.tau=grid:0.01,1.5"], "tau must be in (0, 1], got 1.5"),
    (["--set", "algorithm_params.config.discount=1.0"], "discount must be in [0, 1)"),
    (["--set", "algorithm_params.config.batch_size=-4"], "batch_size must be a positive"),
    (["--set", "replay_pool_params.config.max_size=0"], "max_size must be a positive"),
    (["--set", "sampler_params.config.max_path_length=0"], "max_path_length must be"),
    (["--restore", "/nonexistent/experiment"], "no such directory"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, flags, message):
    result = softlearning("run_example_local", "examples.development",
                          "--local-dir", str(tmp_path), *flags)
    assert result.returncode == 2
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1 and message in error_lines[0], result.stderr
    assert os.listdir(tmp_path) == []  # nothing started, nothing written


def test_unknown_command_and_module():
    assert softlearning("run_example_remote", "examples.development").returncode == 2
    result = softlearning("run_example_dry", "examples.nope")
    assert result.returncode == 2 and "examples.nope" in result.stderr


def test_run_example_dry_prints_variant_and_trial_count():
    result = softlearning("run_example_dry", "examples.development", "--num-samples", "3",
                          "--seed", "10", "--set", "algorithm_params.config.tau=grid:0.005,0.01")
    assert result.returncode == 0, result.stderr
    assert "number of trials: 6" in result.stdout
    assert '"class_name": "SAC"' in result.stdout


def test_run_example_debug_runs_in_process():
    result = softlearning("run_example_debug", "examples.development", "--seed", "0",
                          "--run-eagerly", *TINY_FLAGS,
                          "--set", "algorithm_params.config.epoch_length=110")
    assert result.returncode == 0, result.stderr[-3000:]
    epochs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [epoch["timestep"] for epoch in epochs] == [110, 220]
