"""Checkpoint files: atomic writes, and a manifest that detects truncation and corruption.

Every file is written under a temporary name and moved into place, so a crash mid-write never
leaves a half-written file under a real name. ``manifest.json``, written last, records each
file's size and SHA-256; ``verify_manifest`` checks them before anything is loaded, so a
truncated or corrupted checkpoint fails with one line naming the file instead of loading
garbage, and nothing is modified.
"""
import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

# The files of a checkpoint written by examples.development.main.Experiment.save.
VARIANT_FILE = "variant.json"
ALGORITHM_FILE = "algorithm.npz"
STATE_FILE = "training_state.json"
MANIFEST_FILE = "manifest.json"


class CorruptCheckpointError(ValueError):
    """A checkpoint file is missing, truncated or does not match its manifest."""


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary_path = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary_path, path)
    except BaseException:
        if os.path.exists(temporary_path):
            os.remove(temporary_path)
        raise


def save_arrays(path, arrays):
    _atomic_write(path, lambda file: np.savez(file, **arrays))


def load_arrays(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as error:
        raise CorruptCheckpointError(f"cannot read {path}: {error}") from None


def save_json(path, data):
    _atomic_write(path, lambda file: file.write(
        json.dumps(data, indent=2, sort_keys=True).encode()))


def load_json(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorruptCheckpointError(f"cannot read {path}: {error}") from None


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory, names):
    """Records size and SHA-256 of each named file; call after every file is in place."""
    entries = {}
    for name in names:
        path = os.path.join(directory, name)
        entries[name] = {"size": os.path.getsize(path), "sha256": file_digest(path)}
    save_json(os.path.join(directory, MANIFEST_FILE), {"files": entries})


def verify_manifest(directory):
    """Raises CorruptCheckpointError naming the first file that does not match the manifest."""
    manifest_path = os.path.join(directory, MANIFEST_FILE)
    if not os.path.isfile(manifest_path):
        raise CorruptCheckpointError(f"{directory} is not a complete checkpoint: "
                                     f"{MANIFEST_FILE} is missing")
    entries = load_json(manifest_path)["files"]
    for name, expected in sorted(entries.items()):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise CorruptCheckpointError(f"checkpoint file {path} is missing")
        size = os.path.getsize(path)
        if size != expected["size"]:
            raise CorruptCheckpointError(
                f"checkpoint file {path} is truncated or altered: {size} bytes, "
                f"the manifest says {expected['size']}")
        if file_digest(path) != expected["sha256"]:
            raise CorruptCheckpointError(
                f"checkpoint file {path} is corrupt: its SHA-256 does not match the manifest")
    return entries
