"""CQL(H)'s importance-sampled log-sum-exp, conservative gap, penalty, its gradient and the
Lagrange step against numpy (arXiv:2006.04779)."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.cql import CQL, importance_sampled_logsumexp
from tests.algorithms.test_sac import fixed_batch, make_sac, noise_replica, numpy_policy_sample
from tests.numpy_reference import mlp_forward

ACTION_SIZE = 2  # MultiGoal's: the uniform density |A| log(1/2) is not log(1/2)


def numpy_logsumexp(values, axis):
    largest = np.max(values, axis=axis, keepdims=True)
    return (largest + np.log(np.sum(np.exp(values - largest), axis=axis, keepdims=True)))[:, 0]


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_importance_sampled_logsumexp_matches_numpy(temperature):
    rng = np.random.default_rng(0)
    uniform_Q = rng.normal(size=(7, 4)).astype(np.float32) * 3
    policy_Q = rng.normal(size=(7, 8)).astype(np.float32) * 3
    log_probs = rng.normal(size=(7, 8)).astype(np.float32)
    log_density = 2 * np.log(0.5)
    actual = importance_sampled_logsumexp(uniform_Q, log_density, policy_Q, log_probs,
                                          temperature).numpy()
    weighted = np.concatenate([uniform_Q - log_density, policy_Q - log_probs], axis=1)
    expected = temperature * numpy_logsumexp(weighted.astype(np.float64) / temperature, 1)
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_the_estimate_is_unbiased_up_to_its_constant_for_a_known_integral():
    # Q(a) = -a^2 on [-1, 1]: log of the integral of exp(Q) is log(1.4936...). The uniform
    # half of the estimator, with the constant log(n) put back, converges to it.
    n = 200_000
    actions = np.random.default_rng(1).uniform(-1, 1, size=(1, n)).astype(np.float32)
    estimate = importance_sampled_logsumexp(-actions ** 2, np.log(0.5), np.zeros((1, 0)),
                                            np.zeros((1, 0))).numpy()[0] - np.log(n)
    exact = np.log(np.sqrt(np.pi) * 0.8427007929497149)  # sqrt(pi) * erf(1)
    assert abs(estimate - exact) < 0.01, (estimate, exact)


def make_cql(**config):
    return make_sac(algorithm_class=CQL, environment=("MultiGoal", "Default-v0"),
                    **{"cql_n_actions": 3, "cql_alpha": 2.0, **config})


def batch_of_two_dimensions(**options):
    return fixed_batch(observation_size=2, action_size=ACTION_SIZE, **options)


def replicate_update(cql, batch):
    """The update's inputs drawn as it will draw them: the target's a' noise, the uniform
    actions, the policy's noise at s and at s' (repeated n times)."""
    n, size = cql._n_actions, len(batch["observations"])
    policy_noise = noise_replica(cql.policy)
    uniform = tf.random.Generator.from_state(cql._uniform_generator.state.numpy(),
                                             cql._uniform_generator.algorithm)
    shape = (size * n, ACTION_SIZE)
    return {"next_noise": policy_noise.normal((size, ACTION_SIZE)).numpy().astype(np.float64),
            "uniform": uniform.uniform(shape, -1.0, 1.0).numpy().astype(np.float64),
            "current_noise": policy_noise.normal(shape).numpy().astype(np.float64),
            "following_noise": policy_noise.normal(shape).numpy().astype(np.float64)}


def numpy_gap(policy_weights, weights, batch, draws, n, cql_temperature=1.0):
    """gap = mean_s(T log sum_k exp((Q(s, a_k) - log q(a_k)) / T)) - mean_D Q(s, a)."""
    observations = np.repeat(batch["observations"], n, axis=0)
    next_observations = np.repeat(batch["next_observations"], n, axis=0)
    current, current_log_probs = numpy_policy_sample(policy_weights, observations,
                                                     draws["current_noise"])
    following, following_log_probs = numpy_policy_sample(policy_weights, next_observations,
                                                         draws["following_noise"])

    def Q(actions):
        return mlp_forward(weights, [observations, actions])[:, 0].reshape(-1, n)

    weighted = np.concatenate([
        Q(draws["uniform"]) - ACTION_SIZE * np.log(0.5),
        Q(current) - current_log_probs.reshape(-1, n),
        Q(following) - following_log_probs.reshape(-1, n)], axis=1)
    soft_maximum = cql_temperature * numpy_logsumexp(weighted / cql_temperature, 1)
    data_Q = mlp_forward(weights, [batch["observations"], batch["actions"]])[:, 0]
    return soft_maximum.mean() - data_Q.mean()


def numpy_target(policy_weights, target_weights, batch, draws, alpha, discount,
                 backup_entropy):
    next_actions, next_log_probs = numpy_policy_sample(
        policy_weights, batch["next_observations"], draws["next_noise"])
    next_Q = np.minimum(*[mlp_forward(weights, [batch["next_observations"], next_actions])[:, 0]
                          for weights in target_weights])
    entropy_term = alpha * next_log_probs if backup_entropy else 0.0
    return batch["rewards"] + discount * (1 - batch["terminals"]) * (next_Q - entropy_term)


@pytest.mark.parametrize("backup_entropy", [False, True])
def test_update_matches_numpy(backup_entropy):
    cql = make_cql(backup_entropy=backup_entropy, initial_alpha=0.5, discount=0.9)
    batch = batch_of_two_dimensions()
    draws = replicate_update(cql, batch)
    policy_weights = cql.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in cql.Qs]
    target_weights = [Q.get_weights() for Q in cql.Q_targets]

    diagnostics = {key: value.numpy() for key, value in cql._update(batch).items()}

    target = numpy_target(policy_weights, target_weights, batch, draws, 0.5, 0.9,
                          backup_entropy)
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    np.testing.assert_allclose(
        diagnostics["cql_gap"],
        [numpy_gap(policy_weights, weights, batch, draws, 3) for weights in Q_weights],
        rtol=1e-4, atol=1e-5)


class PlainSGD:
    """One step of size 1: the applied gradient reads back as the weights' change."""

    def apply_gradients(self, pairs):
        for gradient, variable in pairs:
            variable.assign_sub(gradient)


@pytest.mark.parametrize("lagrange", [False, True])
def test_the_critics_gradient_is_that_of_the_bellman_error_plus_the_penalty(lagrange):
    # Each Q's applied gradient against central finite differences of the numpy loss
    # 0.5 * mean((Q - y)^2) + 0.5 * alpha' * alpha_cql * (gap - tau), at a few weights.
    cql = make_cql(cql_alpha=3.0, cql_lagrange=lagrange, cql_target_action_gap=2.0,
                   initial_alpha=0.5, discount=0.9)
    if lagrange:
        cql._log_alpha_prime.assign(np.log(1.7))
    alpha_prime, tau = (1.7, 2.0) if lagrange else (1.0, 0.0)
    cql._Q_variable_groups = [(PlainSGD(), variables) for _, variables in cql._Q_variable_groups]
    batch = batch_of_two_dimensions()
    draws = replicate_update(cql, batch)
    policy_weights = cql.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in cql.Qs]
    target = numpy_target(policy_weights, [Q.get_weights() for Q in cql.Q_targets], batch,
                          draws, 0.5, 0.9, False)
    cql._update(batch)

    def loss(weights):
        Q_value = mlp_forward(weights, [batch["observations"], batch["actions"]])[:, 0]
        return (0.5 * np.mean((Q_value - target) ** 2)
                + 0.5 * alpha_prime * 3.0 * (numpy_gap(policy_weights, weights, batch, draws, 3)
                                             - tau))

    step = 1e-5
    for index, weights in enumerate(Q_weights):
        applied = [before - after for before, after in
                   zip(weights, cql.Qs[index].get_weights())]
        for layer, position in ((0, (0, 0)), (0, (3, 5)), (2, (7, 4)), (4, (11, 0)), (5, (0,))):
            shifted = [np.array(w, np.float64) for w in weights]
            shifted[layer][position] += step
            up = loss(shifted)
            shifted[layer][position] -= 2 * step
            down = loss(shifted)
            np.testing.assert_allclose(applied[layer][position], (up - down) / (2 * step),
                                       rtol=2e-3, atol=2e-5, err_msg=f"Q_{index} {layer}")


def test_the_penalty_pushes_Q_down_off_the_data_and_up_on_it():
    # The penalty dominates the Bellman error; a large step shows the direction in few updates.
    cql = make_cql(cql_alpha=50.0, Q_lr=1e-2)
    batch = batch_of_two_dimensions()
    off_data = np.random.default_rng(3).uniform(-1, 1, size=batch["actions"].shape)
    off_data = off_data.astype(np.float32)

    def values(actions):
        return np.mean([Q([batch["observations"], actions]).numpy() for Q in cql.Qs])

    before_data, before_off = values(batch["actions"]), values(off_data)
    for _ in range(30):
        cql._update(batch)
    assert values(batch["actions"]) - values(off_data) > before_data - before_off + 0.5


@pytest.mark.parametrize("gaps, direction", [([6.0, 7.0], +1), ([1.0, 2.0], -1)])
def test_lagrange_multiplier_rises_while_the_gap_exceeds_the_threshold(gaps, direction):
    # cql_alpha 0.5: the gap 6.5 exceeds tau = 5, its weighted value 3.25 does not; alpha'
    # follows the gap itself (CORL's form).
    cql = make_cql(cql_lagrange=True, cql_target_action_gap=5.0, cql_alpha=0.5,
                   cql_alpha_prime_lr=0.1)
    loss = cql._alpha_prime_step(tf.constant(gaps)).numpy()
    # alpha' = 1 at the start: the loss is -0.5 * (mean gap - 5); Adam's first step is
    # lr * sign.
    np.testing.assert_allclose(loss, -0.5 * (np.mean(gaps) - 5.0), rtol=1e-6)
    np.testing.assert_allclose(cql._log_alpha_prime.numpy(), 0.1 * direction, rtol=1e-4)


def test_lagrange_multiplier_is_clipped():
    cql = make_cql(cql_lagrange=True)
    cql._log_alpha_prime.assign(20.0)  # e^20 > 1e6
    assert float(cql.alpha_prime()) == 1e6
    cql._log_alpha_prime.assign(-5.0)
    np.testing.assert_allclose(float(cql.alpha_prime()), np.exp(-5.0), rtol=1e-6)


def test_lagrange_penalty_weighs_the_gap_less_the_threshold():
    cql = make_cql(cql_lagrange=True, cql_target_action_gap=5.0, cql_alpha=2.0)
    cql._log_alpha_prime.assign(np.log(3.0))
    batch = {key: tf.constant(value) for key, value in batch_of_two_dimensions().items()}
    Q_values = [Q([batch["observations"], batch["actions"]])[:, 0] for Q in cql.Qs]
    penalty, diagnostics = cql._Q_regularizer(batch, tf.constant(1.0))(Q_values)
    gaps = diagnostics["cql_gap"].numpy()
    np.testing.assert_allclose(penalty.numpy(), 0.5 * np.sum(3.0 * 2.0 * (gaps - 5.0)),
                               rtol=1e-5)
    assert "cql_alpha_prime_loss" in cql._update(batch_of_two_dimensions())


@pytest.mark.parametrize("name, value", [("cql_alpha", -1.0), ("cql_n_actions", 0),
                                         ("cql_temperature", 0.0), ("cql_lagrange", "yes")])
def test_bad_hyperparameters_are_clear_errors(name, value):
    with pytest.raises(ValueError, match=name):
        make_cql(**{name: value})
