"""TQC's truncated target, quantile Huber loss and policy loss against numpy
(arXiv:2005.04269)."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.tqc import TQC, quantile_huber_loss
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.algorithms.test_sac import (
    HIDDEN, fixed_batch, make_sac, noise_replica, numpy_policy_sample, update_and_its_inputs)
from tests.numpy_reference import mlp_forward

N_CRITICS, N_QUANTILES, DROPPED = 3, 5, 2


def make_tqc(n_critics=N_CRITICS, n_quantiles=N_QUANTILES, top_quantiles_to_drop_per_net=DROPPED,
             **config):
    def critics(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=n_critics,
                                      n_quantiles=n_quantiles, hidden_layer_sizes=HIDDEN,
                                      seed=seed)
    return make_sac(algorithm_class=TQC, Q_functions=critics,
                    top_quantiles_to_drop_per_net=top_quantiles_to_drop_per_net, **config)


def numpy_quantile_huber_loss(quantiles, targets, kappa=1.0):
    """The quantile Huber loss by loops over the quantiles and target atoms, in float64."""
    quantiles, targets = np.asarray(quantiles, np.float64), np.asarray(targets, np.float64)
    batch_size, num_quantiles = quantiles.shape
    total = 0.0
    for m in range(num_quantiles):
        tau = (2 * (m + 1) - 1) / (2 * num_quantiles)
        for i in range(targets.shape[1]):
            u = targets[:, i] - quantiles[:, m]
            huber = np.where(np.abs(u) <= kappa, 0.5 * u ** 2, kappa * (np.abs(u) - 0.5 * kappa))
            total += np.sum(np.abs(tau - (u < 0)) * huber)
    return total / (batch_size * num_quantiles * targets.shape[1])


def test_quantile_huber_loss_matches_numpy():
    rng = np.random.default_rng(0)
    # Errors on both sides of kappa = 1 and of zero.
    quantiles = rng.normal(scale=2.0, size=(16, 7)).astype(np.float32)
    targets = rng.normal(scale=2.0, size=(16, 11)).astype(np.float32)
    loss = quantile_huber_loss(tf.constant(quantiles), tf.constant(targets)).numpy()
    np.testing.assert_allclose(loss, numpy_quantile_huber_loss(quantiles, targets), rtol=1e-5)


def test_each_quantile_is_pulled_to_its_fraction_of_the_atoms():
    # The loss is a sum of one term per quantile: as a function of quantile m alone, it is
    # smallest near the tau_m = (2m + 1) / 2M quantile of the atoms. The Huber part weighs
    # errors within kappa = 1 by their size rather than their sign, so the minimum lies within
    # kappa of the sample quantile (tau swapped for 1 - tau would put it 23 away).
    atoms = tf.constant(np.random.default_rng(1).normal(scale=10.0, size=(1, 4001)),
                        tf.float32)
    candidates = np.arange(-20.0, 20.0, 0.05, dtype=np.float32)
    loss_of_each_row = tf.function(lambda quantiles: tf.map_fn(
        lambda row: quantile_huber_loss(row[None], atoms), quantiles), autograph=False)
    for m in (0, 3):
        quantiles = np.zeros((len(candidates), 4), np.float32)
        quantiles[:, m] = candidates
        best = candidates[int(np.argmin(loss_of_each_row(tf.constant(quantiles)).numpy()))]
        assert abs(best - np.quantile(atoms.numpy(), (2 * m + 1) / 8)) < 1.0, (m, best)


def test_target_keeps_the_lowest_atoms_with_the_entropy_term_on_each():
    tqc = make_tqc(reward_scale=2.0, discount=0.9, initial_alpha=0.3)
    batch = fixed_batch()
    alpha = np.exp(float(tqc._temperature.log_alpha.numpy()))
    next_noise = noise_replica(tqc.policy).normal((32, 1)).numpy().astype(np.float64)
    target = tqc._soft_Q_target({key: tf.constant(value) for key, value in batch.items()},
                                tf.constant(alpha, tf.float32)).numpy()

    next_actions, next_log_probs = numpy_policy_sample(
        tqc.policy.get_weights(), batch["next_observations"], next_noise)
    atoms = np.concatenate([mlp_forward(Z.get_weights(), [batch["next_observations"],
                                                          next_actions])
                            for Z in tqc.Q_targets], axis=1)
    kept = np.sort(atoms, axis=1)[:, :(N_QUANTILES - DROPPED) * N_CRITICS]
    expected = (2.0 * batch["rewards"][:, None] + 0.9 * (1 - batch["terminals"][:, None])
                * (kept - alpha * next_log_probs[:, None]))
    assert target.shape == (32, tqc.num_target_atoms) == (32, 9)
    np.testing.assert_allclose(target, expected, rtol=1e-4, atol=1e-4)


def test_update_matches_numpy():
    tqc = make_tqc(tau=0.05, initial_alpha=0.3)
    batch = fixed_batch()
    start, diagnostics = update_and_its_inputs(tqc, batch)
    policy_weights, Z_weights, target_weights, alpha, next_noise, noise = (
        start[key] for key in ("policy", "Qs", "targets", "alpha", "next_noise", "noise"))

    next_actions, next_log_probs = numpy_policy_sample(
        policy_weights, batch["next_observations"], next_noise)
    atoms = np.concatenate([mlp_forward(w, [batch["next_observations"], next_actions])
                            for w in target_weights], axis=1)
    kept = np.sort(atoms, axis=1)[:, :(N_QUANTILES - DROPPED) * N_CRITICS]
    targets = (batch["rewards"][:, None] + 0.99 * (1 - batch["terminals"][:, None])
               * (kept - alpha * next_log_probs[:, None]))
    for index, weights in enumerate(Z_weights):  # each critic on its own loss, before its step
        quantiles = mlp_forward(weights, [batch["observations"], batch["actions"]])
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   numpy_quantile_huber_loss(quantiles, targets), rtol=1e-4)
    # The policy on the mean of all N*M atoms of the critics after their step.
    actions, log_probs = numpy_policy_sample(policy_weights, batch["observations"], noise)
    mean_atoms = np.concatenate([mlp_forward(Z.get_weights(), [batch["observations"], actions])
                                 for Z in tqc.Qs], axis=1).mean(axis=1)
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(alpha * log_probs - mean_atoms), rtol=1e-4, atol=1e-5)
    # Polyak targets.
    for new, old, updated in zip([Z.get_weights() for Z in tqc.Qs], target_weights,
                                 [Z.get_weights() for Z in tqc.Q_targets]):
        for w_new, w_old, w_updated in zip(new, old, updated):
            np.testing.assert_allclose(w_updated, 0.05 * w_new + 0.95 * w_old, rtol=1e-5,
                                       atol=1e-7)


@pytest.mark.parametrize("dropped, quantiles, message", [
    (5, 5, "top_quantiles_to_drop_per_net 5 of n_quantiles 5 leaves no atom"),
    (-1, 5, "top_quantiles_to_drop_per_net must be a non-negative integer")])
def test_dropping_every_atom_is_refused(dropped, quantiles, message):
    with pytest.raises(ValueError, match=message):
        make_tqc(n_quantiles=quantiles, top_quantiles_to_drop_per_net=dropped)
