"""The graph loop of the compiled updates (``repeated``), traced as they are: without
autograph."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.rl_algorithm import repeated


@pytest.mark.parametrize("times", [1, 2, 7])
def test_repeated_runs_each_step_once_in_order_after_the_previous_one(times):
    record = tf.Variable(tf.zeros(8, tf.int32))
    total = tf.Variable(0)

    def step(index):
        # Reads what the previous step wrote: out of order or overlapping, the record differs.
        with tf.control_dependencies([record.scatter_nd_update([[index]],
                                                               [total.read_value() + 1])]):
            return {"index": tf.identity(index), "total": total.assign_add(1)}

    compiled = tf.function(lambda: repeated(step, times), autograph=False)
    outputs = compiled()
    assert int(outputs["index"]) == times - 1 and int(outputs["total"]) == times
    np.testing.assert_array_equal(record.numpy(), [*range(1, times + 1), *[0] * (8 - times)])


def test_repeated_refuses_fewer_than_one_step():
    with pytest.raises(ValueError, match="0 steps"):
        repeated(lambda _: tf.constant(0), 0)


def test_repeated_takes_the_count_as_a_tensor():
    total = tf.Variable(0)
    compiled = tf.function(lambda count: repeated(lambda _: total.assign_add(1), count),
                           input_signature=[tf.TensorSpec([], tf.int32)], autograph=False)
    assert int(compiled(tf.constant(5))) == 5 and int(compiled(tf.constant(1))) == 6
    as_int64 = tf.function(lambda count: repeated(lambda _: total.assign_add(1), count),
                           input_signature=[tf.TensorSpec([], tf.int64)], autograph=False)
    assert int(as_int64(tf.constant(3, tf.int64))) == 9
