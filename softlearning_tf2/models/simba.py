"""SimBa networks (Lee et al. 2024, "SimBa: Simplicity Bias for Scaling Up Parameters in Deep
Reinforcement Learning", arXiv:2410.09754, Sec. 4): running-statistics observation
normalization, a linear embedding, residual feed-forward blocks with pre-layer-normalization,
and a layer normalization before the output layer.

    x -> RSNorm -> Dense(w) -> [x + Dense(w)(ReLU(Dense(4w)(LayerNorm(x))))] x blocks
      -> LayerNorm -> Dense(output)
"""
import keras

from softlearning_tf2.models.defaults import SIMBA_DEFAULTS, SIMBA_WEIGHT_DECAY
from softlearning_tf2.models.normalization import RunningObservationNormalization
from softlearning_tf2.utils.validation import check_hyperparameters
# Flax's LayerNorm epsilon (SimBa is written in JAX); Keras's default is 1e-3.
LAYER_NORM_EPSILON = 1e-6


def simba_settings(role, width=None, blocks=None):
    """(width, blocks) of a SimBa network in ``role`` ("critic" or "actor"), SimBa's where
    None."""
    check_hyperparameters(simba_width=width, simba_blocks=blocks)
    defaults = SIMBA_DEFAULTS[role]
    return (int(defaults["width"] if width is None else width),
            int(defaults["blocks"] if blocks is None else blocks))


def check_simba_inputs(observation_size, mlp_options):
    """SimBa networks normalize flat observations, and take none of the MLP's options."""
    if hasattr(observation_size, "build"):  # an ObservationInput: dict observations
        raise ValueError("network simba normalizes flat observations; this task's are a dict "
                         "(images or goals): use network mlp")
    used = sorted(name for name, value in mlp_options.items()
                  if value not in (None, False, 0.0))
    if used:
        raise ValueError(f"network simba takes no {used[0]} (its blocks have their own layer "
                         f"normalization); use network mlp")


def new_observation_normalizer():
    """The running normalizer that all of one algorithm's SimBa networks read through."""
    return RunningObservationNormalization(name="observation_normalization")


def shared_normalizer(network, normalizer):
    """The observation normalizer every SimBa network of one builder call shares (a new one
    where the caller has none to give)."""
    if network == "simba" and normalizer is None:
        return new_observation_normalizer()
    return normalizer


def residual_block(hidden, width, name, seed=None):
    """x + Dense(w)(ReLU(Dense(4w)(LayerNorm(x)))): the inverted bottleneck, He-initialized."""
    normalized = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON,
                                                 name=f"{name}_layer_norm")(hidden)
    expanded = keras.layers.Dense(
        4 * width, activation="relu", name=f"{name}_expand",
        kernel_initializer=keras.initializers.HeNormal(seed=seed))(normalized)
    contracted = keras.layers.Dense(
        width, name=f"{name}_contract",
        kernel_initializer=keras.initializers.HeNormal(
            seed=None if seed is None else seed + 1))(expanded)
    return keras.layers.Add(name=f"{name}_add")([hidden, contracted])


def simba_model(input_sizes, output_size, width, blocks, normalizer, name="simba_model",
                seed=None):
    """A SimBa network over the concatenation of its inputs; the first input (the
    observations) goes through ``normalizer`` (a ``RunningObservationNormalization`` shared
    with the algorithm's other networks), the others (a Q function's actions) as they are.
    Called as ``feedforward_model``'s networks are: a list of tensors, or one tensor."""
    inputs = [keras.Input(shape=(int(size),), dtype="float32", name=f"input_{index}")
              for index, size in enumerate(input_sizes)]
    flat = [normalizer(inputs[0]), *inputs[1:]]
    hidden = flat[0] if len(flat) == 1 else keras.layers.Concatenate(axis=-1)(flat)
    hidden = keras.layers.Dense(
        width, name="embedding",
        kernel_initializer=keras.initializers.Orthogonal(seed=seed))(hidden)
    for block in range(blocks):
        hidden = residual_block(hidden, width, f"block_{block}",
                                seed=None if seed is None else seed + 10 * (block + 1))
    hidden = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON,
                                             name="final_layer_norm")(hidden)
    outputs = keras.layers.Dense(
        int(output_size), name="output",
        kernel_initializer=keras.initializers.GlorotUniform(
            seed=None if seed is None else seed + 1000))(hidden)
    model = keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=outputs,
                        name=name)
    model.default_weight_decay = SIMBA_WEIGHT_DECAY  # read by the algorithm's optimizers
    return model
