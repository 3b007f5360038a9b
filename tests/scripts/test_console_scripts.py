"""The ``softlearning`` command end to end: run in this process on one shared Ray instance
(``run_cli``), and once in its own process as a user runs it."""
import csv
import glob
import json
import os
import subprocess
import sys

import pytest

from tests.environments.action_space_probes import register_probes
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.integration
register_probes()  # in this process, where run_cli runs the command

# A tiny run that keeps the default evaluation (the last epoch evaluates 10 episodes), as
# the user-run test shows it; the other tests evaluate one episode at the end as at every epoch.
TINY_FLAGS_WITH_DEFAULT_EVALUATION = [
    "--set", "algorithm_params.config.n_epochs=2",
    "--set", "algorithm_params.config.epoch_length=150",
    "--set", "algorithm_params.config.n_initial_exploration_steps=100",
    "--set", "algorithm_params.config.min_pool_size=100",
    "--set", "algorithm_params.config.batch_size=32",
    "--set", "policy_params.config.hidden_layer_sizes=[32,32]",
    "--set", "Q_params.config.hidden_layer_sizes=[32,32]",
]
TINY_FLAGS = TINY_FLAGS_WITH_DEFAULT_EVALUATION + [
    "--set", "algorithm_params.config.final_eval_n_episodes=1"]
NOISE = ("oneDNN", "cuInit", "cuda", "absl::InitializeLog", "+----", "Trial status")


def softlearning(*args, timeout=600):
    """``softlearning ARGS...`` in a process of its own, as a user runs it."""
    command = [sys.executable, "-m", "softlearning_tf2.scripts.console_scripts", *args]
    environment = {key: value for key, value in os.environ.items()
                   if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env=environment)


def single_trial_dir(root, domain="Pendulum", task="v1", name="tiny"):
    trial_dirs = [path for path in glob.glob(str(root / "gymnasium" / domain / task /
                                                 f"*-{name}" / "*")) if os.path.isdir(path)]
    assert len(trial_dirs) == 1, trial_dirs
    return trial_dirs[0]


def run_tiny(run_cli, tmp_path, domain, *flags):
    """A tiny run of ``examples.development`` on ``domain`` with a checkpoint every epoch of
    100 steps; ``flags`` add to it (a Tune grid, say). Returns (exit code, out, err)."""
    return run_cli("run_example_local", "examples.development", "--domain", domain,
                   "--exp-name", "tiny", "--seed", "1", "--local-dir", tmp_path,
                   "--checkpoint-frequency", "1", *TINY_FLAGS,
                   "--set", "algorithm_params.config.epoch_length=100", *flags)


def read_progress(trial_dir):
    with open(os.path.join(trial_dir, "progress.csv")) as file:
        return list(csv.DictReader(file))


def test_run_example_local_as_a_user_runs_it(tmp_path):
    """In a process of its own: files, TensorBoard, and what the terminal shows."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = softlearning("run_example_local", "examples.development", "--algorithm", "SAC",
                          "--universe", "gymnasium", "--domain", "Pendulum", "--task", "v1",
                          "--exp-name", "tiny", "--seed", "3", "--local-dir", str(tmp_path),
                          "--checkpoint-frequency", "1", "--cpus", "1",
                          *TINY_FLAGS_WITH_DEFAULT_EVALUATION)
    out, err = result.stdout, result.stderr
    assert result.returncode == 0, out[-3000:] + err[-3000:]
    trial_dir = single_trial_dir(tmp_path)
    assert "seed=3" in trial_dir
    rows = read_progress(trial_dir)
    assert [int(row["timestep"]) for row in rows] == [150, 300]
    assert all(row["evaluation/episode-reward-mean"] for row in rows)
    checkpoints = sorted(glob.glob(os.path.join(trial_dir, "checkpoint_*")))
    assert len(checkpoints) == 2
    assert sorted(os.listdir(checkpoints[-1])) == [
        "algorithm.npz", "manifest.json", "replay_pool_chunk.npz", "training_state.json",
        "variant.json"]
    with open(os.path.join(checkpoints[-1], "variant.json")) as file:
        variant = json.load(file)
    assert variant["run_params"]["seed"] == 3
    assert variant["algorithm_params"]["config"]["epoch_length"] == 150

    # The terminal: one progress line per epoch, no start-up noise, no status tables.
    progress = [line for line in out.splitlines() if "timestep " in line and "/300" in line]
    assert len(progress) == 2 and "eval return" in progress[-1] and "left ~" in progress[0]
    # The last epoch evaluates final_eval_n_episodes (10 by default): a mean and a spread.
    assert "(std over 10 episodes)" in progress[-1] and "std over" not in progress[0]
    header, = [line for line in out.splitlines() if line.startswith("trial  ")]
    assert "evaluation/episode-reward-mean  std (episodes)" in header
    row, = [line for line in out.splitlines() if line.startswith("id=")]
    assert "± " in row and "(10)" in row, row
    noise = [line for line in (out + err).splitlines()
             if any(word in line for word in NOISE) or "pid=" in line]
    assert not noise, out + err

    events = EventAccumulator(trial_dir)
    events.Reload()
    tags = set(events.Tags()["scalars"])
    for metric in ("evaluation/episode-reward-mean", "training/episode-reward-mean",
                   "algorithm/Q_0-mean", "algorithm/Q_0_loss", "algorithm/policy_loss",
                   "algorithm/alpha", "algorithm/entropy", "times/epoch", "timestep"):
        assert f"ray/tune/{metric}" in tags, (metric, sorted(tags))
    assert len(events.Scalars("ray/tune/timestep")) == 2


def test_multi_goal_example_writes_pictures(run_cli, tmp_path):
    code, out, err = run_cli("run_example_local", "examples.multi_goal", "--algorithm", "SQL",
                             "--seed", "0", "--local-dir", tmp_path,
                             "--set", "algorithm_params.config.n_epochs=2",
                             "--set", "algorithm_params.config.n_initial_exploration_steps=60",
                             "--set", "algorithm_params.config.min_pool_size=60",
                             "--set", "run_params.plot_every_n_epochs=1",
                             "--set", "run_params.plot_num_rollouts=5")
    assert code == 0, out[-3000:] + err[-3000:]
    trial_dir = single_trial_dir(tmp_path, "MultiGoal", "Default-v0", "SQL")
    pictures = sorted(os.path.basename(path) for path in glob.glob(f"{trial_dir}/*.png"))
    assert pictures == ["Q_contours-epoch0001.png", "Q_contours-epoch0002.png",
                        "paths-epoch0001.png", "paths-epoch0002.png"]
    rows = read_progress(trial_dir)
    assert [int(row["timestep"]) for row in rows] == [100, 200]
    assert all(0 <= int(row["evaluation/goals-reached"]) <= 4 for row in rows)


# How the command begins its own lines on stderr.
COMMAND_PREFIX = "softlearning: "


@pytest.mark.parametrize("flags, message", [
    (["--domain", "Pendulm"], "unknown domain 'Pendulm'"),
    (["--algorithm", "PPO"], "invalid choice: 'PPO'"),
    (["--universe", "robosuite"], "unknown universe 'robosuite'"),
    (["--universe", "dm_control", "--domain", "cartpol"], "unknown domain 'cartpol'"),
    (["--domain", "PixelPoint", "--set", 'observation_params.observation_keys=["depth"]'],
     "unknown observation key 'depth'"),
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
    (["--domain", "ActionSpaceProbe", "--task", "MultiDiscrete-v0"],
     "ActionSpaceProbe-MultiDiscrete-v0 has a MultiDiscrete action space; softlearning_tf2 "
     "supports Box (continuous) or Discrete action spaces"),
    (["--domain", "ActionSpaceProbe", "--task", "Tuple-v0"], "has a Tuple action space"),
    (["--domain", "ActionSpaceProbe", "--task", "MultiBinary-v0"],
     "has a MultiBinary action space"),
    (["--domain", "GoalPoint", "--set", "replay_pool_params.config.relabel_strategy=futur"],
     "unknown relabel_strategy 'futur'; valid choices: future, final, episode, random"),
    (["--domain", "GoalPoint", "--set", "replay_pool_params.config.relabel_probability=1.5"],
     "relabel_probability must be in [0, 1], got 1.5"),
    (["--set", "replay_pool_params.class_name=HindsightExperienceReplayPool"],
     "Pendulum-v1 is not a goal task"),
    (["--domain", "GoalPoint", "--set", "replay_pool_params.class_name=SimpleReplayPool"],
     "set replay_pool_params.config.relabel_probability=0"),
    (["--algorithm", "SACV", "--domain", "CartPole"],
     "SACV trains on Box action spaces; CartPole-v1 has Discrete actions"),
    (["--domain", "GoalPoint", "--set", "replay_pool_params.class_name=TensorReplayPool"],
     "TensorReplayPool stores flat observations; GoalPoint-Reach-v0 has dict"),
    (["--set", "algorithm_params.config.fuse_environment_steps=False"],
     "fuse_environment_steps must be true or false, got 'False'"),
    (["--set", "policy_params.class_name=GMMPolicyy"],
     "unknown policy class_name 'GMMPolicyy'; valid choices: AmortizedSamplerPolicy, "
     "BoltzmannPolicy, CategoricalPolicy, FeedforwardGaussianPolicy, GMMPolicy, "
     "LatentSpacePolicy, MCMCSamplerPolicy, RealNVPPolicy"),
    (["--set", "policy_params.class_name=MCMCSamplerPolicy"],
     "SAC does not train MCMCSamplerPolicy; its policies: FeedforwardGaussianPolicy, "
     "GMMPolicy, RealNVPPolicy, LatentSpacePolicy"),
    (["--algorithm", "SQL", "--set", "policy_params.class_name=grid:MCMCSamplerPolicy,Nope"],
     "unknown policy class_name 'Nope'"),
    (["--set", "sampler_params.class_name=RemoteSampler",
      "--set", "sampler_params.config.num_workers=0"],
     "sampler_params.config.num_workers must be an integer >= 1, got 0"),
    (["--set", "sampler_params.class_name=RemoteSampler",
      "--set", "sampler_params.config.num_workers=grid:1,-2"],
     "sampler_params.config.num_workers must be an integer >= 1, got -2"),
    (["--cpus", "2", "--set", "sampler_params.class_name=RemoteSampler",
      "--set", "sampler_params.config.num_workers=4"],
     "a trial needs 5 CPUs (--trial-cpus 1 plus its RemoteSampler workers' worker_cpus) but "
     "the local Ray has 2: pass --cpus 5"),
    (["--set", "sampler_params.class_name=RemoteSampler",
      "--set", "sampler_params.config.drop_nonfinite_transitions=true"],
     "--set sampler_params.config.drop_nonfinite_transitions: no entry"),
    (["--set", "sampler_params.class_name=RemoteSamplr"],
     "unknown sampler_params.class_name 'RemoteSamplr'; valid choices: SimpleSampler, "
     "VectorSampler, RemoteSampler"),
    (["--set", "sampler_params.class_name=VectorSampler",
      "--set", "sampler_params.config.vectorization_mode=threads"],
     "unknown sampler_params.config.vectorization_mode 'threads'"),
    (["--set", "sampler_params.class_name=grid:SimpleSampler,RemoteSampler"],
     "sampler_params.class_name cannot be searched over"),
    (["--algorithm", "REDQ", "--set", "algorithm_params.config.subset_size=grid:2,11"],
     "subset_size 11 is larger than the ensemble's n_critics 10"),
    (["--algorithm", "TQC", "--set", "algorithm_params.config.top_quantiles_to_drop_per_net=25"],
     "top_quantiles_to_drop_per_net 25 of n_quantiles 25 leaves no atom for the target"),
    (["--algorithm", "DroQ", "--set", "Q_params.config.dropout_rate=1.0"],
     "dropout_rate must be in [0, 1), got 1.0"),
    (["--algorithm", "REDQ", "--set", "Q_params.config.n_quantiles=5"],
     "n_quantiles 5 needs --algorithm TQC: REDQ's critics give one Q value each"),
    (["--algorithm", "DroQ", "--set", "Q_params.config.layer_normalization=False"],
     "layer_normalization must be true or false, got 'False'"),
    (["--algorithm", "TQC", "--domain", "CartPole"],
     "TQC trains on Box action spaces; CartPole-v1 has Discrete actions"),
    (["--algorithm", "CrossQ", "--set", "Q_params.config.batch_renorm_r_max=0.5"],
     "batch_renorm_r_max must be >= 1, got 0.5"),
    (["--algorithm", "CrossQ", "--set", "policy_params.config.batch_renorm_d_max=-1"],
     "batch_renorm_d_max must be >= 0, got -1"),
    (["--algorithm", "CrossQ", "--set", "policy_params.class_name=GMMPolicy"],
     "CrossQ does not train GMMPolicy; its policies: FeedforwardGaussianPolicy"),
    (["--algorithm", "CrossQ", "--set", "Q_params.config.batch_renormalization=false"],
     "CrossQ normalizes its critics and actor: Q_params.config.batch_renormalization must "
     "be true"),
    (["--algorithm", "TQC", "--set", "Q_params.config.batch_renormalization=true"],
     "Q_params.config.batch_renormalization needs --algorithm CrossQ"),
    (["--algorithm", "DroQ", "--set", "Q_params.config.network=simba"],
     "Q_params.config.network simba takes no dropout_rate"),
    (["--algorithm", "CrossQ", "--set", "Q_params.config.network=simba"],
     "--set Q_params.config.network: no entry 'network'"),
])
def test_bad_input_exits_2_with_one_line(run_cli, tmp_path, flags, message):
    code, _, err = run_cli("run_example_local", "examples.development",
                           "--local-dir", tmp_path, *flags)
    assert code == 2
    # Lines of Ray actors (``(Name pid=...)``) belong to trials of earlier tests that share
    # this session's Ray, shutting down; the command's own output is the rest. Ray's log thread
    # prints an actor's text and its newline in two writes, so the command's line can land
    # between them (seen in CI): such a line is the command's from its "softlearning:" on.
    own_lines = [line[line.index(COMMAND_PREFIX):] if COMMAND_PREFIX in line else line
                 for line in err.splitlines()]
    own_lines = [line for line in own_lines if " pid=" not in line]
    error_lines = [line for line in own_lines if "error" in line]
    assert len(error_lines) == 1 and message in error_lines[0], err
    assert os.listdir(tmp_path) == []  # nothing started, nothing written


def test_unknown_command(run_cli):
    code, _, err = run_cli("run_example_remote", "examples.development")
    assert code == 2 and "unknown command 'run_example_remote'" in err


def test_unknown_example_module(run_cli):
    code, _, err = run_cli("run_example_dry", "examples.nope")
    assert code == 2 and "examples.nope" in err


def test_run_example_dry_prints_variant_and_trial_count(run_cli):
    code, out, err = run_cli("run_example_dry", "examples.development", "--num-samples", "3",
                             "--seed", "10", "--set",
                             "algorithm_params.config.tau=grid:0.005,0.01")
    assert code == 0, err
    assert "number of trials: 6" in out
    assert '"class_name": "SAC"' in out
    assert "search space: algorithm_params.config.tau = grid_search([0.005, 0.01])" in out


def test_run_example_debug_runs_in_process(run_cli):
    code, out, err = run_cli("run_example_debug", "examples.development", "--seed", "0",
                             "--run-eagerly", *TINY_FLAGS,
                             "--set", "algorithm_params.config.epoch_length=60",
                             "--set", "algorithm_params.config.n_initial_exploration_steps=50",
                             "--set", "algorithm_params.config.min_pool_size=50")
    assert code == 0, err[-3000:]
    epochs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [epoch["timestep"] for epoch in epochs] == [60, 120]


def test_discrete_sac_and_sql_run_through_tune_and_checkpoint(run_cli, tmp_path):
    """``--algorithm SAC`` / ``SQL`` on CartPole-v1 train DiscreteSAC / DiscreteSQL as Tune
    trials, with their checkpoints."""
    for algorithm in ("SAC", "SQL"):
        # Discrete SQL's Boltzmann policy has no network of its own to shrink.
        flags = [part for pair in zip(TINY_FLAGS[::2], TINY_FLAGS[1::2])
                 if not pair[1].startswith("policy_params") for part in pair]
        code, out, err = run_cli("run_example_local", "examples.development", "--algorithm",
                                 algorithm, "--domain", "CartPole", "--exp-name", algorithm,
                                 "--local-dir", tmp_path, "--seed", "1",
                                 *flags)
        assert code == 0, err[-3000:]
        trial_dir = single_trial_dir(tmp_path, "CartPole", "v1", algorithm)
        rows = read_progress(trial_dir)
        assert [int(row["timestep"]) for row in rows] == [150, 300]
        assert all(1 <= float(row["evaluation/episode-reward-mean"]) <= 500 for row in rows)
        with open(os.path.join(trial_dir, "params.json")) as file:
            assert json.load(file)["algorithm_params"]["class_name"] == f"Discrete{algorithm}"
        assert glob.glob(os.path.join(trial_dir, "checkpoint_*", "algorithm.npz"))


def test_image_observations_through_tune_checkpoints_and_simulate(run_cli, tmp_path):
    """PixelPoint's dict observation (uint8 pixels, float32 position) through the CLI: Tune
    trains, checkpoints hold each key's pool chunk in its dtype, simulate_policy acts."""
    import numpy as np

    convnet = ('{"pixels": {"class_name": "convnet", "config": {"conv_filters": [4], '
               '"conv_kernel_sizes": [3], "conv_strides": [2], "output_size": 8}}}')
    code, out, err = run_tiny(
        run_cli, tmp_path, "PixelPoint",
        "--set", f"observation_params.preprocessors={convnet}",
        "--set", "observation_params.random_shift=2")
    assert code == 0, out[-3000:] + err[-3000:]
    trial_dir = single_trial_dir(tmp_path, "PixelPoint", "Reach-v0")
    assert [int(row["timestep"]) for row in read_progress(trial_dir)] == [100, 200]
    checkpoints = sorted(glob.glob(os.path.join(trial_dir, "checkpoint_*")))
    with np.load(os.path.join(checkpoints[-1], "replay_pool_chunk.npz")) as chunk:
        assert chunk["observations/pixels"].dtype == np.uint8
        assert chunk["observations/pixels"].shape == (100, 32, 32, 3)
        assert chunk["next_observations/position"].dtype == np.float32
    code, out, err = run_cli("simulate_policy", checkpoints[-1], "--num-rollouts", "1",
                             "--max-path-length", "10", "--deterministic", "--seed", "0")
    assert code == 0, err[-3000:]
    assert "return" in out


def test_a_search_over_relabelling_settings_on_a_goal_task(run_cli, tmp_path):
    """GoalPoint through the CLI: a Tune grid over the relabelling strategy, success rates in
    progress.csv and on the terminal, the pool's episodes in its checkpoint chunk, and
    simulate_policy's success rate."""
    import numpy as np

    code, out, err = run_tiny(
        run_cli, tmp_path, "GoalPoint",
        "--set", "algorithm_params.config.eval_n_episodes=2",
        "--set", "replay_pool_params.config.relabel_strategy=grid:future,final")
    assert code == 0, out[-3000:] + err[-3000:]
    trial_dirs = sorted(path for path in glob.glob(str(
        tmp_path / "gymnasium" / "GoalPoint" / "Reach-v0" / "*-tiny" / "*"))
        if os.path.isdir(path))
    assert len(trial_dirs) == 2
    strategies = set()
    for trial_dir in trial_dirs:
        with open(os.path.join(trial_dir, "params.json")) as file:
            strategies.add(json.load(file)["replay_pool_params"]["config"]["relabel_strategy"])
        rows = read_progress(trial_dir)
        assert [int(row["timestep"]) for row in rows] == [100, 200]
        assert all(0 <= float(row["evaluation/success-rate"]) <= 1 for row in rows)
    assert strategies == {"future", "final"}
    assert "eval success" in out
    checkpoint = sorted(glob.glob(os.path.join(trial_dirs[0], "checkpoint_*")))[-1]
    with np.load(os.path.join(checkpoint, "replay_pool_chunk.npz")) as chunk:
        np.testing.assert_array_equal(chunk["episode_starts"], np.repeat([100, 150], 50))
    code, out, err = run_cli("simulate_policy", checkpoint, "--num-rollouts", "3",
                             "--deterministic", "--seed", "0")
    assert code == 0, err[-3000:]
    assert "success rate" in out and out.count("episode ") >= 3


def test_a_search_over_policy_classes_then_simulate_and_export(run_cli, tmp_path):
    """A Tune grid over SAC's richer policies on MultiGoal: each trial trains its class,
    simulate_policy acts from one checkpoint, export_policy writes the other's SavedModel."""
    code, out, err = run_tiny(
        run_cli, tmp_path, "MultiGoal",
        "--set", "policy_params.class_name=grid:GMMPolicy,RealNVPPolicy",
        "--set", "policy_params.config.hidden_layer_sizes=[16,16]")
    assert code == 0, out[-3000:] + err[-3000:]
    trial_dirs = sorted(path for path in glob.glob(str(
        tmp_path / "gymnasium" / "MultiGoal" / "Default-v0" / "*-tiny" / "*"))
        if os.path.isdir(path))
    checkpoints = {}
    for trial_dir in trial_dirs:
        assert [int(row["timestep"]) for row in read_progress(trial_dir)] == [100, 200]
        checkpoint = sorted(glob.glob(os.path.join(trial_dir, "checkpoint_*")))[-1]
        with open(os.path.join(checkpoint, "variant.json")) as file:
            policy_params = json.load(file)["policy_params"]
        assert policy_params["config"]["hidden_layer_sizes"] == [16, 16]
        checkpoints[policy_params["class_name"]] = checkpoint
    assert sorted(checkpoints) == ["GMMPolicy", "RealNVPPolicy"]
    code, out, err = run_cli("simulate_policy", checkpoints["GMMPolicy"], "--num-rollouts",
                             "2", "--seed", "0")
    assert code == 0, err[-3000:]
    assert out.count("episode ") >= 2
    code, out, err = run_cli("export_policy", checkpoints["RealNVPPolicy"],
                             tmp_path / "real_nvp_export")
    assert code == 0, err[-3000:]
    assert os.path.exists(tmp_path / "real_nvp_export" / "saved_model.pb")
