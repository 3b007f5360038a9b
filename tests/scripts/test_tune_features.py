"""Searches, early stopping, summaries and a Ray cluster, through the CLI."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.scripts.test_console_scripts import PROJECT_ROOT, TINY_FLAGS

pytestmark = pytest.mark.integration

ONE_EPOCH_FLAGS = TINY_FLAGS + ["--set", "algorithm_params.config.epoch_length=110"]


def experiment_dir(root, name):
    path, = glob.glob(str(root / "gymnasium" / "Pendulum" / "v1" / f"*-{name}"))
    return path


def test_asha_stops_weak_trials_early_and_summary_is_written(run_cli, tmp_path):
    # Rigged: the metric is alpha, which stays ordered by its initial value; with one trial at
    # a time, the first (largest alpha) runs to the end and ASHA stops the others at rung 1.
    # The three trials run one after the other in one reused trial process.
    code, out, err = run_cli(
        "run_example_local", "examples.development", "--exp-name", "asha", "--seed", "0",
        "--local-dir", str(tmp_path), "--max-concurrent-trials", "1",
        "--scheduler", "asha", "--metric", "algorithm/alpha", "--mode", "max",
        "--grace-period", "1", "--reduction-factor", "2", "--checkpoint-frequency", "0",
        *ONE_EPOCH_FLAGS, "--set", "algorithm_params.config.n_epochs=3",
        "--set", "algorithm_params.config.initial_alpha=grid:100.0,1.0,0.01")
    assert code == 0, out[-3000:] + err[-3000:]
    with open(os.path.join(experiment_dir(tmp_path, "asha"), "summary.json")) as file:
        summary = json.load(file)
    epochs = {trial["config"]["algorithm_params.config.initial_alpha"]: trial["epochs"]
              for trial in summary["trials"]}
    assert epochs == {100.0: 3, 1.0: 1, 0.01: 1}
    assert summary["best"]["config"] == {"algorithm_params.config.initial_alpha": 100.0}
    assert summary["best"]["checkpoint"]
    assert "best trial" in out and "initial_alpha" in out


def run_on_loopback_cluster(port, *commands):
    """``commands``, one after another, against one two-node Ray cluster on 127.0.0.1:PORT in
    a namespace of its own: (stdout and stderr, each command's exit code)."""
    arguments = [argument for index, command in enumerate(commands)
                 for argument in ([] if index == 0 else ["--and-then"]) + command]
    result = subprocess.run(
        ["unshare", "--net", "--pid", "--fork", "--mount-proc", sys.executable,
         os.path.join(PROJECT_ROOT, "tests", "scripts", "loopback_cluster.py"), str(port),
         *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    codes = [int(line.rsplit(" ", 1)[1]) for line in result.stdout.splitlines()
             if line.startswith("loopback cluster: command ")]
    assert len(codes) == len(commands), output[-3000:]
    return output, codes


needs_loopback_cluster = pytest.mark.skipif(
    shutil.which("unshare") is None or shutil.which("ip") is None,
    reason="needs unshare and ip to build a loopback-only network namespace")


def run_example_ray(tmp_path, name, *flags):
    return [sys.executable, "-m", "softlearning_tf2.scripts.console_scripts",
            "run_example_ray", "examples.development", "--address", "127.0.0.1:6390",
            "--exp-name", name, "--seed", "0", "--local-dir", str(tmp_path),
            *ONE_EPOCH_FLAGS, *flags]


@pytest.fixture(scope="module")
def loopback_cluster_runs(tmp_path_factory):
    """Two drivers on one loopback cluster (a cluster start is the cost of these tests): a
    search over two values of tau, and a run with a remote sampler worker. Each node has one
    CPU: the remote run's trial bundle takes one node, its worker the other."""
    root = tmp_path_factory.mktemp("cluster")
    output, codes = run_on_loopback_cluster(
        6390,
        run_example_ray(root, "cluster", "--set", "algorithm_params.config.tau=grid:0.005,0.01"),
        run_example_ray(root, "remote", "--set", "sampler_params.class_name=RemoteSampler",
                        "--set", "sampler_params.config.num_workers=1"))
    return root, output, codes


@needs_loopback_cluster
def test_run_example_ray_on_a_loopback_cluster(loopback_cluster_runs):
    root, output, codes = loopback_cluster_runs
    assert codes[0] == 0, output[-3000:]
    assert "2 nodes up" in output
    with open(os.path.join(experiment_dir(root, "cluster"), "summary.json")) as file:
        summary = json.load(file)
    assert sorted(trial["config"]["algorithm_params.config.tau"]
                  for trial in summary["trials"]) == [0.005, 0.01]
    assert all(trial["status"] == "OK" and trial["timestep"] == 220
               for trial in summary["trials"])


@needs_loopback_cluster
def test_remote_sampler_workers_on_the_other_node_of_a_loopback_cluster(loopback_cluster_runs):
    root, output, codes = loopback_cluster_runs
    assert codes[1] == 0, output[-3000:]
    trial_dir, = [path for path in glob.glob(os.path.join(experiment_dir(root, "remote"), "*"))
                  if os.path.isdir(path)]
    with open(os.path.join(trial_dir, "result.json")) as file:
        results = [json.loads(line) for line in file if line.strip()]
    assert [result["timestep"] for result in results] == [110, 220]
    assert results[-1]["training/workers"] == 1
    assert results[-1]["training/workers-on-other-nodes"] == 1


def test_run_example_ray_without_address_is_an_error(run_cli):
    code, _, err = run_cli("run_example_ray", "examples.development")
    assert code == 2 and "--address" in err
