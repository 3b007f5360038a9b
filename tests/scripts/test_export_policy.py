"""``softlearning export_policy``: the command line, its outputs and its refusals."""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from softlearning_tf2.scripts import export_policy
from tests.policies.test_export import make_checkpoint
from tests.conftest import PROJECT_ROOT


def snapshot(root):
    """Every directory and file under ``root`` (the root's parent included), with contents."""
    entries = {}
    for directory, directories, files in os.walk(root):
        for name in directories:
            entries[os.path.relpath(os.path.join(directory, name), root) + "/"] = None
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                entries[os.path.relpath(path, root)] = hashlib.sha256(file.read()).hexdigest()
    return entries


def error_lines(stderr):
    return [line for line in stderr.splitlines() if "error:" in line]


@pytest.fixture
def checkpoint(tmp_path):
    """A private copy of the tiny SAC checkpoint, free to damage."""
    source, _ = make_checkpoint("SAC")
    return shutil.copytree(source, tmp_path / "checkpoint_000001")


@pytest.mark.integration
def test_export_writes_a_saved_model_with_tflite(checkpoint, tmp_path, capsys):
    output = tmp_path / "exported"
    code, captured = run_main(capsys, checkpoint, output, "--format", "tflite")
    assert code == 0, captured.err[-3000:]
    assert len(captured.out.splitlines()) <= 5
    assert "wrote" in captured.out and "Pendulum-v1" in captured.out
    for name in ("saved_model.pb", "assets/softlearning_policy.json", "policy.tflite"):
        assert (output / name).is_file(), name
    # Nothing else next to it: the staging directory is gone.
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_000001", "exported"]

    cli = shutil.which("saved_model_cli")
    if cli is None:
        pytest.skip("saved_model_cli is not on PATH")
    shown = subprocess.run([cli, "show", "--dir", str(output), "--all"], capture_output=True,
                           text=True, timeout=120,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert shown.returncode == 0, shown.stderr[-2000:]
    for signature in ("serving_default", "sample", "log_prob"):
        assert f"signature_def['{signature}']" in shown.stdout
    assert "inputs['observations']" in shown.stdout and "outputs['actions']" in shown.stdout


def test_truncated_algorithm_file_exits_2_and_writes_nothing(checkpoint, tmp_path, capsys):
    path = checkpoint / "algorithm.npz"
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    before = snapshot(tmp_path)
    code, captured = run_main(capsys, checkpoint, tmp_path / "exported")
    assert code == 2
    lines = error_lines(captured.err)
    assert len(lines) == 1 and "algorithm.npz is truncated" in lines[0], captured.err
    assert snapshot(tmp_path) == before


def test_corrupt_bytes_of_the_right_length_are_caught(checkpoint, tmp_path, capsys):
    path = checkpoint / "algorithm.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    before = snapshot(tmp_path)
    code, captured = run_main(capsys, checkpoint, tmp_path / "exported")
    assert code == 2
    line, = error_lines(captured.err)
    assert "algorithm.npz" in line and "corrupt" in line
    assert snapshot(tmp_path) == before


def run_main(capsys, *argv):
    code = export_policy.main([str(arg) for arg in argv])
    return code, capsys.readouterr()


def test_existing_output_directory_is_kept_without_overwrite(checkpoint, tmp_path, capsys):
    output = tmp_path / "exported"
    output.mkdir()
    (output / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    code, captured = run_main(capsys, checkpoint, output)
    assert code == 2
    lines = error_lines(captured.err)
    assert len(lines) == 1 and "already exists" in lines[0] and "--overwrite" in lines[0]
    assert snapshot(tmp_path) == before


def test_overwrite_replaces_only_after_success(checkpoint, tmp_path, capsys):
    output = tmp_path / "exported"
    output.mkdir()
    (output / "keep.txt").write_text("mine")

    # A damaged checkpoint: the export fails and the old directory stays as it was.
    algorithm = checkpoint / "algorithm.npz"
    good = algorithm.read_bytes()
    algorithm.write_bytes(good[:100])
    before = snapshot(tmp_path)
    code, captured = run_main(capsys, checkpoint, output, "--overwrite")
    assert code == 2 and "algorithm.npz" in captured.err
    assert snapshot(tmp_path) == before

    algorithm.write_bytes(good)
    code, captured = run_main(capsys, checkpoint, output, "--overwrite", "--quiet")
    assert code == 0, captured.err
    assert captured.out == ""
    assert sorted(os.listdir(output)) == ["assets", "fingerprint.pb", "saved_model.pb",
                                          "variables"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_000001", "exported"]


@pytest.mark.parametrize("case, message", [
    ("missing", "no such directory"),
    ("empty", "is not a checkpoint directory: no manifest.json"),
    ("trial", "pass one of those"),
    ("file", "is not a directory"),
    ("variant", "variant.json is truncated or altered"),
    ("without-manifest", "is not a checkpoint directory: no manifest.json"),
])
def test_bad_checkpoint_paths_exit_2_with_one_line(checkpoint, tmp_path, capsys, case,
                                                   message):
    if case == "missing":
        path = tmp_path / "nope"
    elif case == "empty":
        path = tmp_path / "empty"
        path.mkdir()
    elif case == "trial":  # a trial directory: the checkpoints are inside it
        path = tmp_path
    elif case == "file":
        path = checkpoint / "variant.json"
    else:
        path = checkpoint
        (path / "variant.json").write_text('{"environment_params": ')
        if case == "without-manifest":
            (path / "manifest.json").unlink(missing_ok=True)
    before = snapshot(tmp_path)
    code, captured = run_main(capsys, path, tmp_path / "exported")
    assert code == 2
    lines = error_lines(captured.err)
    assert len(lines) == 1 and message in lines[0], captured.err
    assert lines[0].startswith("softlearning export_policy: error:")
    assert snapshot(tmp_path) == before


def test_bad_flags_exit_2(checkpoint, tmp_path, capsys):
    code, captured = run_main(capsys, checkpoint, tmp_path / "exported", "--format", "onnx")
    assert code == 2 and "invalid choice: 'onnx'" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    code, _ = run_main(capsys, checkpoint)
    assert code == 2
    assert not (tmp_path / "exported").exists()
