import numpy as np

from softlearning_tf2.value_functions.vanilla import (
    double_feedforward_Q_function, feedforward_V_function)
from tests.numpy_reference import mlp_forward


def test_double_Q_functions_are_independent_mlps():
    Q_0, Q_1 = double_feedforward_Q_function(3, 2, hidden_layer_sizes=(8, 8), seed=0)
    observations = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    actions = np.random.default_rng(1).uniform(-1, 1, size=(5, 2)).astype(np.float32)
    for Q in (Q_0, Q_1):
        np.testing.assert_allclose(Q([observations, actions]).numpy(),
                                   mlp_forward(Q.get_weights(), [observations, actions]),
                                   rtol=1e-5, atol=1e-5)
    assert not np.allclose(Q_0.get_weights()[0], Q_1.get_weights()[0])


def test_V_function_shape():
    V = feedforward_V_function(3, hidden_layer_sizes=(8,))
    assert V(np.zeros((7, 3), np.float32)).shape == (7, 1)
