"""Trackers and Optuna through the CLI, read back with the trackers' own packages: MLflow's
client on an SQLite store, W&B's record schema on an offline run's transaction log, and
Optuna's TPE sampler as Tune drives it."""
import glob
import json
import math
import os
import struct

import numpy as np
import pytest

from tests.scripts.test_console_scripts import TINY_FLAGS

LEARNING_RATE = "algorithm_params.config.Q_lr"
METRIC = "evaluation/episode-reward-mean"


def read_wandb_records(path, block_size=32768):
    """The protobuf records of a W&B transaction log (``run-*.wandb``), parsed with the W&B
    package's own schema (``wandb_internal_pb2.Record``). The log is LevelDB's record format
    after a 7-byte ``:W&B`` header: 32 KiB blocks, each record a 7-byte header (CRC, length,
    kind: 1 whole, 2 first, 3 middle, 4 last piece) and its bytes."""
    from wandb.proto import wandb_internal_pb2

    data = open(path, "rb").read()
    assert data[:4] == b":W&B"
    offset, records, pending = 7, [], b""
    while offset + 7 <= len(data):
        left = block_size - offset % block_size
        _, length, kind = struct.unpack("<IHB", data[offset:offset + 7])
        if left < 7 or kind == 0:  # the block's zero padding
            offset += left
            continue
        piece = data[offset + 7:offset + 7 + length]
        offset += 7 + length
        if kind == 1:
            records.append(piece)
        elif kind == 2:
            pending = piece
        elif kind == 3:
            pending += piece
        elif kind == 4:
            records.append(pending + piece)
    return [wandb_internal_pb2.Record.FromString(record) for record in records]


@pytest.fixture(scope="module")
def tracked_search(tmp_path_factory, local_ray):
    """One CLI run: an Optuna search of 3 trials over Q_lr, logged to MLflow (SQLite) and to
    W&B (offline), on the session's Ray."""
    from softlearning_tf2.scripts import console_scripts

    root = tmp_path_factory.mktemp("tracked")
    database = root / "mlflow.db"
    previous = os.environ.get("WANDB_MODE")
    os.environ["WANDB_MODE"] = "offline"
    # MLflow puts a SQLite store's artifacts in ./mlruns of the working directory: here, not
    # in the checkout.
    working_directory = os.getcwd()
    os.chdir(root)
    try:
        code = console_scripts.main([
            "run_example_local", "examples.development", "--algorithm", "SAC",
            "--domain", "Pendulum", "--seed", "5", "--local-dir", str(root / "runs"),
            "--search", "optuna", "--num-trials", "3",
            "--set", f"{LEARNING_RATE}=loguniform:1e-4,1e-2",
            "--mlflow", f"sqlite:///{database}", "--wandb", "softlearning-tests",
            *TINY_FLAGS])
    finally:
        os.chdir(working_directory)
        if previous is None:
            os.environ.pop("WANDB_MODE")
        else:
            os.environ["WANDB_MODE"] = previous
    assert code == 0
    [summary] = glob.glob(str(root / "runs" / "*" / "*" / "*" / "*" / "summary.json"))
    assert glob.glob(str(root / "mlruns" / "*" / "*" / "artifacts" / "checkpoint_*"))
    return {"database": database, "summary": json.load(open(summary)),
            "experiment": os.path.dirname(summary)}


@pytest.mark.integration
def test_mlflow_s_client_reads_every_trial_back(tracked_search):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tracked_search['database']}")
    experiment = client.get_experiment_by_name(os.path.basename(tracked_search["experiment"]))
    runs = client.search_runs([experiment.experiment_id])
    summary = tracked_search["summary"]
    assert len(runs) == len(summary["trials"]) == 3
    sampled = sorted(float(run.data.params[LEARNING_RATE.replace(".", "/")]) for run in runs)
    assert sampled == pytest.approx(sorted(trial["config"][LEARNING_RATE]
                                           for trial in summary["trials"]))
    assert all(1e-4 <= value <= 1e-2 for value in sampled)
    for run in runs:
        assert run.info.status == "FINISHED"
        assert run.data.params["run_params/seed"] == "5" == run.data.tags["seed"]
        assert run.data.tags["experiment_directory"] == tracked_search["experiment"]
        history = client.get_metric_history(run.info.run_id, METRIC)
        assert [metric.step for metric in history] == [150, 300]  # every epoch, by timestep
        assert all(math.isfinite(metric.value) for metric in history)
        [artifact] = client.list_artifacts(run.info.run_id)
        files = {entry.path.split("/")[-1]
                 for entry in client.list_artifacts(run.info.run_id, artifact.path)}
        assert {"algorithm.npz", "manifest.json", "training_state.json"} <= files


@pytest.mark.integration
def test_wandb_offline_runs_hold_config_tags_history_and_the_checkpoint(tracked_search):
    logs = sorted(glob.glob(os.path.join(tracked_search["experiment"], "*", "wandb",
                                         "offline-run-*", "run-*.wandb")))
    assert len(logs) == 3  # one run per trial, inside its trial directory
    for log in logs:
        records = read_wandb_records(log)
        kinds = [record.WhichOneof("record_type") for record in records]
        [run] = [record.run for record in records if record.HasField("run")]
        assert run.project == "softlearning-tests"
        assert run.run_group == os.path.basename(tracked_search["experiment"])
        assert "seed=5" in run.tags
        config = {item.key: json.loads(item.value_json) for item in run.config.update}
        assert config["run_params"]["seed"] == 5
        assert config["experiment_directory"] == tracked_search["experiment"]
        rows = [{item.key or "/".join(item.nested_key): json.loads(item.value_json)
                 for item in record.history.item}
                for record in records if record.HasField("history")]
        assert [row["timestep"] for row in rows] == [150, 300]
        assert all(math.isfinite(row[METRIC]) for row in rows)
        artifacts = [record.artifact for record in records if record.HasField("artifact")]
        assert len(artifacts) == 1, kinds
        [artifact] = artifacts
        assert artifact.type == "model"
        assert {"algorithm.npz", "manifest.json"} <= {entry.path
                                                      for entry in artifact.manifest.contents}
        assert kinds[-1] == "exit" or "exit" in kinds


@pytest.mark.integration
def test_the_optuna_search_ran_its_trials_with_one_seed(tracked_search):
    trials = tracked_search["summary"]["trials"]
    assert len({trial["config"][LEARNING_RATE] for trial in trials}) == 3
    assert all(trial["status"] == "OK" and trial["epochs"] == 2 for trial in trials)
    assert all(trial["trial"].endswith("seed=5") for trial in trials)
    # Tune saved the searcher's state beside the trials: what --restore continues from.
    assert glob.glob(os.path.join(tracked_search["experiment"], "searcher-state-*.pkl"))


def synthetic_search(tmp_path, seed, trials=40):
    """The CLI's Optuna searcher (``search_algorithm``), driven as Tune drives it, on the
    objective -(log10(lr) + 3)^2 over loguniform(1e-5, 1e-1): the log learning rates it
    sampled, in order."""
    from argparse import Namespace

    from ray import tune

    from softlearning_tf2.experiments.search import search_algorithm

    args = Namespace(search="optuna", seed=seed, metric="score", mode="max")
    searcher = search_algorithm(args)
    assert searcher.set_search_properties("score", "max",
                                          {"lr": tune.loguniform(1e-5, 1e-1)})
    sampled = []
    for index in range(trials):
        config = searcher.suggest(f"trial_{index}")
        sampled.append(math.log10(config["lr"]))
        searcher.on_trial_complete(f"trial_{index}", {"score": -(sampled[-1] + 3.0) ** 2})
    return np.array(sampled), searcher


def test_tpe_s_second_half_samples_nearer_the_best_value_than_uniform_sampling():
    sampled, _ = synthetic_search(None, seed=0)
    distance = np.abs(sampled + 3.0)
    # Uniform sampling of log10(lr) in [-5, -1] is on average 1.0 from -3; TPE's first 10
    # trials are its random start-up, its last 20 sample from the model of the results.
    assert distance[20:].mean() < 0.5
    assert distance[20:].mean() < distance[:10].mean()


def test_the_searcher_s_saved_state_continues_the_same_sequence(tmp_path):
    """What --restore relies on (Tune saves and restores the searcher with the experiment):
    a searcher restored from the state after 12 trials suggests what the original does."""
    from argparse import Namespace

    from softlearning_tf2.experiments.search import search_algorithm

    _, original = synthetic_search(None, seed=3, trials=12)
    original.save(str(tmp_path / "searcher.pkl"))
    restored = search_algorithm(Namespace(search="optuna", seed=3, metric="score", mode="max"))
    restored.restore(str(tmp_path / "searcher.pkl"))
    for index in range(12, 16):
        expected, actual = (searcher.suggest(f"trial_{index}")
                            for searcher in (original, restored))
        assert actual == expected
        for searcher in (original, restored):
            searcher.on_trial_complete(
                f"trial_{index}", {"score": -(math.log10(expected["lr"]) + 3.0) ** 2})


@pytest.mark.integration
@pytest.mark.parametrize("flags, environment, message", [
    (["--mlflow", "http://127.0.0.1:9"], {}, "--mlflow http://127.0.0.1:9: the tracking "
                                              "server cannot be reached"),
    (["--wandb"], {"WANDB_MODE": None, "WANDB_API_KEY": None},
     "--wandb: not logged in to Weights & Biases"),
    (["--search", "optuna", "--set", f"{LEARNING_RATE}=grid:1e-4,1e-3"], {},
     f"--search optuna samples its spaces; {LEARNING_RATE} is a grid"),
    (["--search", "optuna"], {}, "--search optuna needs a space to search"),
    (["--search", "optuna", "--num-samples", "2", "--set", f"{LEARNING_RATE}=loguniform:1e-4,1e-3"],
     {}, "pass --num-trials N instead of --num-samples"),
    (["--num-trials", "4"], {}, "--num-trials is for --search optuna"),
])
def test_a_tracker_or_search_that_cannot_run_is_one_line_before_any_trial(
        run_cli, tmp_path, monkeypatch, flags, environment, message):
    monkeypatch.setenv("HOME", str(tmp_path))  # no netrc: no stored W&B login
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code, _, err = run_cli("run_example_local", "examples.development", "--local-dir",
                           tmp_path / "runs", *flags, *TINY_FLAGS)
    assert code == 2
    error_lines = [line for line in err.splitlines() if "error" in line and " pid=" not in line]
    assert len(error_lines) == 1 and message in error_lines[0], err
    assert not (tmp_path / "runs").exists()


@pytest.mark.integration
def test_a_missing_tracker_package_is_named(run_cli, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    code, _, err = run_cli("run_example_local", "examples.development", "--local-dir",
                           tmp_path / "runs", "--mlflow", *TINY_FLAGS)
    assert code == 2 and '--mlflow needs the mlflow package (pip install -e ".[tracking]")' in err


def test_run_search_passes_each_keyword_as_its_flag(tmp_path, monkeypatch):
    import softlearning_tf2
    from softlearning_tf2.experiments import launcher

    seen = []

    def fake_run(module, argv):  # what the command would do: write the search's summary
        seen.append((module, argv))
        experiment = tmp_path / "gymnasium" / "Hopper" / "v5" / "2026-01-01T00-00-00-tuned"
        experiment.mkdir(parents=True)
        summary = {"best": {"x": 1}, "trials": [{"trial": "a", "status": "OK"}]}
        (experiment / launcher.SUMMARY_FILE).write_text(json.dumps(summary))
        return 0, str(experiment / launcher.SUMMARY_FILE)

    monkeypatch.setattr(launcher, "run_local", fake_run)
    summary = softlearning_tf2.run_search(
        "TQC", "Hopper", "v5", overrides={LEARNING_RATE: "loguniform:1e-4,1e-3",
                                          "Q_params.config.hidden_layer_sizes": [64, 64]},
        search="optuna", num_trials=7, seed=2, scheduler="median", mlflow="sqlite:///x.db",
        wandb="project", exp_name="tuned", local_dir=str(tmp_path))
    assert summary["best"] == {"x": 1}
    [(module, argv)] = seen
    flags = dict(zip(argv[::2], argv[1::2]))
    assert module == "examples.development"
    assert {flag: flags[flag] for flag in ("--algorithm", "--domain", "--task", "--search",
                                           "--num-trials", "--seed", "--scheduler",
                                           "--mlflow", "--wandb", "--exp-name")} == {
        "--algorithm": "TQC", "--domain": "Hopper", "--task": "v5", "--search": "optuna",
        "--num-trials": "7", "--seed": "2", "--scheduler": "median",
        "--mlflow": "sqlite:///x.db", "--wandb": "project", "--exp-name": "tuned"}
    sets = [value for flag, value in zip(argv[::2], argv[1::2]) if flag == "--set"]
    assert sets == [f"{LEARNING_RATE}=loguniform:1e-4,1e-3",
                    "Q_params.config.hidden_layer_sizes=[64, 64]"]
