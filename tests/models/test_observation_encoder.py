"""The encoder of dict observations: preprocessors, sharing, and which loss trains it."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.common import (
    Adam, Q_regression_step, partition_shared, reparameterized_policy_step,
    update_target_models)
from softlearning_tf2.models.convnet import convnet
from softlearning_tf2.models.observation_encoder import ObservationEncoding, clone_sharing
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.value_functions.vanilla import double_feedforward_Q_function

LAYOUT = {"pixels": ((16, 16, 3), "uint8"), "state": ((3,), "float32")}
SMALL_CONVNET = {"class_name": "convnet",
                 "config": {"conv_filters": [4], "conv_kernel_sizes": [3],
                            "conv_strides": [2], "output_size": 8}}


def observations(batch_size=8, seed=0):
    rng = np.random.default_rng(seed)
    return {"pixels": tf.constant(rng.integers(0, 256, (batch_size, 16, 16, 3), np.uint8)),
            "state": tf.constant(rng.normal(size=(batch_size, 3)).astype(np.float32))}


def networks(sharing):
    encoding = ObservationEncoding(LAYOUT, {"pixels": SMALL_CONVNET}, sharing, seed=0)
    Qs = double_feedforward_Q_function(encoding.input_for("critic"), 2, (16,), seed=1)
    policy = FeedforwardGaussianPolicy(encoding.input_for("actor"), 2, (16,), seed=2)
    return encoding, Qs, policy


def snapshot(variables):
    return [variable.numpy().copy() for variable in variables]


def changed(before, variables):
    return [not np.array_equal(old, new.numpy()) for old, new in zip(before, variables)]


def test_the_convnet_scales_uint8_inside():
    model = convnet((16, 16, 3), conv_filters=[4], conv_kernel_sizes=[3], conv_strides=[1],
                    output_size=None, seed=0)
    images = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 3), np.uint8)
    kernel, bias = model.get_layer("conv_0").get_weights()
    expected = np.maximum(tf.nn.conv2d(images.astype(np.float32) / 255.0, kernel, 1,
                                       "VALID").numpy() + bias, 0.0)
    np.testing.assert_allclose(model(images).numpy(), expected.reshape(2, -1), rtol=1e-5,
                               atol=1e-6)


def test_features_are_the_preprocessed_images_then_the_flat_keys():
    encoding = ObservationEncoding(LAYOUT, {"pixels": SMALL_CONVNET}, "separate", seed=0)
    encoder = encoding._new_encoder("check")
    batch = observations()
    features = encoder(batch).numpy()
    assert features.shape == (8, 8 + 3)
    np.testing.assert_array_equal(features[:, 8:], batch["state"].numpy())


def test_the_actor_loss_leaves_a_shared_encoder_unchanged_and_the_critic_loss_trains_it():
    encoding, Qs, policy = networks("critic")
    shared = encoding.shared_variables()
    assert shared and not {id(v) for v in shared} & {id(v) for v in policy.trainable_variables}
    assert {id(v) for v in shared} <= {id(v) for v in policy.variables}

    before = snapshot(shared)
    optimizer = Adam(1e-2)
    optimizer.build(policy.trainable_variables)
    heads_before = snapshot(policy.trainable_variables)
    reparameterized_policy_step(policy, Qs, optimizer, observations(), alpha=0.1)
    assert not any(changed(before, shared))  # the actor's gradient does not reach it
    assert all(changed(heads_before, policy.trainable_variables))

    own, shared_again = partition_shared(Qs)
    assert [id(v) for v in shared_again] == [id(v) for v in shared]
    groups = []
    for variables in own + [shared_again]:
        adam = Adam(1e-2)
        adam.build(variables)
        groups.append((adam, variables))
    Q_regression_step(Qs, groups, observations(), tf.zeros((8, 2)), tf.ones(8))
    assert all(changed(before, shared))


def test_the_shared_encoder_gets_the_gradient_of_the_summed_critic_loss_once():
    encoding, Qs, _ = networks("critic")
    own, shared = partition_shared(Qs)
    batch, actions, target = observations(), tf.zeros((8, 2)), tf.ones(8)
    with tf.GradientTape() as tape:
        loss = tf.add_n([0.5 * tf.reduce_mean(tf.square(Q([batch, actions])[:, 0] - target))
                         for Q in Qs])
    gradients = tape.gradient(loss, shared)
    learning_rate = 1e-3
    sgd_groups = own + [shared]
    before = snapshot(shared)

    class PlainSGD:  # one step of size lr: the applied gradient can be read back exactly
        def apply_gradients(self, pairs):
            for gradient, variable in pairs:
                variable.assign_sub(learning_rate * gradient)

    Q_regression_step(Qs, [(PlainSGD(), variables) for variables in sgd_groups], batch,
                      actions, target)
    for old, variable, gradient in zip(before, shared, gradients):
        np.testing.assert_allclose(variable.numpy(), old - learning_rate * gradient.numpy(),
                                   rtol=1e-5, atol=1e-7)


def test_separate_encoders_share_nothing():
    encoding, Qs, policy = networks("separate")
    assert encoding.shared_variables() == []
    own, shared = partition_shared(Qs)
    assert shared == []
    assert policy.trainable_variables == policy.variables
    ids = [{id(v) for v in Q.trainable_variables} for Q in Qs]
    assert not ids[0] & ids[1]


def test_bad_preprocessors_are_refused():
    with pytest.raises(ValueError, match="not observed"):
        ObservationEncoding(LAYOUT, {"depth": SMALL_CONVNET})
    with pytest.raises(ValueError, match="needs uint8 images"):
        ObservationEncoding(LAYOUT, {"state": SMALL_CONVNET})
    with pytest.raises(ValueError, match="encoder_sharing"):
        ObservationEncoding(LAYOUT, encoder_sharing="actor")


def count_ops(function, *args, op_type="Conv2D"):
    graph = tf.function(function, autograph=False).get_concrete_function(*args).graph
    return sum(1 for op in graph.get_operations() if op.type == op_type)


def test_the_twin_critics_and_the_policy_step_encode_each_batch_once():
    encoding, Qs, policy = networks("critic")
    batch, actions, target = observations(), tf.zeros((8, 2)), tf.ones(8)
    own, shared = partition_shared(Qs)
    groups = []
    for variables in own + [shared]:
        adam = Adam(1e-3)
        adam.build(variables)
        groups.append((adam, variables))

    def critic_step(batch):
        return Q_regression_step(Qs, groups, batch, actions, target)[1]

    def critic_values(batch):  # the same two Q functions, without the shared pass
        return [Q([batch, actions]) for Q in Qs]

    assert count_ops(critic_values, batch) == 2  # one conv layer, run by each Q
    assert count_ops(critic_step, batch) == 1
    assert count_ops(critic_step, batch, op_type="Conv2DBackpropFilter") == 1

    optimizer = Adam(1e-3)
    optimizer.build(policy.trainable_variables)

    def actor_step(batch):
        return reparameterized_policy_step(policy, Qs, optimizer, batch, 0.1)[0]

    assert count_ops(actor_step, batch) == 1  # the policy and both Qs read one pass


def test_twin_targets_share_one_target_encoder_that_polyak_moves_once():
    encoding, Qs, _ = networks("critic")
    targets = clone_sharing(Qs)
    target_shared = [v for v in targets[0].trainable_variables
                     if id(v) in {id(w) for w in targets[1].trainable_variables}]
    assert len(target_shared) == len(encoding.shared_variables())
    assert not {id(v) for v in target_shared} & {id(v) for v in encoding.shared_variables()}
    batch, actions = observations(), tf.zeros((8, 2))
    for Q, target in zip(Qs, targets):  # clones: the same layers, copied weights, one batch
        np.testing.assert_array_equal(Q([batch, actions]), target([batch, actions]))
    for variable in encoding.shared_variables():
        variable.assign_add(tf.ones_like(variable))
    before = snapshot(target_shared)
    update_target_models(Qs, targets, 0.1)
    for old, variable in zip(before, target_shared):  # target <- 0.1 * (old + 1) + 0.9 * old
        np.testing.assert_allclose(variable.numpy(), old + 0.1, rtol=1e-5, atol=1e-6)
