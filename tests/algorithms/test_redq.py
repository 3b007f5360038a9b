"""REDQ's subset target, ensemble-mean policy loss and policy-update interval against numpy
(arXiv:2101.05982)."""
import itertools

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.redq import REDQ
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.algorithms.test_sac import (
    HIDDEN, fixed_batch, make_sac, noise_replica, numpy_policy_sample, update_and_its_inputs)
from tests.numpy_reference import mlp_forward


def make_redq(n_critics=5, subset_size=2, **config):
    def ensemble(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=n_critics,
                                      hidden_layer_sizes=HIDDEN, seed=seed)
    return make_sac(algorithm_class=REDQ, Q_functions=ensemble, subset_size=subset_size,
                    **config)


def subset_replica(redq):
    """The subset the next update will draw, from a copy of REDQ's subset generator."""
    generator = tf.random.Generator.from_state(redq._subset_generator.state.numpy(),
                                               redq._subset_generator.algorithm)
    return np.argsort(generator.uniform([len(redq.Qs)]).numpy(), kind="stable")[
        :redq.subset_size]


def test_subset_minimum_of_a_fixed_subset_matches_numpy():
    redq = make_redq(n_critics=6)
    batch = fixed_batch()
    for subset in ([4, 1], [0, 5], [3, 3]):
        values = redq.subset_min_Q(redq.Q_targets, tf.constant(subset, tf.int32),
                                   tf.constant(batch["observations"]),
                                   tf.constant(batch["actions"])).numpy()
        expected = np.min([mlp_forward(redq.Q_targets[index].get_weights(),
                                       [batch["observations"], batch["actions"]])[:, 0]
                           for index in subset], axis=0)
        np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-6)


def test_subset_draws_are_distinct_and_uniform_over_pairs():
    redq = make_redq(n_critics=6)  # 15 pairs
    draws = 3000
    counts = {pair: 0 for pair in itertools.combinations(range(6), 2)}
    hundred_draws = tf.function(lambda: tf.stack([redq.draw_subset() for _ in range(100)]),
                                autograph=False)
    for subset in np.concatenate([hundred_draws().numpy() for _ in range(draws // 100)]):
        assert subset.shape == (2,) and subset[0] != subset[1]
        assert 0 <= subset.min() and subset.max() < 6
        counts[tuple(sorted(subset))] += 1
    expected = draws / len(counts)
    sigma = np.sqrt(draws * (1 / len(counts)) * (1 - 1 / len(counts)))
    assert all(abs(count - expected) < 5 * sigma for count in counts.values()), counts
    # Pearson's chi-square with 14 degrees of freedom: its 99.9% point is 36.1.
    chi_square = sum((count - expected) ** 2 / expected for count in counts.values())
    assert chi_square < 36.1, (chi_square, counts)


def test_update_matches_numpy():
    redq = make_redq(n_critics=4, tau=0.05, initial_alpha=0.3, discount=0.9)
    batch = fixed_batch()
    subset = subset_replica(redq)
    start, diagnostics = update_and_its_inputs(redq, batch)
    policy_weights, Q_weights, target_weights, alpha, next_noise, noise = (
        start[key] for key in ("policy", "Qs", "targets", "alpha", "next_noise", "noise"))

    next_actions, next_log_probs = numpy_policy_sample(
        policy_weights, batch["next_observations"], next_noise)
    next_Q = np.min([mlp_forward(target_weights[index],
                                 [batch["next_observations"], next_actions])[:, 0]
                     for index in subset], axis=0)
    target = batch["rewards"] + 0.9 * (1 - batch["terminals"]) * (next_Q - alpha * next_log_probs)
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    for index, weights in enumerate(Q_weights):  # every member on the one target
        Q_value = mlp_forward(weights, [batch["observations"], batch["actions"]])[:, 0]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_value - target) ** 2), rtol=1e-4)
    actions, log_probs = numpy_policy_sample(policy_weights, batch["observations"], noise)
    mean_Q = np.mean([mlp_forward(Q.get_weights(), [batch["observations"], actions])[:, 0]
                      for Q in redq.Qs], axis=0)
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(alpha * log_probs - mean_Q), rtol=1e-4, atol=1e-5)


def test_the_whole_ensemble_as_subset_is_the_minimum_over_all_and_draws_nothing():
    redq = make_redq(n_critics=3, subset_size=3)
    assert not hasattr(redq, "_subset_generator")
    assert "subset_noise_state" not in redq.checkpointables()[2]
    batch = fixed_batch()
    next_noise = noise_replica(redq.policy).normal((32, 1)).numpy().astype(np.float64)
    target = redq._soft_Q_target({key: tf.constant(value) for key, value in batch.items()},
                                 tf.constant(1.0)).numpy()
    next_actions, next_log_probs = numpy_policy_sample(
        redq.policy.get_weights(), batch["next_observations"], next_noise)
    next_Q = np.min([mlp_forward(Q.get_weights(), [batch["next_observations"], next_actions])[:, 0]
                     for Q in redq.Q_targets], axis=0)
    expected = batch["rewards"] + 0.99 * (1 - batch["terminals"]) * (next_Q - next_log_probs)
    np.testing.assert_allclose(target, expected, rtol=1e-4, atol=1e-4)


def test_the_policy_and_temperature_step_only_on_every_interval_th_update():
    redq = make_redq(n_critics=3, policy_update_interval=3)
    batch = fixed_batch()
    reported = []
    for update in range(1, 7):
        policy_before = redq.policy.get_weights()
        Q_before = redq.Qs[0].get_weights()
        alpha_before = redq.alpha
        diagnostics = redq._update(batch)
        reported.append(float(diagnostics["policy_loss"]))
        policy_moved = any(not np.array_equal(a, b)
                           for a, b in zip(policy_before, redq.policy.get_weights()))
        assert policy_moved == (update % 3 == 0), update
        assert (redq.alpha != alpha_before) == (update % 3 == 0), update
        assert any(not np.array_equal(a, b) for a, b in zip(Q_before, redq.Qs[0].get_weights()))
    # Between policy steps the updates report the last step's loss (0 before the first).
    assert reported[0] == reported[1] == 0.0 and reported[2] != 0.0
    assert reported[3] == reported[4] == reported[2] and reported[5] != reported[2]


@pytest.mark.parametrize("config, message", [
    ({"n_critics": 3, "subset_size": 4}, "subset_size 4 is larger than the ensemble's "
                                         "n_critics 3"),
    ({"subset_size": 0}, "subset_size must be a positive integer"),
    ({"policy_update_interval": 0}, "policy_update_interval must be a positive integer")])
def test_bad_ensemble_settings_are_clear_errors(config, message):
    with pytest.raises(ValueError, match=message):
        make_redq(**config)
