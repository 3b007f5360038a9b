"""Incremental replay-pool checkpoints.

Each checkpoint stores only the transitions added since the previous checkpoint (a *chunk*,
``replay_pool_chunk.npz``, covering sample indices [start, end) of the pool's history) and the
pool's counters. Restoring from a checkpoint rebuilds the pool from the chain of chunks in that
checkpoint and its sibling checkpoints (the other ``checkpoint_*`` directories of the trial),
newest first, back to where the pool's capacity makes older transitions irrelevant.
"""
import os

import numpy as np

from softlearning_tf2.replay_pools.simple_replay_pool import FIELDS
from softlearning_tf2.utils.checkpoints import (
    STATE_FILE, CorruptCheckpointError, load_arrays, load_json, save_arrays, verify_manifest)

CHUNK_FILE = "replay_pool_chunk.npz"


def save_chunk(pool, directory, saved_up_to):
    """Writes the transitions added since sample index ``saved_up_to``; returns (start, end)."""
    end = pool.samples_added
    start = max(saved_up_to, end - pool.size)
    save_arrays(os.path.join(directory, CHUNK_FILE), pool.last_n_batch(end - start))
    return start, end


def _chunk_info(directory):
    """(start, end) of a checkpoint's chunk, or None where it has none or is unreadable."""
    try:
        pool_state = load_json(os.path.join(directory, STATE_FILE))["replay_pool"]
        return int(pool_state["chunk_start"]), int(pool_state["chunk_end"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _candidates(checkpoint_dir):
    """The checkpoint itself first, then its siblings, newest name first."""
    checkpoint_dir = os.path.abspath(checkpoint_dir)
    parent = os.path.dirname(checkpoint_dir)
    siblings = sorted((os.path.join(parent, name) for name in os.listdir(parent)
                       if name.startswith("checkpoint_")), reverse=True)
    for directory in [checkpoint_dir] + [path for path in siblings if path != checkpoint_dir]:
        if os.path.isfile(os.path.join(directory, CHUNK_FILE)):
            info = _chunk_info(directory)
            if info is not None:
                yield directory, info


def load_chain(checkpoint_dir, samples_added, max_size):
    """The newest ``min(samples_added, max_size)`` transitions, oldest first, from the chain."""
    lower_bound = max(0, samples_added - max_size)
    candidates = list(_candidates(checkpoint_dir))
    parts, needed_end = [], samples_added
    while needed_end > lower_bound:
        match = next((entry for entry in candidates if entry[1][1] == needed_end), None)
        if match is None:
            raise CorruptCheckpointError(
                f"the replay pool of {checkpoint_dir} cannot be rebuilt: no checkpoint of this "
                f"trial holds transitions up to sample {needed_end} (a checkpoint directory "
                f"was deleted?)")
        directory, (start, end) = match
        if directory != os.path.abspath(checkpoint_dir):
            verify_manifest(directory)
        chunk = load_arrays(os.path.join(directory, CHUNK_FILE))
        if len(chunk["rewards"]) != end - start:
            raise CorruptCheckpointError(f"{directory}/{CHUNK_FILE} holds "
                                         f"{len(chunk['rewards'])} transitions, expected "
                                         f"{end - start}")
        parts.insert(0, chunk)
        needed_end = start
    if not parts:
        return {name: np.zeros((0,)) for name in FIELDS}
    transitions = {name: np.concatenate([part[name] for part in parts]) for name in FIELDS}
    keep = samples_added - lower_bound
    return {name: values[-keep:] for name, values in transitions.items()}
