"""Soft Q-Learning (arXiv:1702.08165): the soft value estimate, the Q target and the sampler."""
import keras
import numpy as np
import pytest
import tensorflow as tf
import math

from softlearning_tf2.algorithms.sql import SQL, importance_sampled_soft_value
from softlearning_tf2.environments.utils import get_environment
from softlearning_tf2.policies.amortized_sampler import AmortizedSamplerPolicy
from softlearning_tf2.policies.mcmc_sampler_policy import MCMCSamplerPolicy
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.value_functions.vanilla import (
    double_feedforward_Q_function, feedforward_Q_function)
from tests.algorithms.test_sac import fixed_batch
from tests.numpy_reference import mlp_forward


def make_sql(Qs=None, hidden=(16, 16), seed=0, pool_class=SimpleReplayPool, mcmc=False,
             **config):
    """SQL on Pendulum; ``mcmc``: acting with ``MCMCSamplerPolicy`` (short chains) instead of
    the amortized sampler."""
    environment = get_environment("gymnasium", "Pendulum", "v1")
    Qs = Qs if Qs is not None else (feedforward_Q_function(3, 1, (16, 16), seed=seed + 1),)
    policy = (MCMCSamplerPolicy(3, 1, Qs, num_steps=2, num_burnin_steps=5, seed=seed) if mcmc
              else AmortizedSamplerPolicy(3, 1, hidden, seed=seed))
    pool = pool_class((3,), (1,), 1000, seed=seed)
    sampler = SimpleSampler(max_path_length=200)
    sampler.initialize(environment, policy, pool, seed=seed)
    config = {"batch_size": 32, "n_epochs": 1, "epoch_length": 10, **config}
    return SQL(training_environment=environment, evaluation_environment=environment,
               policy=policy, Qs=Qs, pool=pool, sampler=sampler,
               initial_exploration_policy=ContinuousUniformPolicy(3, 1, seed=seed), **config)


def quadratic_log_integral(center, curvature):
    """log of the integral of exp(-c ||a - m||^2) over [-1, 1]^d (a product of erfs)."""
    root = np.sqrt(curvature)
    erf = np.vectorize(math.erf)
    per_axis = (np.sqrt(np.pi) / (2 * root)
                * (erf(root * (1 - center)) - erf(root * (-1 - center))))
    return float(np.sum(np.log(per_axis)))


def test_soft_value_converges_to_the_closed_form_integral():
    rng = np.random.default_rng(0)
    center, curvature = np.array([0.3, -0.5]), 3.0
    exact = quadratic_log_integral(center, curvature)
    errors = []
    for num_particles in (16, 256, 4096, 65536):
        actions = rng.uniform(-1, 1, size=(200, num_particles, 2))
        Q_values = -curvature * np.sum((actions - center) ** 2, axis=-1)
        estimates = importance_sampled_soft_value(tf.constant(Q_values, tf.float64), 2).numpy()
        errors.append(np.sqrt(np.mean((estimates - exact) ** 2)))
    assert all(later < earlier for earlier, later in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.01


@pytest.mark.parametrize("action_size", [1, 2, 6])
def test_log_volume_term(action_size):
    # Q = 0 everywhere: V = log of the box's volume, d log 2, for any particle count.
    values = importance_sampled_soft_value(tf.zeros((3, 7)), action_size).numpy()
    np.testing.assert_allclose(values, action_size * np.log(2.0), rtol=1e-6)


@pytest.mark.parametrize("twin", [False, True])
def test_Q_target_matches_numpy_with_the_same_proposals(twin):
    Qs = (double_feedforward_Q_function(3, 1, (16, 16), seed=5) if twin
          else (feedforward_Q_function(3, 1, (16, 16), seed=5),))
    sql = make_sql(Qs=Qs, reward_scale=10.0, discount=0.9, value_n_particles=8)
    batch = fixed_batch()
    replica = tf.random.Generator.from_state(sql._proposal_generator.state.numpy(),
                                             sql._proposal_generator.algorithm)
    proposals = replica.uniform((32, 8, 1), -1.0, 1.0).numpy()
    target_weights = [Q.get_weights() for Q in sql.Q_targets]
    Q_weights = [Q.get_weights() for Q in sql.Qs]

    diagnostics = {k: v.numpy() for k, v in sql._update(batch).items()}

    tiled = np.repeat(batch["next_observations"], 8, axis=0)
    next_Q = np.min([mlp_forward(w, [tiled, proposals.reshape(-1, 1)])[:, 0].reshape(32, 8)
                     for w in target_weights], axis=0)
    soft_value = (np.log(np.mean(np.exp(next_Q - next_Q.max(1, keepdims=True)), axis=1))
                  + next_Q.max(1) + np.log(2.0))
    target = 10.0 * batch["rewards"] + 0.9 * (1 - batch["terminals"]) * soft_value
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    for index, weights in enumerate(Q_weights):
        Q_values = mlp_forward(weights, [batch["observations"], batch["actions"]])[:, 0]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_values - target) ** 2), rtol=1e-4)


class BimodalQ(keras.Model):
    """Q(s, a) = log(N(a; -0.5, 0.15) + N(a; 0.5, 0.15)) in a 1-D action, for every state."""

    def call(self, inputs):
        actions = inputs[1]
        modes = tf.constant([[-0.5, 0.5]])
        return tf.reduce_logsumexp(-0.5 * tf.square((actions - modes) / 0.15), axis=-1,
                                   keepdims=True)


def test_amortized_svgd_covers_both_modes():
    sql = make_sql(Qs=(BimodalQ(),), hidden=(32, 32), policy_lr=3e-3, kernel_n_particles=32)
    observations = tf.constant(np.random.default_rng(0).normal(size=(16, 3)), tf.float32)
    update_sampler = tf.function(sql._update_sampler, autograph=False)
    for _ in range(600):
        update_sampler(observations)
    actions = sql.policy.particles(observations[:4], 500).numpy().ravel()
    near_left = np.mean(np.abs(actions + 0.5) < 0.2)
    near_right = np.mean(np.abs(actions - 0.5) < 0.2)
    in_valley = np.mean(np.abs(actions) < 0.1)
    # Both modes hold a large share; per unit of action, the modes are far denser than the
    # valley between them. (The target's own ratio is about 250; SVGD with 16 fixed particles
    # and a median-heuristic bandwidth keeps some mass in between: about 2.5 was measured.)
    assert near_left > 0.25 and near_right > 0.25, (near_left, near_right)
    assert min(near_left, near_right) / 0.4 > 2 * in_valley / 0.2, (near_left, near_right,
                                                                     in_valley)


def test_sampler_has_no_log_prob_but_samples():
    policy = AmortizedSamplerPolicy(3, 2, (8,), seed=0)
    distribution = policy.action_distribution(tf.zeros((5, 3)))
    assert distribution.sample(4).shape == (4, 5, 2)
    assert np.all(np.abs(distribution.sample(4).numpy()) <= 1.0)
    with pytest.raises(NotImplementedError, match="no tractable log-probability"):
        distribution.log_prob(tf.zeros((5, 2)))
    with pytest.raises(NotImplementedError):
        policy.log_probs(tf.zeros((5, 3)), tf.zeros((5, 2)))


def test_hard_target_copies_are_expressible():
    sql = make_sql(tau=1.0, target_update_interval=3)
    for step in range(1, 4):
        sql._update(fixed_batch(seed=step))
        # tau = 1: 1 * w + 0 * w_target is w, bit for bit.
        same = all(np.array_equal(a, b) for a, b in zip(sql.Qs[0].get_weights(),
                                                         sql.Q_targets[0].get_weights()))
        assert same == (step == 3)


def test_bad_particle_split_is_a_clear_error():
    with pytest.raises(ValueError, match="kernel_n_particles"):
        make_sql(kernel_n_particles=2, kernel_update_ratio=0.5)
