"""Multi-layer perceptrons as Keras 3 functional models."""
import keras


def feedforward_model(input_sizes, output_size, hidden_layer_sizes=(256, 256),
                      activation="relu", output_activation="linear", name="feedforward_model",
                      seed=None):
    """An MLP over the concatenation of its inputs.

    Args:
      input_sizes: one int per (flat) input; the model is called with a list of tensors in
        the same order, e.g. ``[observations, actions]`` for a Q function, or with a single
        tensor when there is one input. The first entry may instead be an
        ``ObservationInput`` (``models.observation_encoder``): that input is then a dict of
        observation arrays, read through the encoding's preprocessors.
      output_size: width of the output layer.
      seed: seeds the Glorot-uniform kernel initializers, layer by layer, so two models built
        with the same seed start from the same weights.
    """
    inputs, flat = [], []
    for index, size in enumerate(input_sizes):
        if hasattr(size, "build"):  # an ObservationInput
            observation_inputs, features = size.build(name)
            inputs.append(observation_inputs)
            flat.append(features)
        else:
            inputs.append(keras.Input(shape=(int(size),), dtype="float32", name=f"input_{index}"))
            flat.append(inputs[-1])
    hidden = flat[0] if len(flat) == 1 else keras.layers.Concatenate(axis=-1)(flat)
    layer_sizes = (*hidden_layer_sizes, output_size)
    activations = (activation,) * len(hidden_layer_sizes) + (output_activation,)
    for index, (size, layer_activation) in enumerate(zip(layer_sizes, activations)):
        initializer = keras.initializers.GlorotUniform(
            seed=None if seed is None else seed + index)
        hidden = keras.layers.Dense(int(size), activation=layer_activation,
                                    kernel_initializer=initializer,
                                    name=f"dense_{index}")(hidden)
    # A single input is a plain tensor, not a one-element list, so callers pass a tensor.
    return keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=hidden,
                       name=name)
