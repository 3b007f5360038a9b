"""Writing checkpoint files so that a crash mid-write never leaves a half-written file in place."""
import json
import os
import tempfile

import numpy as np


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
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def save_json(path, data):
    _atomic_write(path, lambda file: file.write(
        json.dumps(data, indent=2, sort_keys=True).encode()))


def load_json(path):
    with open(path) as file:
        return json.load(file)
