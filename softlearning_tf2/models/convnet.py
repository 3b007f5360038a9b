"""The image encoder: convolutions over uint8 frames, scaled to [0, 1] inside the model."""
import keras


def convnet(input_shape, conv_filters=(32, 32, 32), conv_kernel_sizes=(3, 3, 3),
            conv_strides=(2, 2, 1), normalization=None, activation="relu", output_size=50,
            name="convnet", seed=None):
    """uint8 images [batch, height, width, channels] -> features [batch, output_size].

    softlearning's convnet shape: ``Rescaling(1/255)``, then one ``Conv2D`` per entry of
    ``conv_filters`` (valid padding), each followed by layer normalization where
    ``normalization="layer"`` and by ``activation``; then ``Flatten``. With ``output_size``,
    a linear layer, layer normalization and tanh give a small feature vector (the head of the
    SAC-AE / DrQ encoder, arXiv:1910.01741), so that the heads that read it stay small.
    """
    if not (len(conv_filters) == len(conv_kernel_sizes) == len(conv_strides)):
        raise ValueError("conv_filters, conv_kernel_sizes and conv_strides must have one entry "
                         "per conv layer")
    if normalization not in (None, "layer"):
        raise ValueError(f"unknown convnet normalization {normalization!r}; valid: null, layer")
    images = keras.Input(shape=tuple(input_shape), dtype="uint8", name="images")
    hidden = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(images)
    for index, (filters, kernel_size, strides) in enumerate(
            zip(conv_filters, conv_kernel_sizes, conv_strides)):
        hidden = keras.layers.Conv2D(
            int(filters), int(kernel_size), strides=int(strides), padding="valid",
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=None if seed is None else seed + index), name=f"conv_{index}")(hidden)
        if normalization == "layer":
            hidden = keras.layers.LayerNormalization(name=f"conv_norm_{index}")(hidden)
        hidden = keras.layers.Activation(activation, name=f"conv_activation_{index}")(hidden)
    hidden = keras.layers.Flatten(name="flatten")(hidden)
    if output_size:
        hidden = keras.layers.Dense(
            int(output_size), kernel_initializer=keras.initializers.GlorotUniform(
                seed=None if seed is None else seed + 100), name="projection")(hidden)
        hidden = keras.layers.LayerNormalization(name="projection_norm")(hidden)
        hidden = keras.layers.Activation("tanh", name="projection_tanh")(hidden)
    return keras.Model(images, hidden, name=name)
