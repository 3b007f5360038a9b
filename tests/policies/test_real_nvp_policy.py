"""RealNVP and latent-space policies: invertibility, the exact density against quadrature and
Monte-Carlo, the log-det read off the network against TFP's, the latent map."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.policies.real_nvp_policy import LatentSpacePolicy, RealNVPPolicy
from tests.policies.test_gmm_policy import midpoints


def make_policy(action_size=2, observation_size=3, seed=0, squash=True, cls=RealNVPPolicy,
                layers=3):
    policy = cls(observation_size, action_size, num_coupling_layers=layers,
                 hidden_layer_sizes=(16,), squash=squash, seed=seed)
    # The flow starts as the identity (last weights zero): perturb it to test something.
    generator = np.random.default_rng(seed)
    policy.set_weights([weight + 0.2 * generator.normal(size=weight.shape).astype(np.float32)
                        for weight in policy.get_weights()])
    return policy


def test_untrained_flow_is_the_identity():
    policy = RealNVPPolicy(3, 2, hidden_layer_sizes=(8,), seed=0)
    noise = tf.random.stateless_normal((6, 2), seed=[0, 1])
    observations = tf.random.stateless_normal((6, 3), seed=[0, 2])
    np.testing.assert_allclose(policy.actions_from_noise(observations, noise).numpy(),
                               np.tanh(noise.numpy()), atol=1e-6)


@pytest.mark.parametrize("action_size", [2, 3, 6])
def test_flow_is_invertible_and_log_dets_agree(action_size):
    policy = make_policy(action_size, squash=False)
    observations = tf.random.stateless_normal((50, 3), seed=[1, 1])
    noise = tf.random.stateless_normal((50, action_size), seed=[1, 2])
    pre_squash, log_det = policy.flow_forward(observations, noise)
    recovered, inverse_log_det = policy.flow_inverse(observations, pre_squash)
    np.testing.assert_allclose(recovered.numpy(), noise.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(inverse_log_det.numpy(), -log_det.numpy(), atol=1e-4)
    # The log-det the flow reads off its networks is TFP's own.
    values, tfp_log_det = noise, 0.0
    for layer in policy.coupling_layers:
        tfp_log_det += layer.forward_log_det_jacobian(values, event_ndims=1,
                                                      conditional_input=observations)
        values = layer.forward(values, conditional_input=observations)
    np.testing.assert_allclose(log_det.numpy(), tfp_log_det.numpy(), atol=1e-5)
    assert np.std(log_det.numpy()) > 1e-2  # the perturbed flow is not volume-preserving
    # And against a finite-difference Jacobian of the map, in float64.
    observation, point = observations[:1], noise[:1].numpy().astype(np.float64)
    step = 1e-3
    jacobian = np.stack([
        (policy.flow_forward(observation, tf.constant(point + step * e, tf.float32))[0].numpy()
         - policy.flow_forward(observation, tf.constant(point - step * e, tf.float32))[0]
         .numpy())[0] / (2 * step) for e in np.eye(action_size)], axis=1)
    np.testing.assert_allclose(np.log(abs(np.linalg.det(jacobian))), log_det.numpy()[0],
                               atol=2e-2)


def test_sampled_log_probs_equal_those_of_the_same_actions():
    policy = make_policy(2)
    observations = tf.random.stateless_normal((40, 3), seed=[2, 1])
    actions, log_probs = policy.actions_and_log_probs(observations)
    moderate = np.all(np.abs(actions.numpy()) < 0.99, axis=1)
    assert moderate.sum() > 10
    np.testing.assert_allclose(policy.log_probs(observations, actions).numpy()[moderate],
                               log_probs.numpy()[moderate], rtol=1e-3, atol=1e-3)
    tfp = policy.action_distribution(observations).log_prob(actions).numpy()
    np.testing.assert_allclose(tfp[moderate], log_probs.numpy()[moderate], rtol=1e-3, atol=1e-3)


def test_density_integrates_to_one_over_the_action_box():
    policy = make_policy(2, seed=3)
    grid = midpoints(800)
    actions = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    observations = tf.constant(np.full((len(actions), 3), 0.2, np.float32))
    density = np.exp(policy.log_probs(observations, tf.constant(actions, tf.float32)).numpy()
                     .astype(np.float64))
    assert abs(density.sum() * (grid[1] - grid[0]) ** 2 - 1.0) < 3e-3


def test_samples_follow_the_density():
    policy = make_policy(2, seed=5)
    count = 200000
    observations = tf.constant(np.full((count, 3), -0.3, np.float32))
    samples = policy.actions(observations).numpy()
    edges = np.linspace(-1, 1, 9)
    histogram, _, _ = np.histogram2d(samples[:, 0], samples[:, 1], [edges, edges])
    fine = midpoints(400)
    grid = np.stack(np.meshgrid(fine, fine, indexing="ij"), -1).reshape(-1, 2)
    density = np.exp(policy.log_probs(observations[:len(grid)],
                                      tf.constant(grid, tf.float32)).numpy()).reshape(400, 400)
    cell = (fine[1] - fine[0]) ** 2
    expected = density.reshape(8, 50, 8, 50).sum(axis=(1, 3)) * cell * count
    tolerance = 5 * np.sqrt(expected) + 0.01 * expected + 5
    assert np.all(np.abs(histogram - expected) <= tolerance)


def test_one_dimensional_actions_are_refused():
    with pytest.raises(ValueError, match="2 or more"):
        RealNVPPolicy(3, 1)


def test_latent_space_policy_maps_latents_both_ways():
    policy = make_policy(2, cls=LatentSpacePolicy)
    observations = tf.random.stateless_normal((30, 3), seed=[4, 1])
    latents = tf.random.stateless_normal((30, 2), seed=[4, 2])
    actions = policy.actions_from_latents(observations, latents)
    moderate = np.all(np.abs(actions.numpy()) < 0.99, axis=1)
    recovered = policy.latents_of_actions(observations, actions).numpy()
    np.testing.assert_allclose(recovered[moderate], latents.numpy()[moderate], atol=2e-3)
    # actions_from_latents is actions_from_noise: the same ops on the same tensors.
    np.testing.assert_array_equal(actions.numpy(),
                                  policy.actions_from_noise(observations, latents).numpy())


def test_weights_round_trip_and_same_seed_same_policy():
    first, second = make_policy(seed=7), make_policy(seed=7)
    observations = tf.random.stateless_normal((4, 3), seed=[5, 1])
    # Equal weights, the same eager ops on the same batch in one process: bit for bit.
    np.testing.assert_array_equal(first.deterministic_actions(observations).numpy(),
                                  second.deterministic_actions(observations).numpy())
    other = make_policy(seed=8)
    other.set_weights(first.get_weights())
    np.testing.assert_array_equal(first.deterministic_actions(observations).numpy(),
                                  other.deterministic_actions(observations).numpy())
    with pytest.raises(ValueError, match="weight arrays"):
        other.set_weights(first.get_weights()[:-1])
