"""The checkpoint format: versioned manifest, one reader, falling back past damaged checkpoints."""
import json
import os

import numpy as np
import pytest

from softlearning_tf2.checkpoints import (
    FORMAT_VERSION, Checkpoint, CheckpointError, locate, to_arrays)
from softlearning_tf2.checkpoints.files import MANIFEST_FILE
from softlearning_tf2.experiments.experiment import Experiment
from tests.experiments.test_experiment import tiny_variant

# Checkpoints of a trained tiny experiment.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def three_checkpoints(tmp_path_factory):
    """A trial directory with checkpoints after epochs 1, 2, 3, and each epoch's arrays."""
    trial_dir = tmp_path_factory.mktemp("trial")
    experiment = Experiment(tiny_variant(extra=["algorithm_params.config.n_epochs=3"]))
    arrays = []
    for index in range(3):
        experiment.train_epoch()
        experiment.save(str(trial_dir / f"checkpoint_{index:06d}"))
        arrays.append(to_arrays(*experiment.algorithm.checkpointables()))
    return trial_dir, arrays


def copy_of(source, destination):
    import shutil
    shutil.copytree(source, destination)
    return destination


def test_manifest_names_the_format_version_and_another_version_is_refused(
        three_checkpoints, tmp_path):
    directory = copy_of(three_checkpoints[0] / "checkpoint_000000", tmp_path / "checkpoint")
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert Checkpoint.read(str(directory)).epoch == 1
    manifest["format_version"] = FORMAT_VERSION + 1
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=f"format version {FORMAT_VERSION + 1}; this "
                                              f"softlearning_tf2 reads format version "
                                              f"{FORMAT_VERSION}"):
        Checkpoint.read(str(directory))
    del manifest["format_version"]  # written before the field existed: the same format, 1
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert Checkpoint.read(str(directory)).epoch == 1


def test_locate_says_what_a_path_is_instead(three_checkpoints, tmp_path):
    trial_dir = three_checkpoints[0]
    with pytest.raises(CheckpointError, match="no such directory"):
        locate(str(tmp_path / "missing"))
    with pytest.raises(CheckpointError, match="checkpoint_000002: pass one of those"):
        locate(str(trial_dir))
    assert locate(str(trial_dir / "checkpoint_000001")) == str(trial_dir / "checkpoint_000001")


def test_restore_falls_back_to_the_newest_checkpoint_that_verifies(three_checkpoints, tmp_path):
    source, arrays = three_checkpoints
    trial_dir = copy_of(source, tmp_path / "trial")
    newest = trial_dir / "checkpoint_000002" / "algorithm.npz"
    newest.write_bytes(newest.read_bytes()[:500])  # a crash while it was written
    before = {path: open(path, "rb").read() for path in _files(trial_dir)}
    reports = []
    experiment = Experiment(tiny_variant(seed=5, extra=["algorithm_params.config.n_epochs=3"]))
    restored = experiment.restore_newest_readable(str(trial_dir / "checkpoint_000002"),
                                                  reports.append)
    assert restored == str(trial_dir / "checkpoint_000001")
    assert len(reports) == 1 and "checkpoint_000002" in reports[0] and "truncated" in reports[0]
    assert experiment.algorithm.epoch == 2 and experiment.pool.samples_added == 240
    restored_arrays = to_arrays(*experiment.algorithm.checkpointables())
    for key, value in arrays[1].items():
        np.testing.assert_array_equal(restored_arrays[key], value, err_msg=key)
    assert {path: open(path, "rb").read() for path in _files(trial_dir)} == before  # untouched


def test_restore_stops_with_one_line_when_no_checkpoint_verifies(three_checkpoints, tmp_path):
    trial_dir = copy_of(three_checkpoints[0], tmp_path / "trial")
    for index in range(3):
        os.remove(trial_dir / f"checkpoint_{index:06d}" / "training_state.json")
    experiment = Experiment(tiny_variant(extra=["algorithm_params.config.n_epochs=3"]))
    with pytest.raises(CheckpointError, match="no checkpoint of trial .* can be restored "
                                              r"\(3 tried; the newest: checkpoint_000002"):
        experiment.restore_newest_readable(str(trial_dir / "checkpoint_000002"))
    assert experiment.algorithm.epoch == 0


def _files(directory):
    return sorted(os.path.join(root, name) for root, _, names in os.walk(directory)
                  for name in names)
