"""SimBa networks (arXiv:2410.09754) against numpy: the running observation normalizer over a
stream, the residual blocks and the whole forward pass; AdamW's step against numpy."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam
from softlearning_tf2.experiments.variants import apply_overrides, get_variant
from softlearning_tf2.models.normalization import RunningObservationNormalization
from softlearning_tf2.models.observation_encoder import clone_sharing
from softlearning_tf2.models.simba import LAYER_NORM_EPSILON, simba_model
from softlearning_tf2.utils.validation import check_hyperparameters
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.float_compare import assert_float32_close

NUMPY = "float32 TensorFlow against float64 numpy"


def test_the_running_moments_are_numpy_s_over_the_whole_stream():
    rng = np.random.default_rng(0)
    normalizer = RunningObservationNormalization()
    normalizer.build((None, 4))
    stream = []
    for size in (1, 7, 1, 1, 250, 3, 1000, 1):  # batches of every size, single rows too
        batch = rng.normal(size=(size, 4)) * [1.0, 10.0, 1e-3, 100.0] + [0.0, -5.0, 2.0, 1e4]
        normalizer.update(batch)
        stream.append(batch)
        seen = np.concatenate(stream)
        # float64 moments, merged batch by batch, against numpy's two-pass ones.
        np.testing.assert_allclose(normalizer.mean.numpy(), seen.mean(axis=0), rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(normalizer.variance.numpy(), seen.var(axis=0), rtol=1e-9)
        assert int(normalizer.count.numpy()) == len(seen)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    expected = (x - seen.mean(axis=0)) / np.sqrt(seen.var(axis=0) + normalizer.epsilon)
    assert_float32_close(normalizer(tf.constant(x)).numpy(), expected, ulps=8, differs=NUMPY)
    before = [weight.copy() for weight in normalizer.get_weights()]
    normalizer(tf.constant(x))  # calling never updates
    assert all(np.array_equal(a, b) for a, b in zip(before, normalizer.get_weights()))


def test_a_non_finite_observation_is_refused_and_changes_nothing():
    normalizer = RunningObservationNormalization()
    normalizer.build((None, 2))
    normalizer.update(np.ones((3, 2)))
    with pytest.raises(ValueError, match="non-finite observation"):
        normalizer.update(np.array([[1.0, np.nan]]))
    assert int(normalizer.count.numpy()) == 3


def numpy_layer_norm(x, gamma, beta):
    mean, variance = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPSILON) * gamma + beta


def numpy_simba(model, normalizer, observations, actions, blocks):
    """RSNorm -> Dense -> blocks x (x + Dense(ReLU(Dense(LayerNorm(x))))) -> LayerNorm ->
    Dense, float64, from the model's layers by name."""
    def weights(name):
        return [np.asarray(w, np.float64) for w in model.get_layer(name).get_weights()]

    mean, variance = normalizer.mean.numpy(), normalizer.variance.numpy()
    normalized = (observations - mean) / np.sqrt(variance + normalizer.epsilon)
    kernel, bias = weights("embedding")
    hidden = np.concatenate([normalized, actions], axis=-1) @ kernel + bias
    for block in range(blocks):
        gamma, beta = weights(f"block_{block}_layer_norm")
        expand_kernel, expand_bias = weights(f"block_{block}_expand")
        contract_kernel, contract_bias = weights(f"block_{block}_contract")
        inner = np.maximum(numpy_layer_norm(hidden, gamma, beta) @ expand_kernel + expand_bias,
                           0.0)
        hidden = hidden + inner @ contract_kernel + contract_bias
    hidden = numpy_layer_norm(hidden, *weights("final_layer_norm"))
    kernel, bias = weights("output")
    return hidden @ kernel + bias


def test_the_forward_pass_is_numpy_s():
    rng = np.random.default_rng(1)
    normalizer = RunningObservationNormalization()
    model = simba_model([5, 2], 3, width=16, blocks=2, normalizer=normalizer, seed=3)
    normalizer.update(rng.normal(size=(64, 5)) * 4.0 + 2.0)
    # Weights away from their initial values (biases and layer-norm offsets not zero).
    model.set_weights([w + rng.normal(size=w.shape).astype(w.dtype) * 0.1
                       if w.dtype == np.float32 else w for w in model.get_weights()])
    observations = rng.normal(size=(9, 5)) * 4.0 + 2.0
    actions = rng.uniform(-1, 1, size=(9, 2))
    expected = numpy_simba(model, normalizer, observations, actions, blocks=2)
    output = model([tf.constant(observations, tf.float32), tf.constant(actions, tf.float32)])
    assert_float32_close(output.numpy(), expected, ulps=64, differs=NUMPY)
    assert [layer.name for layer in model.layers if layer.name.endswith("_add")] == [
        "block_0_add", "block_1_add"]
    assert model.get_layer("block_0_expand").units == 64  # the inverted bottleneck, 4w


def test_an_ensemble_and_its_targets_read_one_normalizer():
    Qs = feedforward_Q_ensemble(3, 1, n_critics=3, network="simba", simba_width=8, seed=0)
    targets = clone_sharing(Qs)
    normalizers = {id(layer) for model in (*Qs, *targets) for layer in model.layers
                   if isinstance(layer, RunningObservationNormalization)}
    assert len(normalizers) == 1


@pytest.mark.parametrize("networks, weight_decay, expected", [
    ({"Q": "simba", "policy": "simba"}, None, {"Q": 1e-2, "policy": 1e-2}),
    ({"Q": "simba", "policy": "mlp"}, None, {"Q": 1e-2, "policy": None}),
    ({"Q": "mlp", "policy": "mlp"}, None, {"Q": None, "policy": None}),
    ({"Q": "simba", "policy": "simba"}, 0.05, {"Q": 0.05, "policy": 0.05}),
])
def test_each_network_s_optimizer_gets_its_weight_decay(networks, weight_decay, expected):
    """SimBa's networks train with AdamW 1e-2 unless weight_decay says otherwise; MLPs with
    Adam (None: no decay); the temperature never decays."""
    from softlearning_tf2.experiments.experiment import Experiment

    experiment = Experiment.from_defaults(
        "SAC", domain="Pendulum", seed=0, weight_decay=weight_decay,
        overrides={"Q_params.config.network": networks["Q"],
                   "policy_params.config.network": networks["policy"],
                   "Q_params.config.simba_width": 8, "policy_params.config.simba_width": 8,
                   "Q_params.config.hidden_layer_sizes": [8],
                   "policy_params.config.hidden_layer_sizes": [8]})
    _, optimizers, _ = experiment.algorithm.checkpointables()
    assert {name: optimizers[name].weight_decay for name in ("Q_0", "Q_1", "policy", "alpha")} \
        == {"Q_0": expected["Q"], "Q_1": expected["Q"], "policy": expected["policy"],
            "alpha": None}


def test_adamw_shrinks_each_variable_then_takes_adam_s_step():
    variable = tf.Variable([1.0, -2.0, 3.0])
    optimizer = Adam(learning_rate=0.1, weight_decay=0.01)
    optimizer.build([variable])
    gradients = [np.array([0.5, 0.5, -1.0]), np.array([0.2, -0.1, 0.3])]
    value, m, v = np.array([1.0, -2.0, 3.0]), np.zeros(3), np.zeros(3)
    for step, gradient in enumerate(gradients, start=1):
        optimizer.apply_gradients([(tf.constant(gradient, tf.float32), variable)])
        value = value - 0.1 * 0.01 * value
        m = 0.9 * m + 0.1 * gradient
        v = 0.999 * v + 0.001 * gradient ** 2
        step_size = 0.1 * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
        value = value - step_size * m / (np.sqrt(v) + 1e-7)
    assert_float32_close(variable.numpy(), value, ulps=16, differs=NUMPY)


@pytest.mark.parametrize("overrides, message", [
    (["Q_params.config.network=simba", "Q_params.config.dropout_rate=0.1"],
     "Q_params.config.network simba takes no dropout_rate"),
    (["policy_params.config.network=simbo"], "unknown network 'simbo'"),
])
def test_bad_network_settings_are_one_line_errors(overrides, message):
    from softlearning_tf2.experiments.variants import validate_variant_spec

    variant = apply_overrides(get_variant("TQC", "gymnasium", "Hopper", "v5", 0), overrides)
    with pytest.raises(ValueError, match=message):
        validate_variant_spec(variant)


def test_simba_on_dict_observations_is_refused_before_anything_starts():
    from softlearning_tf2.experiments.variants import validate_variant_spec

    from softlearning_tf2.experiments.variants import default_task

    variant = apply_overrides(
        get_variant("SAC", "gymnasium", "GoalPoint", default_task("gymnasium", "GoalPoint"), 0),
        ["policy_params.config.network=simba"])
    with pytest.raises(ValueError, match="normalizes flat observations"):
        validate_variant_spec(variant)
    with pytest.raises(ValueError, match="simba_width must be a positive integer"):
        check_hyperparameters(simba_width=0)
