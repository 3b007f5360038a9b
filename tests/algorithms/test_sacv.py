"""SAC with a V network (arXiv:1801.01290): each loss against a numpy re-computation."""
import numpy as np
import pytest

from softlearning_tf2.algorithms.sacv import SACV
from tests.algorithms.test_sac import fixed_batch, make_sac, noise_replica, numpy_policy_sample
from tests.numpy_reference import mlp_forward


def make_sacv(**config):
    return make_sac(algorithm_class=SACV, **config)


@pytest.mark.parametrize("reward_scale, fixed_alpha", [(5.0, 1.0), (1.0, 0.2)])
def test_update_matches_numpy(reward_scale, fixed_alpha):
    sacv = make_sacv(reward_scale=reward_scale, fixed_alpha=fixed_alpha, discount=0.95,
                     tau=0.1)
    batch = fixed_batch()
    policy_weights = sacv.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in sacv.Qs]
    V_weights, V_target_weights = sacv.V.get_weights(), sacv.V_target.get_weights()
    generator = noise_replica(sacv.policy)
    V_noise = generator.normal((32, 1)).numpy().astype(np.float64)
    policy_noise = generator.normal((32, 1)).numpy().astype(np.float64)

    diagnostics = {k: v.numpy() for k, v in sacv._update(batch).items()}
    observations = batch["observations"]

    # V loss (Eq. 5) with min of the Qs before their step.
    actions, log_probs = numpy_policy_sample(policy_weights, observations, V_noise)
    Q_min = np.minimum(*[mlp_forward(w, [observations, actions])[:, 0] for w in Q_weights])
    V_values = mlp_forward(V_weights, [observations])[:, 0]
    expected_V_loss = 0.5 * np.mean((V_values - (Q_min - fixed_alpha * log_probs)) ** 2)
    np.testing.assert_allclose(diagnostics["V_loss"], expected_V_loss, rtol=1e-4)

    # Q loss (Eqs. 7-8) bootstrapping from the target V.
    next_V = mlp_forward(V_target_weights, [batch["next_observations"]])[:, 0]
    Q_hat = reward_scale * batch["rewards"] + 0.95 * (1 - batch["terminals"]) * next_V
    for index, weights in enumerate(Q_weights):
        Q_values = mlp_forward(weights, [observations, batch["actions"]])[:, 0]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_values - Q_hat) ** 2), rtol=1e-4)

    # Policy loss (Eq. 12) with the Qs after their step.
    new_Q_weights = [Q.get_weights() for Q in sacv.Qs]
    actions, log_probs = numpy_policy_sample(policy_weights, observations, policy_noise)
    Q_min = np.minimum(*[mlp_forward(w, [observations, actions])[:, 0] for w in new_Q_weights])
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(fixed_alpha * log_probs - Q_min), rtol=1e-4, atol=1e-5)

    # Target V: Polyak average of the updated V.
    for new, old, target in zip(sacv.V.get_weights(), V_target_weights,
                                sacv.V_target.get_weights()):
        np.testing.assert_allclose(target, 0.1 * new + 0.9 * old, rtol=1e-5, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(V_weights, sacv.V.get_weights()))
    np.testing.assert_allclose(sacv.alpha, fixed_alpha, rtol=1e-6)  # fixed temperature


def test_terminal_transitions_do_not_bootstrap():
    sacv = make_sacv()
    batch = fixed_batch(terminals=[1.0] * 16 + [0.0] * 16)
    batch["rewards"][:] = 2.0
    target = sacv._soft_Q_target(batch).numpy()
    np.testing.assert_allclose(target[:16], sacv._reward_scale * 2.0)
    next_V = mlp_forward(sacv.V_target.get_weights(), [batch["next_observations"][16:]])[:, 0]
    np.testing.assert_allclose(target[16:], sacv._reward_scale * 2.0 + 0.99 * next_V,
                               rtol=1e-5)


def test_learned_temperature_option():
    sacv = make_sacv(fixed_alpha=None, target_entropy=5.0)
    before = sacv.alpha
    for _ in range(3):
        sacv._update(fixed_batch())
    assert sacv.alpha > before  # entropy below a target of 5: alpha grows
