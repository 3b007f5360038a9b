"""The tanh-squashed Gaussian-mixture policy: its density against numpy and quadrature, its
sampling against the density, and the exact-expectation policy gradient against quadrature."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import reparameterized_policy_step
from softlearning_tf2.models.feedforward import feedforward_model
from softlearning_tf2.policies.gmm_policy import GMMPolicy


def make_policy(action_size, observation_size=3, num_components=3, seed=0, squash=True):
    return GMMPolicy(observation_size, action_size, num_components=num_components,
                     hidden_layer_sizes=(16,), squash=squash, seed=seed)


def numpy_mixture_log_prob(log_weights, shifts, scales, actions):
    """Squashed-mixture density in float64, written from the definition."""
    pre_squash = np.arctanh(actions)
    weights = np.exp(log_weights)
    normal = np.exp(-0.5 * ((pre_squash[:, None] - shifts) / scales) ** 2) / (
        np.sqrt(2 * np.pi) * scales)
    mixture = np.sum(weights * np.prod(normal, axis=-1), axis=-1)
    return np.log(mixture) - np.sum(np.log(1 - actions ** 2), axis=-1)


def test_log_probs_match_numpy_and_tfp():
    policy = make_policy(2)
    observations = tf.random.stateless_normal((40, 3), seed=[1, 2])
    actions, log_probs = policy.actions_and_log_probs(observations)
    moderate = np.all(np.abs(actions.numpy()) < 0.995, axis=1)
    parameters = [value.numpy().astype(np.float64)
                  for value in policy.mixture_parameters(observations)]
    expected = numpy_mixture_log_prob(*parameters, actions.numpy().astype(np.float64))
    np.testing.assert_allclose(log_probs.numpy()[moderate], expected[moderate], rtol=1e-3,
                               atol=1e-3)
    np.testing.assert_allclose(policy.log_probs(observations, actions).numpy()[moderate],
                               expected[moderate], rtol=1e-3, atol=1e-3)
    tfp_log_probs = policy.action_distribution(observations).log_prob(actions).numpy()
    np.testing.assert_allclose(tfp_log_probs[moderate], expected[moderate], rtol=1e-3,
                               atol=1e-3)


def midpoints(count, low=-1.0, high=1.0):
    """The centres of ``count`` equal cells of [low, high] (the midpoint rule's nodes)."""
    width = (high - low) / count
    return low + width * (np.arange(count) + 0.5)


def test_density_integrates_to_one_in_one_and_two_dimensions():
    # Change of variables checked by quadrature over the action box.
    for action_size, points in ((1, 20001), (2, 801)):
        policy = make_policy(action_size, seed=action_size)
        grid = midpoints(points)
        actions = np.stack(np.meshgrid(*[grid] * action_size, indexing="ij"), -1).reshape(
            -1, action_size)
        observation = np.full((len(actions), 3), 0.3, np.float32)
        density = np.exp(policy.log_probs(tf.constant(observation),
                                          tf.constant(actions, tf.float32)).numpy()
                         .astype(np.float64))
        cell = (grid[1] - grid[0]) ** action_size
        assert abs(density.sum() * cell - 1.0) < 2e-3, (action_size, density.sum() * cell)


def test_samples_follow_the_density():
    policy = make_policy(1, seed=4)
    observations = tf.constant(np.full((200000, 3), -0.5, np.float32))
    samples = policy.actions(observations).numpy()[:, 0]
    edges = np.linspace(-1, 1, 21)
    histogram, _ = np.histogram(samples, edges)
    centers = (edges[1:] + edges[:-1]) / 2
    fine = np.linspace(-1, 1, 4001)[1:-1]
    density = np.exp(policy.log_probs(observations[:len(fine)],
                                      tf.constant(fine[:, None], tf.float32)).numpy())
    expected = np.array([density[(fine >= lo) & (fine < hi)].mean() * (hi - lo)
                         for lo, hi in zip(edges[:-1], edges[1:])]) * len(samples)
    # Poisson error of each bin, 5 sigma, plus 1% for the quadrature of the bin mass.
    tolerance = 5 * np.sqrt(expected) + 0.01 * expected + 5
    assert np.all(np.abs(histogram - expected) <= tolerance), (centers, histogram, expected)


def test_unsquashed_mixture_has_the_gaussian_mixture_density():
    policy = make_policy(1, squash=False, seed=2)
    grid = np.linspace(-30, 30, 60001)
    observations = tf.constant(np.zeros((len(grid), 3), np.float32))
    density = np.exp(policy.log_probs(observations, tf.constant(grid[:, None],
                                                                tf.float32)).numpy())
    assert abs(density.sum() * (grid[1] - grid[0]) - 1.0) < 1e-3


def test_deterministic_action_is_the_heaviest_components_mean():
    policy = make_policy(2)
    observations = tf.random.stateless_normal((10, 3), seed=[3, 4])
    log_weights, shifts, _ = (value.numpy() for value in policy.mixture_parameters(observations))
    expected = np.tanh(shifts[np.arange(10), np.argmax(log_weights, axis=1)])
    np.testing.assert_allclose(policy.deterministic_actions(observations).numpy(), expected,
                               atol=1e-6)


def test_component_choice_uses_the_uniform_of_the_noise():
    policy = make_policy(1, num_components=3)
    observation = tf.constant([[0.1, 0.2, 0.3]])
    log_weights, shifts, _ = (value.numpy()[0] for value in
                              policy.mixture_parameters(observation))
    cumulative = np.cumsum(np.exp(log_weights))
    for uniform in (0.0, cumulative[0] - 1e-4, cumulative[0] + 1e-4, 0.9999):
        action = policy.actions_from_noise(observation, tf.constant([[0.0, uniform]])).numpy()
        component = int(np.searchsorted(cumulative, uniform, side="right"))
        np.testing.assert_allclose(action[0], np.tanh(shifts[component]), atol=1e-6)


class _RecordingOptimizer:
    def apply_gradients(self, pairs):
        self.gradients = [gradient for gradient, _ in pairs]


def test_policy_gradient_reaches_the_weights_and_matches_quadrature():
    """The exact-expectation step's gradient (averaged over its pathwise noise) against the
    gradient of E_{a ~ pi}[alpha log pi(a|s) - Q(s, a)] computed by quadrature."""
    alpha = 0.3
    policy = make_policy(1, observation_size=1, num_components=3, seed=11)
    Q = feedforward_model([1, 1], 1, (16,), "tanh", seed=5)
    observation = np.full((1, 1), 0.7, np.float32)

    optimizer = _RecordingOptimizer()
    batch = tf.constant(np.repeat(observation, 100000, axis=0))
    loss, _ = reparameterized_policy_step(policy, [Q], optimizer, batch, alpha)
    estimated = optimizer.gradients

    grid = np.linspace(-1, 1, 20001)[1:-1].astype(np.float32)
    actions = tf.constant(grid[:, None])
    observations = tf.constant(np.repeat(observation, len(grid), axis=0))
    width = float(grid[1] - grid[0])
    with tf.GradientTape() as tape:
        log_probs = policy.log_probs(observations, actions)
        integrand = tf.exp(log_probs) * (alpha * log_probs - Q([observations, actions])[:, 0])
        exact = tf.reduce_sum(integrand) * width
    exact_gradients = tape.gradient(exact, policy.trainable_variables)

    assert abs(float(loss) - float(exact)) < 0.02 * abs(float(exact)) + 0.01
    output_bias = estimated[-1].numpy()  # the output layer's bias: the logits come first
    assert np.any(np.abs(output_bias[:3]) > 1e-3), "no gradient reached the mixture logits"
    flat_estimated = np.concatenate([g.numpy().ravel() for g in estimated])
    flat_exact = np.concatenate([g.numpy().ravel() for g in exact_gradients])
    cosine = flat_estimated @ flat_exact / (np.linalg.norm(flat_estimated)
                                            * np.linalg.norm(flat_exact))
    assert cosine > 0.99, cosine
    np.testing.assert_allclose(estimated[-1].numpy()[:3], exact_gradients[-1].numpy()[:3],
                               rtol=0.1, atol=2e-3)
