"""EDAC's ensemble similarity against numpy and finite differences, and SAC-N's clipped
target over N critics (arXiv:2110.01548)."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.edac import EDAC, ensemble_similarity
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.value_functions.vanilla import feedforward_Q_ensemble
from tests.algorithms.test_sac import HIDDEN, fixed_batch, make_sac, update_and_its_inputs
from tests.numpy_reference import mlp_forward


def ensemble(n_critics, activation="relu"):
    def build(observation_size, action_size, seed):
        return feedforward_Q_ensemble(observation_size, action_size, n_critics=n_critics,
                                      hidden_layer_sizes=HIDDEN, activation=activation,
                                      seed=seed)
    return build


def make_edac(n_critics=4, activation="relu", **config):
    """EDAC on MultiGoal: two action dimensions (with one, every cosine is +-1 and the
    similarity has no gradient)."""
    return make_sac(algorithm_class=EDAC, Q_functions=ensemble(n_critics, activation),
                    environment=("MultiGoal", "Default-v0"), **config)


def planar_batch(batch_size=32, seed=1):
    """A batch of MultiGoal's shapes: 2-D observations and actions."""
    rng = np.random.default_rng(seed)
    return {"observations": rng.normal(size=(batch_size, 2)).astype(np.float32),
            "actions": rng.uniform(-1, 1, size=(batch_size, 2)).astype(np.float32),
            "rewards": rng.normal(size=batch_size).astype(np.float32),
            "terminals": (rng.uniform(size=batch_size) < 0.3).astype(np.float32),
            "next_observations": rng.normal(size=(batch_size, 2)).astype(np.float32)}


def numpy_similarity(gradients):
    """1/(N-1) sum_{i != j} cos(g_i, g_j), the mean over the batch; gradients [N, B, A]."""
    count, batch = gradients.shape[:2]
    total = np.zeros(batch)
    for i in range(count):
        for j in range(count):
            if i != j:
                dots = np.sum(gradients[i] * gradients[j], axis=-1)
                norms = (np.linalg.norm(gradients[i], axis=-1)
                         * np.linalg.norm(gradients[j], axis=-1))
                total += dots / norms
    return np.mean(total) / (count - 1)


def test_ensemble_similarity_matches_numpy():
    gradients = np.random.default_rng(0).normal(size=(5, 9, 3))
    np.testing.assert_allclose(ensemble_similarity(tf.constant(gradients, tf.float32)).numpy(),
                               numpy_similarity(gradients), rtol=1e-5, atol=1e-6)


def test_similarity_of_aligned_and_opposed_gradients():
    aligned = np.tile(np.array([[[1.0, 2.0]]]), (3, 4, 1))  # every critic the same direction
    assert np.isclose(ensemble_similarity(tf.constant(aligned, tf.float32)).numpy(), 3.0)
    opposed = np.stack([aligned[0], -aligned[0]])  # two critics, opposite: cos = -1
    assert np.isclose(ensemble_similarity(tf.constant(opposed, tf.float32)).numpy(), -2.0)


def test_action_gradients_match_finite_differences():
    edac = make_edac(n_critics=3, activation="tanh")
    batch = planar_batch(batch_size=6)
    observations = tf.constant(batch["observations"], tf.float64)
    actions = batch["actions"].astype(np.float64)
    gradients = edac.action_gradients(tf.constant(batch["observations"]),
                                      tf.constant(batch["actions"])).numpy()
    step = 1e-3
    for index, Q in enumerate(edac.Qs):
        def Q_at(shifted):
            return Q([observations, tf.constant(shifted, tf.float64)]).numpy()[:, 0]
        for dimension in range(2):
            offset = np.zeros_like(actions)
            offset[:, dimension] = step
            central = (Q_at(actions + offset) - Q_at(actions - offset)) / (2 * step)
            np.testing.assert_allclose(gradients[index, :, dimension], central, rtol=1e-2,
                                       atol=1e-4)


def test_the_diversity_term_is_differentiated_through_to_the_critics():
    # Its gradient with respect to a critic's weight against a central finite difference of
    # ES itself (tanh networks: smooth second derivatives).
    edac = make_edac(n_critics=3, activation="tanh")
    batch = {key: tf.constant(value) for key, value in planar_batch(batch_size=8).items()}
    kernel = edac.Qs[1].trainable_variables[0]

    def similarity():
        return ensemble_similarity(edac.action_gradients(batch["observations"],
                                                         batch["actions"]))

    with tf.GradientTape() as tape:
        value = similarity()
    analytic = tape.gradient(value, kernel).numpy()
    assert np.any(analytic != 0)
    original = kernel.numpy()
    step = 1e-2
    for position in [(0, 0), (1, 3), (3, 7), (2, 12)]:
        shifted = original.copy()
        shifted[position] += step
        kernel.assign(shifted)
        up = float(similarity())
        shifted[position] -= 2 * step
        kernel.assign(shifted)
        down = float(similarity())
        kernel.assign(original)
        np.testing.assert_allclose(analytic[position], (up - down) / (2 * step), rtol=0.05,
                                   atol=2e-4)


def test_the_critics_loss_adds_half_eta_times_the_similarity():
    edac = make_edac(n_critics=3, eta=4.0)
    batch = {key: tf.constant(value) for key, value in planar_batch().items()}
    term, diagnostics = edac._Q_regularizer(batch, tf.constant(1.0))([])
    gradients = edac.action_gradients(batch["observations"], batch["actions"]).numpy()
    np.testing.assert_allclose(diagnostics["ensemble_similarity"].numpy(),
                               numpy_similarity(gradients.astype(np.float64)), rtol=1e-4)
    np.testing.assert_allclose(term.numpy(), 2.0 * diagnostics["ensemble_similarity"].numpy(),
                               rtol=1e-6)


def test_training_lowers_the_similarity():
    edac = make_edac(n_critics=4, eta=50.0, Q_lr=3e-3)
    batch = planar_batch()
    first = float(edac._update(batch)["ensemble_similarity"])
    for _ in range(40):
        last = float(edac._update(batch)["ensemble_similarity"])
    assert last < first - 0.5, (first, last)


@pytest.mark.parametrize("algorithm_class", [SAC, EDAC])
def test_SAC_N_target_is_the_minimum_over_all_N_target_critics(algorithm_class):
    from tests.algorithms.test_sac import numpy_policy_sample

    algorithm = make_sac(algorithm_class=algorithm_class, Q_functions=ensemble(5),
                         initial_alpha=0.2, discount=0.95)
    batch = fixed_batch()
    start, diagnostics = update_and_its_inputs(algorithm, batch)
    next_actions, next_log_probs = numpy_policy_sample(
        start["policy"], batch["next_observations"], start["next_noise"])
    next_Q = np.min([mlp_forward(weights, [batch["next_observations"], next_actions])[:, 0]
                     for weights in start["targets"]], axis=0)
    target = batch["rewards"] + 0.95 * (1 - batch["terminals"]) * (
        next_Q - start["alpha"] * next_log_probs)
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    assert len(algorithm.Qs) == 5
    # The policy's estimate: the minimum over all N critics after their step (SAC's Eq. 7).
    actions, log_probs = numpy_policy_sample(start["policy"], batch["observations"],
                                             start["noise"])
    Q_min = np.min([mlp_forward(Q.get_weights(), [batch["observations"], actions])[:, 0]
                    for Q in algorithm.Qs], axis=0)
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(start["alpha"] * log_probs - Q_min), rtol=1e-4,
                               atol=1e-5)


def test_one_critic_is_refused():
    with pytest.raises(ValueError, match="n_critics >= 2"):
        make_edac(n_critics=1)
