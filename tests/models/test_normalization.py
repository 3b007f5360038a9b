"""Batch Renormalization against a numpy forward of Ioffe 2017 (arXiv:1702.03275, Algorithm 1)
and its gradient against finite differences."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.models.normalization import BatchRenormalization
from tests.float_compare import assert_float32_close
from tests.numpy_reference import batch_renorm_forward

EPSILON = 1e-3
NUMPY = "float32 TensorFlow against float64 numpy (moments, square roots)"


def layer_with(mean, variance, steps, **settings):
    layer = BatchRenormalization(epsilon=EPSILON, **settings)
    layer.build((None, mean.shape[0]))
    rng = np.random.default_rng(5)
    gamma, beta = rng.uniform(0.5, 1.5, mean.shape), rng.normal(size=mean.shape)
    layer.set_weights([gamma.astype(np.float32), beta.astype(np.float32),
                       mean.astype(np.float32), variance.astype(np.float32),
                       np.array(steps, np.int64)])
    return layer, gamma, beta


# Running statistics that put r and d inside their bounds (column 0), r clipped above and d
# below (1), r clipped below and d above (2).
BATCH = np.random.default_rng(0).normal(size=(16, 3)) * [1.0, 20.0, 0.05] + [0.3, -40.0, 9.0]
MEAN = np.array([0.2, 5.0, -2.0])
VARIANCE = np.array([1.3, 4.0, 1.0])


@pytest.mark.parametrize("steps, warmup_steps", [(0, 0), (7, 5), (2, 5)],
                         ids=["renorm", "after-warmup", "in-warmup"])
def test_training_forward_and_running_statistics_are_numpy_s(steps, warmup_steps):
    layer, gamma, beta = layer_with(MEAN, VARIANCE, steps, warmup_steps=warmup_steps)
    x = BATCH.astype(np.float32)
    expected, mean, variance = batch_renorm_forward(
        x.astype(np.float64), gamma, beta, MEAN, VARIANCE, steps, True,
        warmup_steps=warmup_steps)
    if steps >= warmup_steps:  # the fixture puts the columns where the test says
        running_std = np.sqrt(VARIANCE + EPSILON)
        ratios = np.sqrt(BATCH.var(axis=0) + EPSILON) / running_std
        shifts = (BATCH.mean(axis=0) - MEAN) / running_std
        assert 1 / 3 < ratios[0] < 3 and abs(shifts[0]) < 5
        assert ratios[1] > 3 and shifts[1] < -5 and ratios[2] < 1 / 3 and shifts[2] > 5
    assert_float32_close(layer(x, training=True).numpy(), expected, ulps=64, differs=NUMPY)
    assert_float32_close(layer.moving_mean.numpy(), mean, ulps=16, differs=NUMPY)
    assert_float32_close(layer.moving_variance.numpy(), variance, ulps=16, differs=NUMPY)
    assert int(layer.steps.numpy()) == steps + 1


def test_inference_uses_the_running_statistics_and_changes_nothing():
    layer, gamma, beta = layer_with(MEAN, VARIANCE, 3)
    x = BATCH.astype(np.float32)
    expected, _, _ = batch_renorm_forward(x.astype(np.float64), gamma, beta, MEAN, VARIANCE, 3,
                                        False)
    before = [weight.copy() for weight in layer.get_weights()]
    assert_float32_close(layer(x, training=False).numpy(), expected, ulps=16, differs=NUMPY)
    for weight, previous in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(weight, previous)
    # One row in inference mode is the same map as in a batch (no batch statistics).
    assert_float32_close(layer(x[:1]).numpy()[0], expected[0], ulps=16, differs=NUMPY)


@pytest.mark.parametrize("steps, warmup_steps", [(0, 0), (0, 10)], ids=["renorm", "warmup"])
def test_gradient_matches_finite_differences_with_r_and_d_held(steps, warmup_steps):
    """The gradient treats r and d as constants (the paper's stop_gradient): central
    differences of the float64 forward with r and d fixed at their values."""
    rng = np.random.default_rng(3)
    x = (BATCH[:6] + rng.normal(size=(6, 3)) * 0.1)
    layer, gamma, beta = layer_with(MEAN, VARIANCE, steps, warmup_steps=warmup_steps)
    weights = rng.normal(size=x.shape)  # the loss: sum(weights * y)
    running_std = np.sqrt(VARIANCE + EPSILON)
    batch_std = np.sqrt(x.var(axis=0) + EPSILON)
    r_d = ((np.ones(3), np.zeros(3)) if steps < warmup_steps else
           (np.clip(batch_std / running_std, 1 / 3, 3),
            np.clip((x.mean(axis=0) - MEAN) / running_std, -5, 5)))

    def loss(values):
        return np.sum(weights * batch_renorm_forward(values, gamma, beta, MEAN, VARIANCE, steps,
                                                   True, warmup_steps=warmup_steps,
                                                   fixed_r_d=r_d)[0])

    h = 1e-6
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = h
        numeric[index] = (loss(x + step) - loss(x - step)) / (2 * h)
    inputs = tf.constant(x.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(weights.astype(np.float32) * layer(inputs, training=True))
    analytic = tape.gradient(total, inputs).numpy()
    # float32 gradient against float64 differences.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-3, atol=1e-3 * np.abs(numeric).max())


def test_bounds_below_one_and_bad_momenta_are_one_line_errors():
    with pytest.raises(ValueError, match="batch_renorm_r_max must be >= 1"):
        BatchRenormalization(r_max=0.5)
    with pytest.raises(ValueError, match="batch_renorm_d_max must be >= 0"):
        BatchRenormalization(d_max=-1.0)
    with pytest.raises(ValueError, match="batch_renorm_momentum must be in"):
        BatchRenormalization(momentum=1.0)


def test_a_model_with_batch_renormalization_puts_it_before_every_dense_layer():
    settings = {"momentum": 0.99, "r_max": 3.0, "d_max": 5.0, "warmup_steps": 0}
    model = feedforward_model([4, 2], 1, (8, 8), batch_renormalization=settings, seed=1)
    kinds = [type(layer).__name__ for layer in model.layers
             if type(layer).__name__ in ("BatchRenormalization", "Dense")]
    assert kinds == ["BatchRenormalization", "Dense"] * 3
    # Statistics are weights: three layers x (mean, variance, steps) that do not train.
    assert len(model.non_trainable_weights) == 9
    before = model.get_weights()
    inputs = [tf.ones((5, 4)), tf.zeros((5, 2))]
    model(inputs, training=False)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    model(inputs, training=True)
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
