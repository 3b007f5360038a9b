import numpy as np
import pytest

from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool


def transitions(start, count):
    steps = np.arange(start, start + count, dtype=np.float32)
    return {
        "observations": np.stack([steps, -steps], axis=1),
        "actions": steps[:, None] / 1000.0,
        "rewards": steps,
        "terminals": (steps % 2).astype(np.float32),
        "next_observations": np.stack([steps + 1, -steps - 1], axis=1),
    }


def test_wraps_around_keeping_the_newest():
    pool = SimpleReplayPool((2,), (1,), max_size=5)
    pool.add_samples(transitions(0, 3))
    pool.add_samples(transitions(3, 4))  # 7 added, capacity 5: 2..6 survive
    assert pool.size == 5 and pool.samples_added == 7
    assert sorted(pool.fields["rewards"].tolist()) == [2, 3, 4, 5, 6]
    np.testing.assert_array_equal(pool.last_n_batch(5)["rewards"], [2, 3, 4, 5, 6])
    # Every stored row stays consistent across fields.
    rows = pool.fields
    np.testing.assert_array_equal(rows["observations"][:, 0], rows["rewards"])
    np.testing.assert_array_equal(rows["next_observations"][:, 0], rows["rewards"] + 1)


def test_batch_larger_than_capacity_keeps_last_rows():
    pool = SimpleReplayPool((2,), (1,), max_size=4)
    pool.add_samples(transitions(0, 10))
    np.testing.assert_array_equal(pool.last_n_batch(4)["rewards"], [6, 7, 8, 9])
    assert pool.samples_added == 10


def test_random_batch_draws_only_stored_rows():
    pool = SimpleReplayPool((2,), (1,), max_size=100, seed=0)
    pool.add_samples(transitions(0, 10))
    batch = pool.random_batch(1000)
    assert set(batch["rewards"].tolist()) == set(range(10))  # within bounds, all reachable
    np.testing.assert_array_equal(batch["observations"][:, 0], batch["rewards"])


def test_add_sample_and_add_path():
    pool = SimpleReplayPool((2,), (1,), max_size=10)
    single = {name: value[0] for name, value in transitions(5, 1).items()}
    pool.add_sample(single)
    pool.add_path(transitions(6, 3))
    np.testing.assert_array_equal(pool.last_n_batch(10)["rewards"], [5, 6, 7, 8])


def test_empty_pool_and_bad_input_are_errors():
    pool = SimpleReplayPool((2,), (1,), max_size=3)
    with pytest.raises(ValueError, match="empty"):
        pool.random_batch(2)
    bad = transitions(0, 3)
    bad["rewards"] = bad["rewards"][:2]
    with pytest.raises(ValueError, match="rewards"):
        pool.add_samples(bad)
    with pytest.raises(ValueError, match="max_size"):
        SimpleReplayPool((2,), (1,), max_size=0)


def test_state_round_trip_preserves_order_and_sampling():
    pool = SimpleReplayPool((2,), (1,), max_size=4, seed=3)
    pool.add_samples(transitions(0, 6))
    state = pool.state_dict()
    restored = SimpleReplayPool((2,), (1,), max_size=4, seed=99)
    restored.load_state_dict(state)
    np.testing.assert_array_equal(restored.last_n_batch(4)["rewards"],
                                  pool.last_n_batch(4)["rewards"])
    assert restored.samples_added == 6
    np.testing.assert_array_equal(restored.random_batch(8)["rewards"],
                                  pool.random_batch(8)["rewards"])


def test_state_round_trip_of_a_wrapped_pool_draws_the_same_batches():
    pool = SimpleReplayPool((2,), (1,), max_size=5, seed=3)
    for index in range(13):  # wrapped twice: the ring's oldest row is not at 0
        pool.add_sample({"observations": [index, index], "actions": [index], "rewards": index,
                         "terminals": 0.0, "next_observations": [index, index]})
    restored = SimpleReplayPool((2,), (1,), max_size=5, seed=9)
    restored.load_state_dict(pool.state_dict())
    for field in pool.fields:
        np.testing.assert_array_equal(restored.fields[field], pool.fields[field])
    np.testing.assert_array_equal(restored.random_batch(20)["rewards"],
                                  pool.random_batch(20)["rewards"])
    restored.add_sample({"observations": [13, 13], "actions": [13], "rewards": 13,
                         "terminals": 0.0, "next_observations": [13, 13]})
    assert restored.last_n_batch(5)["rewards"].tolist() == [9, 10, 11, 12, 13]
