"""Incremental replay-pool checkpoints.

Each checkpoint stores only the transitions added since the previous checkpoint (a *chunk*,
``replay_pool_chunk.npz``, covering sample indices [start, end) of the pool's history) and the
pool's counters. Restoring from a checkpoint rebuilds the pool from the chain of chunks in that
checkpoint and its sibling checkpoints (the other ``checkpoint_*`` directories of the trial),
newest first, back to where the pool's capacity makes older transitions irrelevant. A sibling
whose files do not verify is passed over for another that holds the same samples.
"""
import os

import numpy as np

from softlearning_tf2.checkpoints.files import (
    CHECKPOINT_PREFIX, CHUNK_FILE, STATE_FILE, CheckpointError, load_arrays, load_json,
    save_arrays, verify_manifest)
from softlearning_tf2.replay_pools.simple_replay_pool import flatten_fields


def save_chunk(pool, directory, saved_up_to):
    """Writes the transitions added since sample index ``saved_up_to``; returns (start, end)."""
    end = pool.samples_added
    start = max(saved_up_to, end - pool.size)
    # Dict observations: one array per key, named ``observations/<key>``.
    save_arrays(os.path.join(directory, CHUNK_FILE),
                flatten_fields(pool.last_n_batch(end - start)))
    return start, end


def _chunk_info(directory):
    """(start, end) of a checkpoint's chunk, or None where it has none or is unreadable."""
    try:
        pool_state = load_json(os.path.join(directory, STATE_FILE))["replay_pool"]
        return int(pool_state["chunk_start"]), int(pool_state["chunk_end"])
    except (CheckpointError, KeyError, TypeError, ValueError):
        return None


def _candidates(checkpoint_dir):
    """The checkpoint itself first, then its siblings, newest name first."""
    checkpoint_dir = os.path.abspath(checkpoint_dir)
    parent = os.path.dirname(checkpoint_dir)
    siblings = sorted((os.path.join(parent, name) for name in os.listdir(parent)
                       if name.startswith(CHECKPOINT_PREFIX)), reverse=True)
    for directory in [checkpoint_dir] + [path for path in siblings if path != checkpoint_dir]:
        if os.path.isfile(os.path.join(directory, CHUNK_FILE)):
            info = _chunk_info(directory)
            if info is not None:
                yield directory, info


def _verified_chunk(directory, start, end, verify):
    if verify:
        verify_manifest(directory, [CHUNK_FILE])
    chunk = load_arrays(os.path.join(directory, CHUNK_FILE))
    if len(chunk["rewards"]) != end - start:
        raise CheckpointError(f"{directory}/{CHUNK_FILE} holds {len(chunk['rewards'])} "
                              f"transitions, expected {end - start}")
    return chunk


def load_chain(checkpoint_dir, samples_added, max_size, fields):
    """The newest ``min(samples_added, max_size)`` transitions, oldest first, from the chain.

    ``checkpoint_dir`` itself is taken as verified by the caller; siblings are verified here.
    """
    checkpoint_dir = os.path.abspath(checkpoint_dir)
    lower_bound = max(0, samples_added - max_size)
    candidates = list(_candidates(checkpoint_dir))
    parts, needed_end = [], samples_added
    while needed_end > lower_bound:
        chunk, problems = None, []
        for directory, (start, end) in candidates:
            if end != needed_end:
                continue
            try:
                chunk = _verified_chunk(directory, start, end, directory != checkpoint_dir)
                break
            except CheckpointError as error:
                problems.append(str(error))
        if chunk is None:
            reason = f" ({'; '.join(problems)})" if problems else " (a checkpoint was deleted?)"
            raise CheckpointError(
                f"the replay pool of {checkpoint_dir} cannot be rebuilt: no checkpoint of this "
                f"trial holds transitions up to sample {needed_end}{reason}")
        parts.insert(0, chunk)
        needed_end = start
    if not parts:
        return {name: np.zeros((0,)) for name in fields}
    transitions = {name: np.concatenate([part[name] for part in parts]) for name in fields}
    keep = samples_added - lower_bound
    return {name: values[-keep:] for name, values in transitions.items()}
