"""Crashes: the driver killed with SIGKILL then --restore (past a damaged checkpoint), and a
trial worker dying."""
import glob
import re
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.checkpoints.files import load_json
from tests.scripts.test_console_scripts import PROJECT_ROOT

pytestmark = pytest.mark.integration

# Episodes of 100 steps (the sampler's path length), one per epoch: epochs end on episode
# boundaries, where a restore resumes exactly.
EPOCHS, EPOCH_LENGTH = 6, 100


def run_flags(epochs=EPOCHS):
    return ["--seed", "0", "--cpus", "1", "--checkpoint-frequency", "1",
            "--set", f"algorithm_params.config.n_epochs={epochs}",
            "--set", f"algorithm_params.config.epoch_length={EPOCH_LENGTH}",
            "--set", "algorithm_params.config.n_initial_exploration_steps=100",
            "--set", "algorithm_params.config.min_pool_size=100",
            "--set", "algorithm_params.config.batch_size=32",
            "--set", "policy_params.config.hidden_layer_sizes=[32,32]",
            "--set", "Q_params.config.hidden_layer_sizes=[32,32]",
            "--set", "replay_pool_params.config.max_size=5000",
            "--set", f"sampler_params.config.max_path_length={EPOCH_LENGTH}",
            "--set", "algorithm_params.config.final_eval_n_episodes=1"]
needs_namespaces = pytest.mark.skipif(
    subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount-proc", "true"],
                   capture_output=True).returncode != 0,
    reason="needs unshare (network and PID namespaces) to kill a driver with all its processes")


def final_checkpoint_experiment(experiment_dir):
    trial_dir, = [path for path in glob.glob(os.path.join(experiment_dir, "*"))
                  if os.path.isdir(path)]
    checkpoint = sorted(glob.glob(os.path.join(trial_dir, "checkpoint_*")))[-1]
    experiment = Experiment(load_json(os.path.join(checkpoint, "variant.json")))
    experiment.restore(checkpoint)
    return experiment


def assert_pool_has_every_transition_once(pool, total):
    """Each step's s' is the next step's s within an episode; an episode is an epoch."""
    assert pool.samples_added == total and pool.size == total
    batch = pool.last_n_batch(total)
    for index in range(total - 1):
        if (index + 1) % EPOCH_LENGTH:
            np.testing.assert_array_equal(batch["observations"][index + 1],
                                          batch["next_observations"][index])
        else:
            assert not np.array_equal(batch["observations"][index + 1],
                                       batch["next_observations"][index])


def kill_driver_after_checkpoints(tmp_path, name, flags, count):
    """Runs the CLI as PID 1 of its own PID and network namespaces (loopback only) and sends
    it SIGKILL once ``count`` checkpoints exist: the driver and every Ray process it started
    end, like a machine crash. Returns the experiment directory and the seconds it ran."""
    command = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL",
               "sh", "-c", 'ip link set lo up && exec "$@"', "sh", sys.executable, "-m",
               "softlearning_tf2.scripts.console_scripts", "run_example_local",
               "examples.development", "--exp-name", name, "--local-dir", str(tmp_path),
               *flags]
    start = time.time()
    # Tune writes its experiment state (which checkpoints it knows) after every result, so
    # that the restore resumes from a checkpoint rather than from the start.
    driver = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, "TUNE_GLOBAL_CHECKPOINT_S": "0"})
    pattern = str(tmp_path / "*" / "*" / "*" / f"*-{name}" / "*" / "checkpoint_*" /
                  "manifest.json")
    try:
        while len(glob.glob(pattern)) < count:
            assert driver.poll() is None, f"the run ended before {count} checkpoints"
            assert time.time() - start < 300, f"no {count} checkpoints within 300 s"
            time.sleep(0.1)
    finally:
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
    experiment_dir, = glob.glob(str(tmp_path / "*" / "*" / "*" / f"*-{name}"))
    return experiment_dir, time.time() - start


@needs_namespaces
def test_driver_killed_with_sigkill_then_restored_past_a_damaged_checkpoint(run_cli, tmp_path):
    # 10 ms of work per training step: the three epochs left after the third checkpoint take
    # at least 3 s, so the kill lands mid-run (without it, tiny epochs could all finish
    # between two polls and the restore would find a finished trial).
    flags = [*run_flags(), "--set", "environment_params.training.step_delay=0.01"]
    experiment_dir, killed_after = kill_driver_after_checkpoints(tmp_path, "killed", flags, 3)
    checkpoints = sorted(glob.glob(os.path.join(experiment_dir, "*", "checkpoint_*")))
    # Tune rewrites a trial's params.json as it syncs; a kill mid-copy once left it empty
    # (in CI). Emptied here every time: the restore takes the variant from the checkpoints.
    params, = glob.glob(os.path.join(experiment_dir, "*", "params.json"))
    open(params, "w").close()

    # No checkpoint of the trial verifies: one line, exit 2, nothing touched.
    for checkpoint in checkpoints:
        os.rename(os.path.join(checkpoint, "manifest.json"),
                  os.path.join(checkpoint, "manifest.json.aside"))
    code, _, err = run_cli("run_example_local", "examples.development", "--restore",
                           experiment_dir)
    error_lines = [line for line in err.splitlines() if "error" in line]
    assert code == 2 and len(error_lines) == 1 and "no checkpoint of trial" in error_lines[0]
    for checkpoint in checkpoints:
        os.rename(os.path.join(checkpoint, "manifest.json.aside"),
                  os.path.join(checkpoint, "manifest.json"))

    # The two newest checkpoints are damaged (as by a crash while they were written; Tune
    # restores from the newest one its experiment state had registered, one of these): the
    # restore passes over them to an intact one, says so in a line each, and finishes the run.
    for checkpoint in checkpoints[-2:]:
        with open(os.path.join(checkpoint, "algorithm.npz"), "r+b") as file:
            file.truncate(1000)
    start = time.time()
    code, out, err = run_cli("run_example_local", "examples.development", "--restore",
                             experiment_dir)
    assert code == 0, out[-3000:] + err[-3000:]
    skipped = [line for line in (out + err).splitlines() if "skipping checkpoint" in line]
    assert skipped and all("algorithm.npz is truncated" in line for line in skipped), out + err
    assert any(os.path.basename(checkpoints[-2]) in line for line in skipped)
    first_epoch = [line for line in out.splitlines() if "timestep " in line][0]
    assert f"timestep {EPOCH_LENGTH}/" not in first_epoch  # resumed, not started again
    print(f"killed after {killed_after:.1f} s; restore finished in {time.time() - start:.1f} s")
    experiment = final_checkpoint_experiment(experiment_dir)
    assert experiment.sampler.total_samples == EPOCHS * EPOCH_LENGTH
    assert experiment.algorithm.epoch == EPOCHS
    assert_pool_has_every_transition_once(experiment.pool, EPOCHS * EPOCH_LENGTH)


def test_a_dead_trial_worker_is_restarted_from_its_last_checkpoint(run_cli, tmp_path):
    code, out, err = run_cli("run_example_local", "tests.scripts.crashing_example",
                             "--exp-name", "crash", "--local-dir", str(tmp_path),
                             "--max-failures", "1", *run_flags())
    assert code == 0, out[-3000:] + err[-3000:]
    assert (tmp_path / "crashed-once").exists()  # the fault really happened
    experiment_dir, = glob.glob(str(tmp_path / "*" / "*" / "*" / "*-crash"))
    experiment = final_checkpoint_experiment(experiment_dir)
    assert experiment.sampler.total_samples == EPOCHS * EPOCH_LENGTH
    assert_pool_has_every_transition_once(experiment.pool, EPOCHS * EPOCH_LENGTH)


def test_failing_trial_without_retries_fails_the_command(run_cli, tmp_path):
    code, _, err = run_cli("run_example_local", "tests.scripts.crashing_example",
                           "--exp-name", "crash", "--local-dir", str(tmp_path),
                           "--max-failures", "0", *run_flags(epochs=3))
    assert code == 1
    assert re.search(r"trial \S+ failed: ", err), err[-2000:]


@needs_namespaces
def test_a_remote_sampler_run_killed_then_restored_finishes(run_cli, tmp_path):
    """Checkpoints and --restore with sampler workers: the restore sizes the trial's
    placement group from the saved variant (the command line names no sampler) and starts new
    workers, whose episodes begin at the restored epoch's boundary."""
    flags = run_flags(epochs=4)
    flags[flags.index("--cpus") + 1] = "2"
    flags += ["--set", "sampler_params.class_name=RemoteSampler",
              "--set", "sampler_params.config.num_workers=1",
              "--set", "sampler_params.config.worker_cpus=0.5"]
    experiment_dir, _ = kill_driver_after_checkpoints(tmp_path, "remote", flags, 2)
    code, out, err = run_cli("run_example_local", "examples.development", "--restore",
                             experiment_dir, "--cpus", "2")
    assert code == 0, out[-3000:] + err[-3000:]
    experiment = final_checkpoint_experiment(experiment_dir)
    assert type(experiment.sampler).__name__ == "RemoteSampler"
    assert experiment.sampler.total_samples == 4 * EPOCH_LENGTH
    assert_pool_has_every_transition_once(experiment.pool, 4 * EPOCH_LENGTH)
    experiment.close()
