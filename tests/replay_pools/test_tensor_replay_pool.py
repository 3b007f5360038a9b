import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.replay_pools.simple_replay_pool import FIELDS, SimpleReplayPool
from softlearning_tf2.replay_pools.tensor_replay_pool import TensorReplayPool
from tests.replay_pools.test_simple_replay_pool import transitions


def one(batch, index):
    return {name: value[index] for name, value in batch.items()}


def test_holds_what_the_numpy_pool_holds_through_wrap_around():
    numpy_pool = SimpleReplayPool((2,), (1,), max_size=5)
    tensor_pool = TensorReplayPool((2,), (1,), max_size=5)
    for pool in (numpy_pool, tensor_pool):
        pool.add_samples(transitions(0, 3))
        pool.add_sample(one(transitions(3, 1), 0))  # pending until read
        pool.add_samples(transitions(4, 3))  # 7 added, capacity 5: 2..6 survive
    assert tensor_pool.size == 5 and tensor_pool.samples_added == 7
    assert tensor_pool.pointer == numpy_pool.pointer == 2
    for name in FIELDS:
        np.testing.assert_array_equal(tensor_pool.last_n_batch(5)[name],
                                      numpy_pool.last_n_batch(5)[name], err_msg=name)
        np.testing.assert_array_equal(tensor_pool.fields[name].numpy(),
                                      numpy_pool.fields[name], err_msg=name)


def test_a_pending_transition_is_seen_by_every_read():
    pool = TensorReplayPool((2,), (1,), max_size=10, seed=0)
    pool.add_sample(one(transitions(7, 1), 0))
    assert pool.size == 1
    np.testing.assert_array_equal(pool.random_batch(4)["rewards"], [7, 7, 7, 7])
    pool.add_sample(one(transitions(8, 1), 0))
    np.testing.assert_array_equal(pool.state_dict()["transitions"]["rewards"], [7, 8])


def test_graph_draws_and_python_draws_read_one_stream():
    python_pool, graph_pool = (TensorReplayPool((2,), (1,), max_size=50, seed=3)
                               for _ in range(2))
    for pool in (python_pool, graph_pool):
        pool.add_samples(transitions(0, 20))
    drawn_in_python = [python_pool.random_batch(8)["rewards"] for _ in range(3)]
    sample = tf.function(lambda: graph_pool.sample_batch(8), autograph=False)
    drawn_in_graph = [sample()["rewards"].numpy() for _ in range(3)]
    np.testing.assert_array_equal(drawn_in_python, drawn_in_graph)
    assert len(set(np.concatenate(drawn_in_graph).tolist())) > 10  # uniform over the rows
    assert set(np.concatenate(drawn_in_graph).tolist()) <= set(range(20))


def test_graph_store_writes_the_row_the_python_counters_promised():
    pool = TensorReplayPool((2,), (1,), max_size=3)
    pool.add_samples(transitions(0, 3))  # full: the next row is 0
    pool.add_sample(one(transitions(3, 1), 0))
    pending = pool.take_pending()
    tf.function(pool.store, autograph=False)(
        {name: tf.constant(value) for name, value in pending.items()})
    np.testing.assert_array_equal(pool.last_n_batch(3)["rewards"], [1, 2, 3])
    np.testing.assert_array_equal(pool.fields["observations"].numpy()[0], [3, -3])


def test_state_round_trip_restores_ring_positions_and_the_draws():
    pool = TensorReplayPool((2,), (1,), max_size=8, seed=1)
    pool.add_samples(transitions(0, 5))
    pool.add_samples(transitions(5, 8))  # wrapped: pointer 5
    pool.random_batch(4)  # the stream moves
    restored = TensorReplayPool((2,), (1,), max_size=8, seed=99)
    restored.load_state_dict(pool.state_dict())
    assert (restored.pointer, restored.size, restored.samples_added) == (5, 8, 13)
    for name in FIELDS:
        np.testing.assert_array_equal(restored.fields[name].numpy(), pool.fields[name].numpy())
    np.testing.assert_array_equal(restored.random_batch(16)["rewards"],
                                  pool.random_batch(16)["rewards"])


def test_refuses_dict_observations_and_a_numpy_pools_random_state():
    with pytest.raises(ValueError, match="flat observations"):
        TensorReplayPool(observation_layout={"pixels": ((8, 8, 3), "uint8")})
    numpy_pool = SimpleReplayPool((2,), (1,), max_size=4, seed=0)
    numpy_pool.add_samples(transitions(0, 2))
    with pytest.raises(ValueError, match="not a TensorReplayPool's"):
        TensorReplayPool((2,), (1,), max_size=4).load_state_dict(numpy_pool.state_dict())


def test_discrete_actions_keep_their_integer_dtype():
    pool = TensorReplayPool((2,), (), max_size=4, action_dtype="int32")
    batch = transitions(0, 3)
    batch["actions"] = np.array([0, 2, 1], np.int32)
    pool.add_samples(batch)
    stored = pool.last_n_batch(3)["actions"]
    assert stored.dtype == np.int32
    np.testing.assert_array_equal(stored, [0, 2, 1])


def test_an_empty_state_restores_an_empty_pool():
    pool = TensorReplayPool((2,), (1,), max_size=4, seed=0)
    restored = TensorReplayPool((2,), (1,), max_size=4, seed=5)
    restored.add_samples(transitions(0, 3))
    restored.load_state_dict(pool.state_dict())
    assert (restored.size, restored.pointer, restored.samples_added) == (0, 0, 0)
    restored.add_samples(transitions(9, 1))
    np.testing.assert_array_equal(restored.random_batch(3)["rewards"], [9, 9, 9])
