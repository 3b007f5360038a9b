"""Reading what training and ``export_policy`` wrote, without TensorFlow.

Checkpoint directories (``variant.json``, ``algorithm.npz``, ``training_state.json``) and exported
policy directories (a SavedModel with ``assets/softlearning_policy.json``) are read and checked
here with numpy and json only, so that a bad path or a damaged file is reported in one line
before TensorFlow is even imported. Every problem the user can fix is an ``ExportError``.
"""
import glob
import json
import os

import numpy as np

from softlearning_tf2.utils.checkpoints import (
    ALGORITHM_FILE, MANIFEST_FILE, STATE_FILE, VARIANT_FILE, file_digest)

# The files of a checkpoint that an export reads (the replay pool is not needed).
CHECKPOINT_FILES = (VARIANT_FILE, ALGORITHM_FILE, STATE_FILE)
POLICY_WEIGHTS_PREFIX = "models/policy/"
# MANIFEST_FILE, written by training next to those files ({"files": {name: {"size",
# "sha256"}}}), is optional here: checked where present, for the files an export reads.

METADATA_FILE = "softlearning_policy.json"
TFLITE_FILE = "policy.tflite"
FORMATS = ("saved_model", "tflite")
EXPORT_FORMAT_VERSION = 1


class ExportError(Exception):
    """A problem with the input (paths, checkpoint contents) that the user can fix."""


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


class PolicyCheckpoint:
    """What an export needs from a checkpoint directory, read and checked."""

    def __init__(self, path, variant, training_state, policy_weights):
        self.path = path
        self.variant = variant
        self.training_state = training_state
        self.policy_weights = policy_weights

    @property
    def environment_params(self):
        return self.variant["environment_params"]["training"]

    @property
    def algorithm(self):
        return self.variant.get("algorithm_params", {}).get("class_name")

    @property
    def timestep(self):
        sampler = self.training_state.get("sampler", {})
        return sampler.get("total_samples")

    @property
    def epoch(self):
        return self.training_state.get("epoch")


def is_exported_policy(path):
    return os.path.isfile(os.path.join(path, "saved_model.pb"))


def _read_json(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ExportError(f"{path} is truncated or corrupt ({_one_line(error)})") from None


def _read_arrays(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            # Reading every array checks every member's CRC: a damaged optimizer slot is
            # reported as well as a damaged policy weight.
            return {name: data[name] for name in data.files}
    except Exception as error:  # zipfile.BadZipFile, EOFError, ValueError, zlib.error, ...
        raise ExportError(f"{path} is truncated or corrupt "
                          f"({type(error).__name__}: {_one_line(error)})") from None


def _check_manifest(checkpoint_dir):
    """Where the checkpoint has a manifest, the files read here must match it."""
    manifest_path = os.path.join(checkpoint_dir, MANIFEST_FILE)
    if not os.path.isfile(manifest_path):
        return
    manifest = _read_json(manifest_path)
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, dict):
        return  # a layout this reader does not know: the files are still parsed and checked
    for name in CHECKPOINT_FILES:
        expected = entries.get(name)
        if not isinstance(expected, dict):
            continue
        path = os.path.join(checkpoint_dir, name)
        size = os.path.getsize(path)
        if "size" in expected and size != expected["size"]:
            raise ExportError(f"{path} is truncated or altered: {size} bytes, the checkpoint's "
                              f"{MANIFEST_FILE} says {expected['size']}")
        if "sha256" in expected and file_digest(path) != expected["sha256"]:
            raise ExportError(f"{path} is corrupt: its SHA-256 does not match the "
                              f"checkpoint's {MANIFEST_FILE}")


def read_checkpoint(checkpoint_dir):
    """Reads and checks a checkpoint directory; raises ``ExportError`` naming any problem."""
    if not os.path.exists(checkpoint_dir):
        raise ExportError(f"{checkpoint_dir}: no such directory")
    if not os.path.isdir(checkpoint_dir):
        raise ExportError(f"{checkpoint_dir} is not a directory")
    missing = [name for name in CHECKPOINT_FILES
               if not os.path.isfile(os.path.join(checkpoint_dir, name))]
    if missing:
        if is_exported_policy(checkpoint_dir):
            raise ExportError(f"{checkpoint_dir} is an exported policy, not a checkpoint")
        inner = sorted(os.path.basename(path) for path in
                       glob.glob(os.path.join(checkpoint_dir, "checkpoint_*"))
                       if os.path.isdir(path))
        hint = (f" (it holds {', '.join(inner[-3:])}: pass one of those)" if inner else "")
        raise ExportError(f"{checkpoint_dir} is not a checkpoint directory: missing "
                          f"{', '.join(missing)}{hint}")
    _check_manifest(checkpoint_dir)

    variant_path = os.path.join(checkpoint_dir, VARIANT_FILE)
    variant = _read_json(variant_path)
    try:
        environment_params = variant["environment_params"]["training"]
        for key in ("universe", "domain", "task"):
            environment_params[key]
        variant["policy_params"]["class_name"]
    except (KeyError, TypeError) as error:
        raise ExportError(f"{variant_path} lacks the entry {_one_line(error)} "
                          f"(environment_params.training.universe/domain/task and "
                          f"policy_params are needed)") from None
    training_state = _read_json(os.path.join(checkpoint_dir, STATE_FILE))
    if not isinstance(training_state, dict):
        raise ExportError(f"{os.path.join(checkpoint_dir, STATE_FILE)} is not a JSON object")

    algorithm_path = os.path.join(checkpoint_dir, ALGORITHM_FILE)
    arrays = _read_arrays(algorithm_path)
    count = sum(1 for key in arrays if key.startswith(POLICY_WEIGHTS_PREFIX))
    try:
        weights = [arrays[f"{POLICY_WEIGHTS_PREFIX}{index}"] for index in range(count)]
    except KeyError as error:
        raise ExportError(f"{algorithm_path} is missing {error.args[0]}") from None
    if not weights:
        raise ExportError(f"{algorithm_path} holds no policy weights "
                          f"({POLICY_WEIGHTS_PREFIX}0, ...)")
    return PolicyCheckpoint(os.path.abspath(checkpoint_dir), variant, training_state, weights)


def make_environment(environment_params, render_mode=None):
    """The ``GymnasiumAdapter`` of ``environment_params``; ``ExportError`` if it can't be made."""
    from softlearning_tf2.environments.utils import get_environment

    kwargs = dict(environment_params.get("kwargs") or {})
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    name = f"{environment_params['domain']}-{environment_params['task']}"
    try:
        return get_environment(environment_params["universe"], environment_params["domain"],
                               environment_params["task"], kwargs)
    except Exception as error:  # unknown id, a missing simulator, bad kwargs
        raise ExportError(f"cannot make the environment {name}: {_one_line(error)}") from None


def read_export_metadata(export_dir):
    """The JSON description inside an export; ``ExportError`` if it is missing or damaged."""
    path = os.path.join(export_dir, "assets", METADATA_FILE)
    if not os.path.isfile(path):
        raise ExportError(f"{export_dir} is a SavedModel without assets/{METADATA_FILE}: "
                          f"not a policy written by export_policy")
    metadata = _read_json(path)
    if not isinstance(metadata, dict) or "environment_params" not in metadata:
        raise ExportError(f"{path} lacks environment_params")
    return metadata


# -- Output ----------------------------------------------------------------------------------

def check_output_dir(output_dir, overwrite=False):
    """Raises ``ExportError`` unless ``output_dir`` may be written."""
    if os.path.lexists(output_dir):
        if not os.path.isdir(output_dir) or os.path.islink(output_dir):
            raise ExportError(f"{output_dir} exists and is not a directory")
        if not overwrite:
            raise ExportError(f"{output_dir} already exists (pass --overwrite to replace it)")
    parent = os.path.dirname(os.path.abspath(output_dir))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise ExportError(f"{parent} is not a directory")
