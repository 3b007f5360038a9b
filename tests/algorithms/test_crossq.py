"""CrossQ's update against numpy (arXiv:1902.05605): the joint pass over (s, a) and (s', a')
with Batch Renormalization, the target from its second half, no target networks, the policy
with its own statistics every third update."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.crossq import CrossQ
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.algorithms.test_sac import HIDDEN, fixed_batch, make_sac, noise_replica
from tests.float_compare import assert_float32_close
from tests.numpy_reference import batch_renorm_mlp_forward, tanh_gaussian_log_prob


def make_crossq(warmup_steps=0, **config):
    """CrossQ on Pendulum, 16x16 networks; ``warmup_steps`` 0: renormalization (r, d) from
    the first call."""
    def Qs(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=2,
                                      hidden_layer_sizes=HIDDEN, batch_renormalization=True,
                                      batch_renorm_warmup_steps=warmup_steps, seed=seed)
    policy_class = functools.partial(FeedforwardGaussianPolicy, batch_renormalization=True,
                                     batch_renorm_warmup_steps=warmup_steps)
    return make_sac(algorithm_class=CrossQ, Q_functions=Qs, policy_class=policy_class,
                    **{"adam_beta_1": 0.5, "policy_update_interval": 3, **config})


def numpy_policy(weights, observations, noise, training):
    """(actions, log-probs, running statistics after the call) of the Gaussian policy."""
    output, statistics = batch_renorm_mlp_forward(weights, [observations], training)
    shift, log_scale = np.split(output, 2, axis=-1)
    std = np.exp(np.clip(log_scale, -20.0, 2.0))
    pre_squash = shift + std * noise
    return np.tanh(pre_squash), tanh_gaussian_log_prob(pre_squash, shift, std), statistics


def running_statistics(model):
    """[[mean, variance], ...] of each Batch Renormalization layer of a Keras model."""
    weights = model.get_weights()
    return [[weights[index + 2], weights[index + 3]] for index in range(0, len(weights), 7)]


def test_the_joint_pass_is_two_passes_in_inference_mode_and_not_in_training_mode():
    """In inference mode each row is normalized alone (running statistics), so one pass over
    the concatenation equals two; in training mode the statistics are the mixture's, which
    is why CrossQ's update makes one pass (its numpy check is the update test below)."""
    crossq = make_crossq()
    batch = fixed_batch()
    crossq._update(batch)  # running statistics away from their initial values
    observations = np.concatenate([batch["observations"], batch["next_observations"]])
    actions = np.concatenate([batch["actions"], -batch["actions"]])
    for Q in crossq.Qs:
        joint = Q([tf.constant(observations), tf.constant(actions)], training=False).numpy()
        first = Q([tf.constant(observations[:32]), tf.constant(actions[:32])]).numpy()
        second = Q([tf.constant(observations[32:]), tf.constant(actions[32:])]).numpy()
        assert_float32_close(joint, np.concatenate([first, second]), ulps=8,
                             differs="a batch of 64 against two of 32 (kernel paths)")
        expected, _ = batch_renorm_mlp_forward(Q.get_weights(), [observations, actions],
                                               training=True)
        separate = np.concatenate([
            batch_renorm_mlp_forward(Q.get_weights(), [observations[part], actions[part]],
                                     training=True)[0]
            for part in (slice(0, 32), slice(32, 64))])
        assert np.abs(expected - separate).max() > 1e-2  # the mixture's statistics differ


def test_update_matches_numpy_with_joint_batch_statistics():
    crossq = make_crossq(policy_update_interval=1, initial_alpha=0.3, discount=0.9)
    batch = fixed_batch()
    policy_weights = crossq.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in crossq.Qs]
    alpha = np.exp(float(crossq._temperature.log_alpha.numpy()))
    generator = noise_replica(crossq.policy)
    next_noise = generator.normal((32, 1)).numpy().astype(np.float64)
    noise = generator.normal((32, 1)).numpy().astype(np.float64)

    diagnostics = {key: value.numpy() for key, value in crossq._update(batch).items()}

    # a' from the policy in inference mode: its statistics do not move there.
    next_actions, next_log_probs, _ = numpy_policy(policy_weights, batch["next_observations"],
                                                   next_noise, training=False)
    joint_inputs = [np.concatenate([batch["observations"], batch["next_observations"]]),
                    np.concatenate([batch["actions"], next_actions])]
    joint = [batch_renorm_mlp_forward(weights, joint_inputs, training=True)
             for weights in Q_weights]
    next_Q = np.min([output[32:, 0] for output, _ in joint], axis=0)
    target = batch["rewards"] + 0.9 * (1 - batch["terminals"]) * (next_Q - alpha * next_log_probs)
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    for index, (output, statistics) in enumerate(joint):
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((output[:32, 0] - target) ** 2), rtol=1e-4)
        # The statistics moved once, on the mixture of both halves.
        for (mean, variance), (expected_mean, expected_variance) in zip(
                running_statistics(crossq.Qs[index]), statistics):
            np.testing.assert_allclose(mean, expected_mean, rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(variance, expected_variance, rtol=1e-4, atol=1e-6)
    # The policy step: the policy in training mode (its statistics move), the Q functions
    # after their step in inference mode, their minimum.
    actions, log_probs, policy_statistics = numpy_policy(
        policy_weights, batch["observations"], noise, training=True)
    new_Q_weights = [Q.get_weights() for Q in crossq.Qs]
    Q_min = np.min([batch_renorm_mlp_forward(weights, [batch["observations"], actions],
                                             training=False)[0][:, 0]
                    for weights in new_Q_weights], axis=0)
    np.testing.assert_allclose(diagnostics["policy_loss"], np.mean(alpha * log_probs - Q_min),
                               rtol=1e-4, atol=1e-5)
    model = crossq.policy.shift_and_log_scale_model
    for (mean, variance), (expected_mean, expected_variance) in zip(
            running_statistics(model), policy_statistics):
        np.testing.assert_allclose(mean, expected_mean, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(variance, expected_variance, rtol=1e-4, atol=1e-6)
    # Every Batch Renormalization layer counted exactly one training call.
    for network in (*crossq.Qs, model):
        weights = network.get_weights()
        assert [int(weights[index + 4]) for index in range(0, len(weights), 7)] == [1, 1, 1]


def test_no_target_networks_and_adam_beta_1_one_half():
    crossq = make_crossq()
    assert crossq.Q_targets == ()
    models, optimizers, _ = crossq.checkpointables()
    assert not [name for name in models if "target" in name]
    assert sorted(name for name in models) == ["Q_0", "Q_1", "policy"]
    for name in ("Q_0", "Q_1", "policy"):
        assert float(optimizers[name].beta_1) == 0.5


def test_the_policy_and_its_statistics_move_on_every_third_update_only():
    crossq = make_crossq()
    batch = fixed_batch()
    model = crossq.policy.shift_and_log_scale_model

    def weights(trainable):
        return [np.array(weight) for weight in (model.trainable_weights if trainable
                                                else model.non_trainable_weights)]

    for update in range(1, 7):
        before = {kind: weights(kind) for kind in (True, False)}
        crossq._update(batch)
        for kind in (True, False):  # the weights, and separately the running statistics
            moved = any(not np.array_equal(a, b) for a, b in zip(before[kind], weights(kind)))
            assert moved == (update % 3 == 0), (update, "trainable" if kind else "statistics")


def test_acting_uses_the_running_statistics():
    crossq = make_crossq()
    crossq._update(fixed_batch())
    for _ in range(3):
        crossq._update(fixed_batch(seed=2))
    observations = tf.constant(fixed_batch()["observations"])
    weights = crossq.policy.get_weights()
    expected, _ = batch_renorm_mlp_forward(weights, [observations.numpy()], training=False)
    shift = np.tanh(np.split(expected, 2, axis=-1)[0])
    np.testing.assert_allclose(crossq.policy.deterministic_actions(observations).numpy(), shift,
                               rtol=1e-4, atol=1e-5)
    # Acting changed no statistic: the same call twice, bit for bit, and the weights unchanged.
    np.testing.assert_array_equal(crossq.policy.deterministic_actions(observations).numpy(),
                                  crossq.policy.deterministic_actions(observations).numpy())
    assert all(np.array_equal(a, b) for a, b in zip(weights, crossq.policy.get_weights()))


def test_critics_without_batch_renormalization_are_refused():
    def plain_Qs(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=2,
                                      hidden_layer_sizes=HIDDEN, seed=seed)
    policy_class = functools.partial(FeedforwardGaussianPolicy, batch_renormalization=True)
    with pytest.raises(ValueError, match="Q_0 has no Batch Renormalization"):
        make_sac(algorithm_class=CrossQ, Q_functions=plain_Qs, policy_class=policy_class)


def test_a_policy_without_a_gaussian_mlp_is_refused():
    from softlearning_tf2.policies.gmm_policy import GMMPolicy

    with pytest.raises(ValueError, match="CrossQ trains FeedforwardGaussianPolicy"):
        make_sac(algorithm_class=CrossQ, policy_class=GMMPolicy)
