"""The checkpoint's files on disk: names, atomic writes, and the versioned manifest.

Every file is written under a temporary name and moved into place, so a crash mid-write never
leaves a half-written file under a real name. ``manifest.json``, written last, records the
format version and each file's size and SHA-256; ``verify_manifest`` checks them before
anything is loaded, so a truncated, corrupt or foreign checkpoint fails with one line naming
the problem, and nothing is modified.
"""
import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from softlearning_tf2.utils.cli import one_line

# The files and array keys described in checkpoints/__init__.py and arrays.py. Manifests
# written before the field existed hold the same format: a missing "format_version" is 1.
FORMAT_VERSION = 1

VARIANT_FILE = "variant.json"
ALGORITHM_FILE = "algorithm.npz"
STATE_FILE = "training_state.json"
CHUNK_FILE = "replay_pool_chunk.npz"
MANIFEST_FILE = "manifest.json"
CHECKPOINT_PREFIX = "checkpoint_"


class CheckpointError(ValueError):
    """A checkpoint is missing, truncated, corrupt, of another format version, or not one."""


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
    """Every array of an .npz (reading each one checks its CRC)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as error:
        raise CheckpointError(f"cannot read {path}: {one_line(error)}") from None


def save_json(path, data):
    _atomic_write(path, lambda file: file.write(
        json.dumps(data, indent=2, sort_keys=True).encode()))


def load_json(path):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"cannot read {path}: {one_line(error)}") from None


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory, names):
    """Records the format version, size and SHA-256 of each named file; call it last."""
    entries = {}
    for name in names:
        path = os.path.join(directory, name)
        entries[name] = {"size": os.path.getsize(path), "sha256": file_digest(path)}
    save_json(os.path.join(directory, MANIFEST_FILE),
              {"format_version": FORMAT_VERSION, "files": entries})


def read_manifest(directory):
    """The manifest, its format version checked; CheckpointError if absent or foreign."""
    path = os.path.join(directory, MANIFEST_FILE)
    if not os.path.isfile(path):
        raise CheckpointError(f"{directory} is not a complete checkpoint: {MANIFEST_FILE} "
                              f"is missing")
    manifest = load_json(path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CheckpointError(f"{path} is not a checkpoint manifest")
    version = manifest.get("format_version", 1)
    if version != FORMAT_VERSION:
        raise CheckpointError(f"{directory} is a checkpoint of format version {version}; this "
                              f"softlearning_tf2 reads format version {FORMAT_VERSION}")
    return manifest


def verify_manifest(directory, names=None):
    """Checks the named files (default: all) against the manifest; returns the manifest.

    Raises CheckpointError naming the first file that is missing or does not match.
    """
    manifest = read_manifest(directory)
    entries = manifest["files"]
    for name in sorted(entries if names is None else names):
        path = os.path.join(directory, name)
        expected = entries.get(name)
        if not isinstance(expected, dict) or not {"size", "sha256"} <= set(expected):
            raise CheckpointError(f"{directory} has no entry for {name} in its {MANIFEST_FILE}")
        try:
            if not os.path.isfile(path):
                raise CheckpointError(f"checkpoint file {path} is missing")
            size = os.path.getsize(path)
            if size != expected["size"]:
                raise CheckpointError(f"checkpoint file {path} is truncated or altered: {size} "
                                      f"bytes, the manifest says {expected['size']}")
            if file_digest(path) != expected["sha256"]:
                raise CheckpointError(f"checkpoint file {path} is corrupt: its SHA-256 does not "
                                      f"match the manifest")
        except OSError as error:
            raise CheckpointError(
                f"cannot read checkpoint file {path}: {one_line(error)}") from None
    return manifest
