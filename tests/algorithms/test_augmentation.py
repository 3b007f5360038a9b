import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.augmentation import random_shift


def numpy_shift(image, pad, dy, dx):
    """Pad by replicating the border, then crop at (pad + dy, pad + dx): DrQ's recipe."""
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    height, width = image.shape[:2]
    return padded[pad + dy:pad + dy + height, pad + dx:pad + dx + width]


def test_random_shift_is_replicate_pad_then_crop():
    images = np.random.default_rng(0).integers(0, 256, (32, 10, 12, 3), np.uint8)
    pad = 2
    generator = tf.random.Generator.from_seed(7)
    offsets = tf.random.Generator.from_seed(7).uniform((32, 2), 0, 2 * pad + 1,
                                                       dtype=tf.int32).numpy() - pad
    shifted = random_shift(tf.constant(images), pad, generator).numpy()
    assert shifted.dtype == np.uint8
    for image, result, (dy, dx) in zip(images, shifted, offsets):
        np.testing.assert_array_equal(result, numpy_shift(image, pad, dy, dx))
    assert len({(dy, dx) for dy, dx in offsets}) > 10  # the offsets do vary
    assert offsets.min() == -pad and offsets.max() == pad
