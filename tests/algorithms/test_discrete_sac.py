"""Discrete SAC's losses and steps against an independent numpy re-computation
(arXiv:1910.07207)."""
import numpy as np
import pytest

from softlearning_tf2.algorithms.action_spaces import discrete_target_entropy
from softlearning_tf2.algorithms.discrete_sac import DiscreteSAC
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.environments.utils import get_environment
from softlearning_tf2.policies.categorical_policy import CategoricalPolicy, DiscreteUniformPolicy
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.value_functions.vanilla import (
    double_discrete_Q_function, double_feedforward_Q_function)
from tests.numpy_reference import log_softmax, mlp_forward

HIDDEN = (16, 16)


def make_discrete_sac(seed=0, domain="Acrobot", pool_class=SimpleReplayPool, **config):
    environment = get_environment("gymnasium", domain, "v1")
    observation_size, num_actions = environment.observation_size, environment.action_size
    policy = CategoricalPolicy(observation_size, num_actions, HIDDEN, seed=seed)
    Qs = double_discrete_Q_function(observation_size, num_actions, HIDDEN, seed=seed + 1)
    pool = pool_class((observation_size,), (), 1000, seed=seed, action_dtype="int32")
    sampler = SimpleSampler(max_path_length=200)
    sampler.initialize(environment, policy, pool, seed=seed)
    config = {"batch_size": 32, "n_epochs": 1, "epoch_length": 10, **config}
    return DiscreteSAC(
        training_environment=environment, evaluation_environment=environment, policy=policy,
        Qs=Qs, pool=pool, sampler=sampler,
        initial_exploration_policy=DiscreteUniformPolicy(observation_size, num_actions, seed),
        **config)


def discrete_batch(batch_size=32, observation_size=6, num_actions=3, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "observations": rng.normal(size=(batch_size, observation_size)).astype(np.float32),
        "actions": rng.integers(num_actions, size=batch_size).astype(np.int32),
        "rewards": rng.normal(size=batch_size).astype(np.float32),
        "terminals": (rng.uniform(size=batch_size) < 0.3).astype(np.float32),
        "next_observations": rng.normal(size=(batch_size, observation_size)).astype(np.float32),
    }


@pytest.mark.parametrize("reward_scale, discount", [(1.0, 0.99), (5.0, 0.9)])
def test_update_matches_numpy(reward_scale, discount):
    sac = make_discrete_sac(reward_scale=reward_scale, discount=discount, tau=0.05,
                            initial_alpha=0.3)
    batch = discrete_batch()
    policy_weights = sac.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in sac.Qs]
    target_weights = [Q.get_weights() for Q in sac.Q_targets]
    log_alpha = float(sac._temperature.log_alpha.numpy())
    alpha = np.exp(log_alpha)

    diagnostics = {k: v.numpy() for k, v in sac._update(batch).items()}

    rows = np.arange(32)
    # Soft Q target (Eqs. 3, 10): the exact expectation over a' under pi(.|s').
    next_log_pi = log_softmax(mlp_forward(policy_weights, [batch["next_observations"]]), -1)
    next_Q = np.minimum(*[mlp_forward(w, [batch["next_observations"]]) for w in target_weights])
    next_V = np.sum(np.exp(next_log_pi) * (next_Q - alpha * next_log_pi), axis=-1)
    target = reward_scale * batch["rewards"] + discount * (1 - batch["terminals"]) * next_V
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    # Soft Q losses (Eq. 2) at the stored actions, before the Q step.
    for index, weights in enumerate(Q_weights):
        Q_value = mlp_forward(weights, [batch["observations"]])[rows, batch["actions"]]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_value - target) ** 2), rtol=1e-4)
    # Policy loss (Eq. 12) with the Q functions after their step.
    new_Q_weights = [Q.get_weights() for Q in sac.Qs]
    log_pi = log_softmax(mlp_forward(policy_weights, [batch["observations"]]), -1)
    Q_min = np.minimum(*[mlp_forward(w, [batch["observations"]]) for w in new_Q_weights])
    pi = np.exp(log_pi)
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(np.sum(pi * (alpha * log_pi - Q_min), -1)), rtol=1e-4,
                               atol=1e-5)
    # Temperature loss (Eq. 11) with the default target entropy 0.3 log 3.
    expected_log_pi = np.sum(pi * log_pi, -1)
    np.testing.assert_allclose(
        diagnostics["alpha_loss"],
        -np.mean(log_alpha * (expected_log_pi + 0.3 * np.log(3))), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(diagnostics["entropy"], -expected_log_pi.mean(), rtol=1e-4)
    # Polyak targets from the new Q weights.
    for new, old, updated in zip(new_Q_weights, target_weights,
                                 [Q.get_weights() for Q in sac.Q_targets]):
        for w_new, w_old, w_updated in zip(new, old, updated):
            np.testing.assert_allclose(w_updated, 0.05 * w_new + 0.95 * w_old, rtol=1e-5,
                                       atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(policy_weights, sac.policy.get_weights()))


def test_policy_step_lowers_the_numpy_policy_loss():
    """With a small learning rate, one policy step lowers J_pi (Eq. 12) as numpy computes it
    at the updated Q functions."""
    sac = make_discrete_sac(initial_alpha=0.5, policy_lr=1e-4)
    batch = discrete_batch(seed=4)
    before = sac.policy.get_weights()
    sac._update(batch)
    after = sac.policy.get_weights()
    Q_min = np.minimum(*[mlp_forward(Q.get_weights(), [batch["observations"]])
                         for Q in sac.Qs])

    def policy_loss(weights):
        log_pi = log_softmax(mlp_forward(weights, [batch["observations"]]), -1)
        return np.mean(np.sum(np.exp(log_pi) * (0.5 * log_pi - Q_min), -1))
    assert policy_loss(after) < policy_loss(before)


@pytest.mark.parametrize("target_entropy, direction", [(0.01, -1), (1.09, +1)])
def test_alpha_step_direction(target_entropy, direction):
    # A fresh 3-action categorical policy is near uniform (entropy near log 3 = 1.0986): far
    # above a target of 0.01 nats (alpha falls), and below 1.09 nats (alpha rises), which is
    # close, so the entropy is checked too.
    sac = make_discrete_sac(target_entropy=target_entropy, initial_alpha=1.0)
    batch = discrete_batch()
    before = sac.alpha
    entropy = float(sac._update(batch)["entropy"])
    assert (entropy < target_entropy) == (direction > 0)
    assert np.sign(sac.alpha - before) == direction


def test_auto_target_entropy_is_a_fraction_of_log_actions():
    assert discrete_target_entropy("auto", 0.5, 4) == pytest.approx(0.5 * np.log(4))
    assert discrete_target_entropy(0.3, 0.5, 4) == 0.3
    sac = make_discrete_sac(target_entropy_ratio=0.8)
    assert sac.target_entropy == pytest.approx(0.8 * np.log(3))
    with pytest.raises(ValueError, match="target_entropy_ratio must be in \\(0, 1\\]"):
        make_discrete_sac(target_entropy_ratio=1.5)


def test_fixed_alpha_stays():
    sac = make_discrete_sac(fixed_alpha=0.2)
    sac._update(discrete_batch())
    assert sac.alpha == pytest.approx(0.2)


def test_action_space_kinds_are_checked_both_ways():
    with pytest.raises(ValueError, match="DiscreteSAC trains on Discrete action spaces; "
                                         "Pendulum-v1 has Box actions"):
        environment = get_environment("gymnasium", "Pendulum", "v1")
        policy = CategoricalPolicy(3, 1, HIDDEN, seed=0)
        DiscreteSAC(training_environment=environment, evaluation_environment=environment,
                    policy=policy, Qs=double_discrete_Q_function(3, 1, HIDDEN, seed=0),
                    pool=SimpleReplayPool((3,), (), 10), sampler=SimpleSampler(10))
    with pytest.raises(ValueError, match="SAC trains on Box action spaces; CartPole-v1 has "
                                         "Discrete actions .--algorithm SAC and SQL choose"):
        environment = get_environment("gymnasium", "CartPole", "v1")
        SAC(training_environment=environment, evaluation_environment=environment,
            policy=FeedforwardGaussianPolicy(4, 2, HIDDEN, seed=0),
            Qs=double_feedforward_Q_function(4, 2, HIDDEN, seed=0),
            pool=SimpleReplayPool((4,), (2,), 10), sampler=SimpleSampler(10))


def test_training_on_cartpole_runs_and_checkpoints_the_temperature():
    sac = make_discrete_sac(domain="CartPole", n_initial_exploration_steps=50, min_pool_size=50,
                            epoch_length=100)
    diagnostics = sac.train_epoch()
    assert sac.num_train_steps == 51
    assert np.isfinite(diagnostics["algorithm/Q_0_loss"])
    _, optimizers, variables = sac.checkpointables()
    assert {"Q_0", "Q_1", "policy", "alpha"} <= set(optimizers)
    assert "log_alpha" in variables
