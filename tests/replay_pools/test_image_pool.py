"""The pool with dict observations: images stored once, next images rebuilt exactly."""
import numpy as np
import pytest

from softlearning_tf2.replay_pools.simple_replay_pool import (
    SimpleReplayPool, flatten_fields, unflatten_fields)

LAYOUT = {"pixels": ((4, 4, 2), "uint8"), "state": ((3,), "float32")}


def episodes(rng, lengths):
    """Transitions of consecutive episodes, each next observation the following observation
    within an episode; a new episode starts from a fresh observation."""
    transitions = []
    for length in lengths:
        observation = {"pixels": rng.integers(0, 256, (4, 4, 2), dtype=np.uint8),
                       "state": rng.normal(size=3).astype(np.float32)}
        for step in range(length):
            next_observation = {"pixels": rng.integers(0, 256, (4, 4, 2), dtype=np.uint8),
                                "state": rng.normal(size=3).astype(np.float32)}
            transitions.append({"observations": observation,
                                "actions": rng.normal(size=2).astype(np.float32),
                                "rewards": float(rng.normal()),
                                "terminals": float(step == length - 1 and length % 2),
                                "next_observations": next_observation})
            observation = next_observation
    return transitions


def filled(max_size, transitions, seed=0):
    pool = SimpleReplayPool(action_shape=(2,), max_size=max_size, seed=seed,
                            observation_layout=LAYOUT)
    for transition in transitions:
        pool.add_sample(transition)
    return pool


def assert_rows_match(batch, transitions):
    for index, transition in enumerate(transitions):
        for field in ("observations", "next_observations"):
            for key in LAYOUT:
                np.testing.assert_array_equal(batch[field][key][index], transition[field][key])
        np.testing.assert_array_equal(batch["actions"][index], transition["actions"])


@pytest.mark.parametrize("max_size", [7, 50])  # the ring wraps, or not
def test_next_images_are_the_stored_transitions_own(max_size):
    transitions = episodes(np.random.default_rng(0), [5, 1, 8, 3, 4])
    pool = filled(max_size, transitions)
    kept = transitions[-min(max_size, len(transitions)):]
    assert_rows_match(pool.last_n_batch(pool.size), kept)
    # Each image key has one array: observations only.
    assert "pixels" not in pool.fields["next_observations"]
    assert pool.fields["next_observations"]["state"].dtype == np.float32
    assert pool.fields["observations"]["pixels"].dtype == np.uint8
    # Kept apart: the newest transition and the ends of paths still in the pool.
    assert len(pool.explicit_next_images) <= 6


def test_random_batches_draw_whole_transitions():
    transitions = episodes(np.random.default_rng(1), [6, 6, 6])
    pool = filled(10, transitions)
    indices = pool.random_indices(64)
    batch = pool.batch_by_indices(indices)
    ordered = transitions[-10:]
    # Ring row r holds transition (r - pointer) mod 10 of the newest ten.
    assert_rows_match(batch, [ordered[(row - pool.pointer) % 10] for row in indices])


def test_a_restored_pool_draws_the_same_batches():
    transitions = episodes(np.random.default_rng(2), [4, 9, 2, 7])
    pool = filled(12, transitions, seed=3)
    state = pool.state_dict()
    flat = flatten_fields(state["transitions"])
    assert "observations/pixels" in flat and "next_observations/pixels" in flat
    restored = SimpleReplayPool(action_shape=(2,), max_size=12, seed=99,
                                observation_layout=LAYOUT)
    restored.load_state_dict({**state, "transitions": unflatten_fields(flat)})
    for _ in range(3):
        expected, actual = pool.random_batch(16), restored.random_batch(16)
        for field in ("observations", "next_observations"):
            for key in LAYOUT:
                np.testing.assert_array_equal(expected[field][key], actual[field][key])
    pool.add_sample(transitions[0])
    restored.add_sample(transitions[0])
    assert_rows_match(restored.last_n_batch(12), transitions[-11:] + transitions[:1])


def test_images_take_one_copy_per_transition():
    transitions = episodes(np.random.default_rng(4), [25, 25])
    pool = filled(50, transitions)
    image_bytes = 4 * 4 * 2
    naive = 50 * (2 * image_bytes + 2 * 3 * 4 + 2 * 4 + 4 + 4)
    # One stored image per transition, plus the next images of 2 path ends (one the newest).
    assert pool.nbytes == naive - 50 * image_bytes + 2 * image_bytes


def test_missing_keys_are_refused():
    pool = SimpleReplayPool(action_shape=(2,), max_size=5, observation_layout=LAYOUT)
    transition = episodes(np.random.default_rng(5), [1])[0]
    transition["observations"] = {"state": transition["observations"]["state"]}
    with pytest.raises(ValueError, match="must be a dict with the keys"):
        pool.add_sample(transition)
