"""DroQ's Q functions (dropout, layer normalization) against numpy; dropout on in every Q
evaluation of the update and nowhere else (arXiv:2110.02034)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.droq import DroQ
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.algorithms.test_sac import (
    HIDDEN, fixed_batch, make_sac, numpy_policy_sample, update_and_its_inputs)

LAYER_NORM_EPSILON = 1e-3  # Keras's LayerNormalization default


def make_droq(dropout_rate=0.01, **config):
    def dropout_Qs(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=2,
                                      hidden_layer_sizes=HIDDEN, dropout_rate=dropout_rate,
                                      layer_normalization=True, seed=seed)
    return make_sac(algorithm_class=DroQ, Q_functions=dropout_Qs, **config)


def numpy_dropout_free_Q(weights, inputs):
    """Dense -> layer norm -> ReLU per hidden layer (dropout off), linear output, float64.
    ``weights``: [kernel, bias, gamma, beta] per hidden layer, then [kernel, bias]."""
    hidden = np.concatenate([np.asarray(x, np.float64) for x in inputs], axis=-1)
    for layer in range(len(HIDDEN)):
        kernel, bias, gamma, beta = (np.asarray(w, np.float64)
                                     for w in weights[4 * layer:4 * layer + 4])
        hidden = hidden @ kernel + bias
        mean = hidden.mean(axis=-1, keepdims=True)
        variance = hidden.var(axis=-1, keepdims=True)
        hidden = (hidden - mean) / np.sqrt(variance + LAYER_NORM_EPSILON) * gamma + beta
        hidden = np.maximum(hidden, 0.0)
    kernel, bias = (np.asarray(w, np.float64) for w in weights[-2:])
    return (hidden @ kernel + bias)[:, 0]


def test_Q_functions_without_dropout_match_numpy_and_with_it_vary():
    droq = make_droq(dropout_rate=0.2)
    batch = fixed_batch()
    inputs = [tf.constant(batch["observations"]), tf.constant(batch["actions"])]
    for Q in droq.Qs:
        inference = Q(inputs, training=False).numpy()[:, 0]
        np.testing.assert_allclose(inference, numpy_dropout_free_Q(
            Q.get_weights(), [batch["observations"], batch["actions"]]), rtol=1e-4, atol=1e-5)
        # The same call twice: bit for bit with dropout off, new masks with it on.
        np.testing.assert_array_equal(Q(inputs, training=False).numpy()[:, 0], inference)
        first, second = (Q(inputs, training=True).numpy()[:, 0] for _ in range(2))
        assert not np.allclose(first, second) and not np.allclose(first, inference)


def reference_update(droq, batch):
    """The update's target, first Q loss and policy loss with every Q function's dropout off
    (numpy), and what the update reported."""
    start, diagnostics = update_and_its_inputs(droq, batch)
    policy_weights, Q_weights, target_weights, alpha, next_noise, noise = (
        start[key] for key in ("policy", "Qs", "targets", "alpha", "next_noise", "noise"))

    next_actions, next_log_probs = numpy_policy_sample(
        policy_weights, batch["next_observations"], next_noise)
    next_Q = np.min([numpy_dropout_free_Q(w, [batch["next_observations"], next_actions])
                     for w in target_weights], axis=0)
    target = batch["rewards"] + 0.99 * (1 - batch["terminals"]) * (next_Q - alpha * next_log_probs)
    Q_value = numpy_dropout_free_Q(Q_weights[0], [batch["observations"], batch["actions"]])
    actions, log_probs = numpy_policy_sample(policy_weights, batch["observations"], noise)
    mean_Q = np.mean([numpy_dropout_free_Q(Q.get_weights(), [batch["observations"], actions])
                      for Q in droq.Qs], axis=0)
    reference = {"Q_target-mean": target.mean(),
                 "Q_0_loss": 0.5 * np.mean((Q_value - target) ** 2),
                 "policy_loss": np.mean(alpha * log_probs - mean_Q)}
    return reference, diagnostics


def test_without_dropout_the_update_is_redq_over_two_layer_normalized_Q_functions():
    droq = make_droq(dropout_rate=0.0, policy_update_interval=1)
    reference, diagnostics = reference_update(droq, fixed_batch())
    for name, value in reference.items():
        np.testing.assert_allclose(diagnostics[name], value, rtol=1e-4, atol=1e-5, err_msg=name)


def test_dropout_acts_in_the_target_the_critic_loss_and_the_policy_loss():
    droq = make_droq(dropout_rate=0.3, policy_update_interval=1)
    reference, diagnostics = reference_update(droq, fixed_batch())
    # The target and the policy loss are each computed apart from the others' dropout (the
    # policy loss on the Q functions after their step, whatever moved them).
    for name in ("Q_target-mean", "policy_loss"):
        assert abs(diagnostics[name] - reference[name]) > 1e-3 * max(1.0, abs(reference[name]))


@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_the_critic_loss_has_dropout_on_a_fixed_target(rate):
    # The target held fixed, the critic loss alone: with dropout it differs from the loss of
    # the dropout-free Q function, without it it matches.
    droq = make_droq(dropout_rate=rate, policy_update_interval=1)
    batch = fixed_batch()
    target = np.random.default_rng(3).normal(size=32).astype(np.float32)
    droq._soft_Q_target = lambda batch, alpha: tf.constant(target)  # before the first trace
    Q_weights = droq.Qs[0].get_weights()
    loss = droq._update(batch)["Q_0_loss"].numpy()
    free = numpy_dropout_free_Q(Q_weights, [batch["observations"], batch["actions"]])
    expected = 0.5 * np.mean((free - target) ** 2)
    if rate:
        assert abs(loss - expected) > 1e-3 * expected
    else:
        np.testing.assert_allclose(loss, expected, rtol=1e-4)


def test_acting_has_no_dropout_and_the_masks_stream_is_checkpointed():
    droq = make_droq(dropout_rate=0.3)
    observations = tf.constant(fixed_batch()["observations"])
    # The policy, which acts, is evaluated and is exported, has no dropout layer; the same
    # computation twice is the same bit for bit.
    assert not [layer for model in vars(droq.policy).values() if isinstance(model, keras.Model)
                for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    np.testing.assert_array_equal(droq.policy.deterministic_actions(observations).numpy(),
                                  droq.policy.deterministic_actions(observations).numpy())
    _, _, variables = droq.checkpointables()
    states = {name: variable.numpy().copy() for name, variable in variables.items()
              if name.startswith(("Q_0_state", "Q_target_0_state"))}
    assert len(states) == 2 * len(HIDDEN)  # one seed generator per dropout layer
    droq._update(fixed_batch())
    for name, before in states.items():
        assert not np.array_equal(variables[name].numpy(), before), name


@pytest.mark.parametrize("rate", [1.0, -0.1])
def test_dropout_outside_zero_to_one_is_refused(rate):
    with pytest.raises(ValueError, match=r"dropout_rate must be in \[0, 1\)"):
        make_droq(dropout_rate=rate)


def test_the_policy_is_made_of_keras_models_without_dropout():
    # The acting check above looks through the policy's Keras models: there are some.
    droq = make_droq()
    models = [model for model in vars(droq.policy).values() if isinstance(model, keras.Model)]
    assert models and all(model.layers for model in models)


def test_target_networks_draw_masks_of_their_own():
    droq = make_droq(dropout_rate=0.3)
    batch = fixed_batch()
    inputs = [tf.constant(batch["observations"]), tf.constant(batch["actions"])]
    for Q, target in zip(droq.Qs, droq.Q_targets):
        # The same weights (a target starts as its network's copy): without dropout the same
        # computation, bit for bit; with it, other masks.
        np.testing.assert_array_equal(Q(inputs, training=False).numpy(),
                                      target(inputs, training=False).numpy())
        assert not np.allclose(Q(inputs, training=True).numpy(),
                               target(inputs, training=True).numpy())


def test_layer_normalization_weights_are_in_the_checkpoint_arrays():
    """The resume test (tests/experiments/test_experiment.py) runs REDQ's dropout critics
    without layer normalization; its scales and offsets reach checkpoints as the Q models'
    weights, the arrays a restore reads back."""
    from softlearning_tf2.checkpoints.arrays import to_arrays

    droq = make_droq()
    droq._update(fixed_batch())  # scales and offsets away from their 1 / 0 start
    Q = droq.Qs[0]
    norms = [layer for layer in Q.layers if isinstance(layer, keras.layers.LayerNormalization)]
    assert len(norms) == len(HIDDEN)
    arrays = to_arrays(*droq.checkpointables())
    saved = [arrays[f"models/Q_0/{index}"] for index in range(len(Q.get_weights()))]
    for layer in norms:
        assert not np.allclose(layer.get_weights()[0], 1.0)  # trained: the match means something
        for weight in layer.get_weights():
            assert any(array.shape == weight.shape and np.array_equal(array, weight)
                       for array in saved), layer.name
