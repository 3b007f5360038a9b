"""The checkpoint format: the one place that writes and reads a trial's checkpoint.

A checkpoint is a directory ``checkpoint_NNNNNN`` inside a trial directory holding

* ``variant.json``: the trial's resolved variant (everything needed to rebuild it);
* ``algorithm.npz``: every network, target network, optimizer slot and tf variable
  (key scheme in ``arrays.py``);
* ``training_state.json``: counters, the sampler's statistics, numpy and environment random
  states, the replay pool's counters;
* ``replay_pool_chunk.npz``: the transitions added since the previous checkpoint
  (``replay_pool_chain.py``), unless the variant leaves the pool out;
* ``manifest.json``, written last: the format version and each file's size and SHA-256.

Training (``Experiment.save`` / ``restore``), ``export_policy`` and ``simulate_policy`` all read
through ``Checkpoint.read``; every problem is a ``CheckpointError`` with a one-line message.
"""
import glob
import os

from softlearning_tf2.checkpoints.arrays import assign_arrays, policy_weights, to_arrays
from softlearning_tf2.checkpoints.files import (
    ALGORITHM_FILE, CHECKPOINT_PREFIX, CHUNK_FILE, FORMAT_VERSION, MANIFEST_FILE, STATE_FILE,
    VARIANT_FILE, CheckpointError, load_arrays, load_json, one_line, save_arrays, save_json,
    verify_manifest, write_manifest)
from softlearning_tf2.checkpoints.replay_pool_chain import load_chain, save_chunk

__all__ = ["Checkpoint", "CheckpointError", "FORMAT_VERSION", "assign_arrays", "locate",
           "newest_readable", "to_arrays", "write_checkpoint", "one_line"]


def is_exported_policy(path):
    return os.path.isfile(os.path.join(path, "saved_model.pb"))


def checkpoints_inside(directory):
    """The ``checkpoint_*`` directories directly inside ``directory``, oldest first."""
    return sorted(path for path in glob.glob(os.path.join(directory, f"{CHECKPOINT_PREFIX}*"))
                  if os.path.isdir(path))


def locate(path):
    """Checks that ``path`` is a checkpoint directory; CheckpointError says what it is instead."""
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no such directory")
    if not os.path.isdir(path):
        raise CheckpointError(f"{path} is not a directory")
    if os.path.exists(os.path.join(path, MANIFEST_FILE)):
        return os.path.abspath(path)
    if is_exported_policy(path):
        raise CheckpointError(f"{path} is an exported policy, not a checkpoint")
    inner = [os.path.basename(entry) for entry in checkpoints_inside(path)]
    hint = f" (it holds {', '.join(inner[-3:])}: pass one of those)" if inner else ""
    raise CheckpointError(f"{path} is not a checkpoint directory: no {MANIFEST_FILE}{hint}")


class Checkpoint:
    """A checkpoint directory, verified against its manifest and read (``read``), or a
    running experiment's state in the same form (``path`` None)."""

    def __init__(self, path, variant, training_state, arrays):
        self.path = path
        self.variant = variant
        self.training_state = training_state
        self.arrays = arrays

    @classmethod
    def read(cls, path, for_acting=False):
        """Verifies and reads ``path``; ``for_acting`` checks only the files a policy needs
        (the replay pool, possibly hundreds of MB, is neither hashed nor required)."""
        path = locate(path)
        verify_manifest(path, [VARIANT_FILE, ALGORITHM_FILE, STATE_FILE] if for_acting else None)
        variant = load_json(os.path.join(path, VARIANT_FILE))
        training_state = load_json(os.path.join(path, STATE_FILE))
        if not isinstance(training_state, dict):
            raise CheckpointError(f"{os.path.join(path, STATE_FILE)} is not a JSON object")
        try:
            environment = variant["environment_params"]["training"]
            for key in ("universe", "domain", "task"):
                environment[key]
            variant["policy_params"]["class_name"]
            variant["algorithm_params"]["class_name"]
        except (KeyError, TypeError) as error:
            raise CheckpointError(
                f"{os.path.join(path, VARIANT_FILE)} lacks the entry {one_line(error)} "
                f"(environment_params.training.universe/domain/task, policy_params and "
                f"algorithm_params are needed)") from None
        arrays = load_arrays(os.path.join(path, ALGORITHM_FILE))
        return cls(path, variant, training_state, arrays)

    @property
    def environment_params(self):
        return self.variant["environment_params"]["training"]

    @property
    def algorithm(self):
        return self.variant["algorithm_params"]["class_name"]

    @property
    def timestep(self):
        """Environment steps taken; offline (no sampler), the gradient updates."""
        if "sampler" not in self.training_state:
            return self.training_state.get("updates")
        return self.training_state["sampler"].get("total_samples")

    @property
    def epoch(self):
        return self.training_state.get("epoch")

    def _algorithm_file(self):
        """Where the arrays came from, for messages (a checkpoint made in memory has no path)."""
        return "the experiment's state" if self.path is None else os.path.join(
            self.path, ALGORITHM_FILE)

    @property
    def policy_weights(self):
        return policy_weights(self.arrays, self._algorithm_file())

    def assign_to(self, models, optimizers, variables):
        assign_arrays(self.arrays, models, optimizers, variables, self._algorithm_file())

    def pool_transitions(self, max_size, fields):
        """The pool's transitions rebuilt from the chain, or None if the pool was left out."""
        pool_state = self.training_state["replay_pool"]
        if "chunk_end" not in pool_state:
            return None
        return load_chain(self.path, int(pool_state["samples_added"]), max_size, fields)


def write_checkpoint(directory, variant, arrays, training_state, pool=None, pool_saved_up_to=0):
    """Writes a checkpoint into ``directory``; returns the sample index the pool is saved up to.

    ``training_state["replay_pool"]`` gets the pool's counters; with ``pool``, the transitions
    added since ``pool_saved_up_to`` are written as this checkpoint's chunk.
    """
    os.makedirs(directory, exist_ok=True)
    save_arrays(os.path.join(directory, ALGORITHM_FILE), arrays)
    files = [ALGORITHM_FILE, STATE_FILE, VARIANT_FILE]
    pool_state = dict(training_state.get("replay_pool", {}))
    if pool is not None:
        start, end = save_chunk(pool, directory, pool_saved_up_to)
        pool_state.update(chunk_start=start, chunk_end=end)
        files.append(CHUNK_FILE)
        pool_saved_up_to = end
    save_json(os.path.join(directory, STATE_FILE), {**training_state, "replay_pool": pool_state})
    save_json(os.path.join(directory, VARIANT_FILE), variant)
    write_manifest(directory, files)
    return pool_saved_up_to


def newest_readable(checkpoint_dir, read, report=None):
    """``read(checkpoint_dir)``, or, where that raises CheckpointError, ``read`` of the newest
    older checkpoint of the same trial for which it succeeds: returns ``(path, value)``.

    ``report(message)`` hears one line per checkpoint passed over, naming it and why. Raises
    CheckpointError (one line) when no checkpoint of the trial can be read.
    """
    checkpoint_dir = os.path.abspath(checkpoint_dir)
    name = os.path.basename(checkpoint_dir)
    older = [path for path in checkpoints_inside(os.path.dirname(checkpoint_dir))
             if name.startswith(CHECKPOINT_PREFIX) and os.path.basename(path) < name]
    problems = []
    for path in [checkpoint_dir, *reversed(older)]:
        try:
            return path, read(path)
        except CheckpointError as error:
            problems.append(f"{os.path.basename(path)}: {error}")
            if report is not None:
                report(f"skipping checkpoint {path}: {error}")
    raise CheckpointError(f"no checkpoint of trial {os.path.dirname(checkpoint_dir)} can be "
                          f"restored ({len(problems)} tried; the newest: {problems[0]})")
