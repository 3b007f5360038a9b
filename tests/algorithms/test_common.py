import keras
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam, polyak_update


def numpy_adam(parameters, gradients, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam (Kingma & Ba 2015, Algorithm 1) in float64, the step size bias-corrected."""
    m = np.zeros_like(parameters)
    v = np.zeros_like(parameters)
    for step, gradient in enumerate(gradients, start=1):
        m = beta_1 * m + (1 - beta_1) * gradient
        v = beta_2 * v + (1 - beta_2) * gradient ** 2
        step_size = learning_rate * np.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        parameters = parameters - step_size * m / (np.sqrt(v) + epsilon)
    return parameters


def test_adam_matches_numpy_and_keras_adam_step_for_step():
    rng = np.random.default_rng(0)
    initial = rng.normal(size=(5, 3))
    gradients = [rng.normal(size=(5, 3)) for _ in range(20)]
    ours_variable = keras.Variable(initial.astype(np.float32))
    keras_variable = keras.Variable(initial.astype(np.float32))
    ours, reference = Adam(learning_rate=1e-2), keras.optimizers.Adam(learning_rate=1e-2)

    @tf.function(autograph=False)
    def step(gradient):
        ours.apply_gradients([(gradient, ours_variable)])
        reference.apply_gradients([(gradient, keras_variable)])

    for gradient in gradients:
        step(tf.constant(gradient, tf.float32))
    graph = step.get_concrete_function(tf.constant(gradients[0], tf.float32)).graph
    assert [op.type for op in graph.get_operations()].count("ResourceApplyAdam") == 1

    expected = numpy_adam(initial, gradients, 1e-2)
    assert not np.allclose(expected, initial, atol=1e-2)  # the steps really moved it
    np.testing.assert_allclose(ours_variable.numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours_variable.numpy(), keras_variable.numpy(), atol=1e-6)
    # Same slots in the same order, so checkpoints are interchangeable.
    assert [v.shape for v in ours.variables] == [v.shape for v in reference.variables]
    # The kernel forms 1 - beta_2 in float32 (0.00099998713 for 0.999), Keras in float64, so
    # the second moments differ by 1.3e-5 relative; the steps they give agree to 1e-6.
    for ours_slot, reference_slot in zip(ours.variables, reference.variables):
        np.testing.assert_allclose(ours_slot.numpy(), reference_slot.numpy(), rtol=3e-5)
    assert int(ours.iterations.numpy()) == 20


@pytest.mark.parametrize("tau", [1.0, 0.25])
def test_polyak_update_moves_targets_by_tau(tau):
    source = [tf.Variable([1.0, 2.0]), tf.Variable([[3.0]])]
    target = [tf.Variable([0.0, 0.0]), tf.Variable([[1.0]])]
    polyak_update(source, target, tau)
    np.testing.assert_allclose(target[0].numpy(), [tau * 1.0, tau * 2.0])
    np.testing.assert_allclose(target[1].numpy(), [[tau * 3.0 + (1 - tau) * 1.0]])


def test_fused_adam_checks_the_keras_internals_it_reads(monkeypatch):
    from softlearning_tf2.algorithms import common

    monkeypatch.setattr(common, "KERAS_ADAM_INTERNALS",
                        common.KERAS_ADAM_INTERNALS + ("_slots_of_a_future_keras",))
    with pytest.raises(RuntimeError, match=r"Keras \S+'s Adam lacks _slots_of_a_future_keras"):
        Adam(learning_rate=1e-3).build([tf.Variable([1.0])])
