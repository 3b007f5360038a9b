"""SQL's MCMC sampler: its samples against exp(Q / temperature) on a known 1-D target, the warm
start, the greedy action, seeds."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.policies.mcmc_sampler_policy import MCMCSamplerPolicy


def known_Q(amplitude=1.5):
    """Q(s, a) = amplitude * cos(2 pi (a - 1/2)) + 0.3 a, whatever s: two modes on [-1, 1],
    near -1/2 and 1/2, the right one higher. A Keras model, as the policy's Q functions are."""
    observations = keras.Input((1,))
    actions = keras.Input((1,))
    values = keras.layers.Lambda(
        lambda inputs: amplitude * keras.ops.cos(2.0 * np.pi * (inputs[1] - 0.5))
        + 0.3 * inputs[1]
        + 0.0 * inputs[0])([observations, actions])
    return keras.Model([observations, actions], values)


def target_bin_masses(edges, temperature, amplitude=1.5):
    fine = np.linspace(-1, 1, 200001)
    density = np.exp((amplitude * np.cos(2 * np.pi * (fine - 0.5)) + 0.3 * fine) / temperature)
    density /= np.trapezoid(density, fine)
    return np.array([np.trapezoid(density[(fine >= lo) & (fine <= hi)],
                                  fine[(fine >= lo) & (fine <= hi)])
                     for lo, hi in zip(edges[:-1], edges[1:])])


@pytest.mark.parametrize("kernel, step_size", [("langevin", 0.3), ("hmc", 0.2)])
def test_histogram_matches_exp_Q(kernel, step_size):
    """20,000 independent chains after their burn-in: every bin's count within 5 standard
    deviations of its binomial count under exp(Q / T), plus 1.5% of the count for what
    the finite burn-in leaves of the start."""
    temperature = 0.7
    policy = MCMCSamplerPolicy(1, 1, [known_Q()], kernel=kernel, temperature=temperature,
                               step_size=step_size, num_burnin_steps=150, seed=3)
    count = 20000
    observations = tf.zeros((count, 1))
    # Compiled, as SQL's update and acting call it (eagerly the chain's steps take 6x longer).
    samples = tf.function(policy.actions_from_noise, autograph=False)(
        observations, policy.draw_noise(tf.random.Generator.from_seed(1), count)).numpy()[:, 0]
    assert np.all(np.abs(samples) <= 1.0)
    edges = np.linspace(-1, 1, 17)
    histogram, _ = np.histogram(samples, edges)
    masses = target_bin_masses(edges, temperature)
    expected = masses * count
    tolerance = 5 * np.sqrt(count * masses * (1 - masses)) + 0.015 * expected + 5
    assert np.all(np.abs(histogram - expected) <= tolerance), (histogram, expected.round())
    # And it is not the uniform: the modes carry the mass.
    assert histogram.max() > 3 * histogram.min()


def test_acting_warm_starts_from_the_previous_chain():
    policy = MCMCSamplerPolicy(1, 1, [known_Q()], num_steps=3, num_burnin_steps=50, seed=0)
    observation = np.zeros(1, np.float32)
    assert not bool(policy.chain_started.numpy())
    first = policy.action(observation)
    assert bool(policy.chain_started.numpy())
    np.testing.assert_allclose(np.tanh(policy.chain_state.numpy()[0]), first, atol=1e-6)
    # Starting again from the same chain state and noise gives the same action...
    state, noise_state = policy.chain_state.numpy(), policy.noise_generator.state.numpy()
    second = policy.action(observation)
    policy.chain_state.assign(state)
    policy.noise_generator.state.assign(noise_state)
    np.testing.assert_array_equal(policy.action(observation), second)
    # ...and from another chain state, another one: the chain's state is an input.
    policy.chain_state.assign(state + 2.0)
    policy.noise_generator.state.assign(noise_state)
    assert not np.allclose(policy.action(observation), second)
    policy.reset_chain()
    assert not bool(policy.chain_started.numpy())


def test_deterministic_action_climbs_to_the_higher_mode():
    policy = MCMCSamplerPolicy(1, 1, [known_Q()], step_size=0.2, num_burnin_steps=200)
    action = float(policy.action(np.zeros(1, np.float32), deterministic=True)[0])
    # From a = 0, the valley between the modes, the tilt leads right, to the maximum where
    # 3 pi sin(2 pi (a - 1/2)) = 0.3.
    assert abs(action - (0.5 + np.arcsin(0.1 / np.pi) / (2 * np.pi))) < 0.01


def test_same_seed_same_actions():
    first = MCMCSamplerPolicy(1, 1, [known_Q()], num_burnin_steps=20, seed=5)
    second = MCMCSamplerPolicy(1, 1, [known_Q()], num_burnin_steps=20, seed=5)
    observation = np.zeros(1, np.float32)
    np.testing.assert_array_equal([first.action(observation) for _ in range(3)],
                                  [second.action(observation) for _ in range(3)])


@pytest.mark.parametrize("config, message", [
    ({"kernel": "gibbs"}, "unknown MCMC kernel 'gibbs'; valid choices: langevin, hmc"),
    ({"step_size": 0.0}, "step_size must be positive"),
    ({"num_burnin_steps": 0}, "num_burnin_steps must be >= 1"),
])
def test_bad_settings_are_named(config, message):
    with pytest.raises(ValueError, match=message):
        MCMCSamplerPolicy(1, 1, [known_Q()], **config)


def test_summed_Q_functions_compose_their_targets():
    """exp((Q_1 + Q_2) / T) with Q_1 = -8 (a - 0.6)^2 and Q_2 = -4 (a + 0.2)^2: a Gaussian
    around (8 * 0.6 - 4 * 0.2) / 12 = 1/3 of variance T / 24. With Q_2 = -8 (a + 0.6)^2
    instead, "min" samples exp(-8 (|a| + 0.6)^2), much narrower than the sum's Gaussian."""
    def quadratic(center, curvature):
        observations, actions = keras.Input((1,)), keras.Input((1,))
        values = keras.layers.Lambda(
            lambda inputs: -curvature * (inputs[1] - center) ** 2 + 0.0 * inputs[0])(
            [observations, actions])
        return keras.Model([observations, actions], values)

    Qs = [quadratic(0.6, 8.0), quadratic(-0.2, 4.0)]
    summed = MCMCSamplerPolicy(1, 1, Qs, combine="sum", step_size=0.2, num_burnin_steps=150,
                               seed=1)
    # 10,000 independent chains: the standard error of the mean is about 0.002 and that of
    # the standard deviation 0.0015, both well inside the 0.01 below.
    noise = summed.draw_noise(tf.random.Generator.from_seed(2), 10000)
    samples = tf.function(summed.actions_from_noise, autograph=False)(
        tf.zeros((10000, 1)), noise).numpy()[:, 0]
    # The tanh box trims a little of the Gaussian's tails: 0.01 of slack on both moments.
    assert abs(samples.mean() - 1 / 3) < 0.01
    assert abs(samples.std() - np.sqrt(1 / 24)) < 0.01
    symmetric = [quadratic(0.6, 8.0), quadratic(-0.6, 8.0)]
    grid = np.linspace(-1, 1, 200001)
    targets = {"sum": -8 * (grid - 0.6) ** 2 - 8 * (grid + 0.6) ** 2,
               "min": -8 * (np.abs(grid) + 0.6) ** 2}
    for combine, log_density in targets.items():
        density = np.exp(log_density - log_density.max())
        expected_std = np.sqrt(np.sum(density * grid ** 2) / np.sum(density))
        policy = MCMCSamplerPolicy(1, 1, symmetric, combine=combine, step_size=0.2,
                                   num_burnin_steps=150, seed=1)
        samples = tf.function(policy.actions_from_noise, autograph=False)(
            tf.zeros((10000, 1)), noise).numpy()[:, 0]
        assert abs(samples.mean()) < 0.01
        assert abs(samples.std() - expected_std) < 0.01, (combine, samples.std(), expected_std)
    with pytest.raises(ValueError, match="unknown combine 'max'; valid choices: min, sum"):
        MCMCSamplerPolicy(1, 1, Qs, combine="max")
