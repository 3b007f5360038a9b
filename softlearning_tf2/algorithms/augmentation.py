"""Image augmentation inside the compiled update: DrQ's random shift (arXiv:2004.13649)."""
import tensorflow as tf


def random_shift(images, pad, generator):
    """Each image shifted by its own random offset in [-pad, pad] pixels on both axes, the
    border replicated: the same as DrQ's pad-by-replication then random ``pad``-pixel crop
    (Sec. 3.1, pad 4 on 84x84). ``images``: [batch, height, width, channels] (any dtype; uint8
    stays uint8). Offsets are drawn from ``generator`` (a ``tf.random.Generator``)."""
    batch_size = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    offsets = generator.uniform((batch_size, 2), 0, 2 * pad + 1, dtype=tf.int32) - pad
    rows = tf.clip_by_value(offsets[:, :1] + tf.range(height)[None], 0, height - 1)
    columns = tf.clip_by_value(offsets[:, 1:] + tf.range(width)[None], 0, width - 1)
    shifted = tf.gather(images, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, columns, axis=2, batch_dims=1)


def shift_image_observations(batch, image_keys, pad, generator):
    """The batch with the image keys of ``observations`` and ``next_observations`` shifted,
    each image independently (DrQ augments both)."""
    batch = dict(batch)
    for field in ("observations", "next_observations"):
        observations = dict(batch[field])
        for key in image_keys:
            observations[key] = random_shift(observations[key], pad, generator)
        batch[field] = observations
    return batch
