"""The SVGD kernel and direction against numpy (arXiv:1702.08165, Sec. 3.2)."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.svgd import (
    adaptive_isotropic_gaussian_kernel, median_bandwidth, svgd_direction)


def numpy_kernel(xs, ys):
    """Loops over pairs, the way the formulas read."""
    kx, ky = len(xs), len(ys)
    squared = np.array([[np.sum((xs[i] - ys[j]) ** 2) for j in range(ky)] for i in range(kx)])
    h = np.median(squared) / np.log(kx)
    kernel = np.exp(-squared / h)
    gradient = np.array([[-2.0 / h * (xs[i] - ys[j]) * kernel[i, j] for j in range(ky)]
                         for i in range(kx)])
    return kernel, gradient, h


def test_kernel_and_gradient_match_numpy():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(2, 6, 3)).astype(np.float32)
    ys = rng.normal(size=(2, 5, 3)).astype(np.float32)
    kernel, gradient, bandwidth = adaptive_isotropic_gaussian_kernel(tf.constant(xs),
                                                                     tf.constant(ys))
    for b in range(2):
        expected_kernel, expected_gradient, expected_h = numpy_kernel(xs[b].astype(np.float64),
                                                                      ys[b].astype(np.float64))
        np.testing.assert_allclose(bandwidth.numpy()[b], expected_h, rtol=1e-5)
        np.testing.assert_allclose(kernel.numpy()[b], expected_kernel, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(gradient.numpy()[b], expected_gradient, rtol=1e-4,
                                   atol=1e-6)


def test_kernel_gradient_is_the_derivative_in_x():
    xs = tf.Variable(np.random.default_rng(1).normal(size=(4, 2)).astype(np.float32))
    ys = tf.constant(np.random.default_rng(2).normal(size=(3, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        kernel, gradient, _ = adaptive_isotropic_gaussian_kernel(xs, ys)
        total = tf.reduce_sum(kernel)
    # h is held constant, so autodiff of sum_j k(x_i, y_j) equals sum_j of the analytic gradient.
    np.testing.assert_allclose(tape.gradient(total, xs).numpy(),
                               tf.reduce_sum(gradient, axis=1).numpy(), rtol=1e-4, atol=1e-6)


def test_median_heuristic_even_and_odd_counts():
    odd = tf.constant([[[1.0, 9.0, 4.0]]])  # median 4
    even = tf.constant([[[1.0, 9.0], [4.0, 6.0]]])  # median (4 + 6) / 2
    np.testing.assert_allclose(median_bandwidth(odd, 3).numpy(), [4.0 / np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(median_bandwidth(even, 2).numpy(), [5.0 / np.log(2)], rtol=1e-6)


def test_svgd_direction_matches_numpy():
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(1, 8, 2)).astype(np.float32)
    ys = rng.normal(size=(1, 4, 2)).astype(np.float32)
    scores = -xs  # score of a standard normal
    phi = svgd_direction(tf.constant(xs), tf.constant(scores), tf.constant(ys)).numpy()[0]
    kernel, gradient, _ = numpy_kernel(xs[0].astype(np.float64), ys[0].astype(np.float64))
    expected = np.array([np.mean([kernel[i, j] * scores[0, i] + gradient[i, j]
                                  for i in range(8)], axis=0) for j in range(4)])
    np.testing.assert_allclose(phi, expected, rtol=1e-4, atol=1e-6)
