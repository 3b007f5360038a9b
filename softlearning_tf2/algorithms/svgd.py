"""Stein variational gradient descent pieces for Soft Q-Learning (arXiv:1702.08165, Sec. 3.2).

SVGD (Liu and Wang 2016) moves particles y along

    phi(y) = E_{x ~ particles}[ k(x, y) grad_x log p(x) + grad_x k(x, y) ],

the steepest direction, in a kernel's unit ball, of the KL divergence to p. SQL applies it to
actions drawn from an amortized sampler and back-propagates phi into the sampler's weights
(Eq. 13 of 1702.08165).
"""
import tensorflow as tf
import tensorflow_probability as tfp


def median_bandwidth(squared_distances, num_particles):
    """h = median(||x - y||^2) / log(num_particles), the median heuristic, held constant.

    ``squared_distances``: [..., Kx, Ky]; the median is taken per leading index over all
    Kx * Ky pairs (of an even count: the mean of the two middle values). The gradient does
    not flow through h.
    """
    flat = tf.reshape(squared_distances,
                      tf.concat([tf.shape(squared_distances)[:-2], [-1]], axis=0))
    median = tfp.stats.percentile(flat, 50.0, axis=-1, interpolation="midpoint")
    bandwidth = median / tf.math.log(tf.cast(num_particles, median.dtype))
    return tf.stop_gradient(tf.maximum(bandwidth, 1e-8))


def adaptive_isotropic_gaussian_kernel(xs, ys):
    """k(x, y) = exp(-||x - y||^2 / h) with the median-heuristic bandwidth h.

    Args:
      xs: [..., Kx, D] particles that carry the score (``fixed`` particles).
      ys: [..., Ky, D] particles being moved.

    Returns:
      ``(kernel, kernel_gradient, bandwidth)``: kernel [..., Kx, Ky], its gradient with respect
      to x, [..., Kx, Ky, D], and h [...].
    """
    differences = xs[..., :, None, :] - ys[..., None, :, :]  # [..., Kx, Ky, D]
    squared_distances = tf.reduce_sum(tf.square(differences), axis=-1)
    bandwidth = median_bandwidth(squared_distances, tf.shape(xs)[-2])
    h = bandwidth[..., None, None]
    kernel = tf.exp(-squared_distances / h)
    kernel_gradient = -2.0 * differences / h[..., None] * kernel[..., None]
    return kernel, kernel_gradient, bandwidth


def svgd_direction(fixed_particles, log_density_gradients, updated_particles):
    """phi(y) for each updated particle: [..., Ky, D].

    ``log_density_gradients``: grad_x log p(x) at each fixed particle, [..., Kx, D].
    """
    kernel, kernel_gradient, _ = adaptive_isotropic_gaussian_kernel(fixed_particles,
                                                                    updated_particles)
    attraction = tf.reduce_mean(kernel[..., None] * log_density_gradients[..., :, None, :],
                                axis=-3)
    repulsion = tf.reduce_mean(kernel_gradient, axis=-3)
    return attraction + repulsion
