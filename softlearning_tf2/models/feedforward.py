"""Multi-layer perceptrons as Keras 3 functional models."""
import keras

from softlearning_tf2.models.normalization import BatchRenormalization


def feedforward_model(input_sizes, output_size, hidden_layer_sizes=(256, 256),
                      activation="relu", output_activation="linear", name="feedforward_model",
                      seed=None, dropout_rate=0.0, layer_normalization=False,
                      batch_renormalization=None):
    """An MLP over the concatenation of its inputs.

    Args:
      input_sizes: one int per (flat) input; the model is called with a list of tensors in
        the same order, e.g. ``[observations, actions]`` for a Q function, or with a single
        tensor when there is one input. The first entry may instead be an
        ``ObservationInput`` (``models.observation_encoder``): that input is then a dict of
        observation arrays, read through the encoding's preprocessors.
      output_size: width of the output layer.
      seed: seeds the Glorot-uniform kernel initializers, layer by layer, so two models built
        with the same seed start from the same weights (and the dropout masks' streams).
      dropout_rate, layer_normalization: after each hidden layer's weights, dropout, then
        layer normalization, then the activation (DroQ, arXiv:2110.02034). Dropout acts
        only in calls with ``training=True``; its masks come from a seed generator whose state
        is a variable of the model (``model.variables``, not ``get_weights``).
      batch_renormalization: None, or ``BatchRenormalization``'s settings: one such layer
        before every layer of weights, the output layer's included (CrossQ,
        arXiv:1902.05605: BRN -> Dense -> ReLU -> BRN -> Dense -> ReLU -> BRN -> Dense).
        Its statistics move only in calls with ``training=True``.
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
    regularized = dropout_rate > 0.0 or layer_normalization
    for index, (size, layer_activation) in enumerate(zip(layer_sizes, activations)):
        initializer = keras.initializers.GlorotUniform(
            seed=None if seed is None else seed + index)
        hidden_layer = index < len(hidden_layer_sizes)
        if batch_renormalization is not None:
            hidden = BatchRenormalization(**batch_renormalization,
                                          name=f"batch_renorm_{index}")(hidden)
        hidden = keras.layers.Dense(
            int(size), activation="linear" if regularized and hidden_layer else layer_activation,
            kernel_initializer=initializer, name=f"dense_{index}")(hidden)
        if regularized and hidden_layer:
            if dropout_rate > 0.0:
                hidden = keras.layers.Dropout(
                    dropout_rate, seed=None if seed is None else seed + 100 + index,
                    name=f"dropout_{index}")(hidden)
            if layer_normalization:
                hidden = keras.layers.LayerNormalization(name=f"layer_norm_{index}")(hidden)
            hidden = keras.layers.Activation(activation, name=f"activation_{index}")(hidden)
    # A single input is a plain tensor, not a one-element list, so callers pass a tensor.
    return keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=hidden,
                       name=name)
