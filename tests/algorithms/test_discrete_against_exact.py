"""Deep discrete SQL and SAC against the exact soft value iteration on a random tabular MDP.

The MDP (``TabularMDP-Random-v0``: 5 states, 3 actions, Dirichlet dynamics, Gaussian rewards)
is seen by the deep algorithms through one-hot observations. The replay pool holds K = 20
sampled transitions of every state-action pair; the deep algorithms can only learn the MDP
those samples define, so the reference is ``soft_value_iteration`` on the empirical dynamics
P_hat (the counts / K). With discount 0.8 and temperature alpha = 0.5:

* discrete SQL (temperature 1, ``reward_scale = 1 / alpha``) learns Q / alpha: alpha times its
  Q must match Q* within 1% of max |Q*|, and its Boltzmann policy pi* within 0.02 in every
  probability;
* discrete SAC with alpha fixed at 0.5 must reach the same Q* (1%) and its categorical policy
  the soft-optimal policy pi* = exp((Q* - V*) / alpha) (0.02).

Training: 3,000 updates at learning rate 1e-3, then 2,000 at 1e-4 (the minibatch noise of a
constant rate leaves about 1-2% error; the lower rate removes it). Each test also checks that
its tolerance is discriminating: the hard-max (alpha -> 0) solution and the solution at
2 alpha are both further away than the tolerance.
"""
import numpy as np
import pytest

from softlearning_tf2.algorithms.discrete_sac import DiscreteSAC
from softlearning_tf2.algorithms.discrete_sql import DiscreteSQL
from softlearning_tf2.environments.utils import get_environment
from softlearning_tf2.inference import hard_value_iteration, soft_value_iteration
from softlearning_tf2.policies.categorical_policy import BoltzmannPolicy, CategoricalPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.value_functions.vanilla import (
    discrete_Q_function, double_discrete_Q_function)

SAMPLES_PER_PAIR = 20
DISCOUNT = 0.8
ALPHA = 0.5
HIDDEN = (64, 64)
Q_TOLERANCE = 0.01   # of max |Q*|
POLICY_TOLERANCE = 0.02  # in every probability
UPDATES = ((3000, 1e-3), (2000, 1e-4))


def tabular_pool(environment, seed=0):
    """K transitions of every (s, a) of the environment's MDP, and their empirical dynamics."""
    mdp = environment.unwrapped.mdp
    S, A = mdp.num_states, mdp.num_actions
    rng = np.random.default_rng(seed)
    states = np.repeat(np.arange(S), A * SAMPLES_PER_PAIR)
    actions = np.tile(np.repeat(np.arange(A), SAMPLES_PER_PAIR), S)
    next_states = np.array([rng.choice(S, p=mdp.transitions[s, a])
                            for s, a in zip(states, actions)])
    empirical = np.zeros((S, A, S))
    np.add.at(empirical, (states, actions, next_states), 1.0 / SAMPLES_PER_PAIR)
    pool = SimpleReplayPool((S,), (), len(states), seed=seed, action_dtype="int32")
    one_hot = np.eye(S, dtype=np.float32)
    pool.add_samples({"observations": one_hot[states], "actions": actions.astype(np.int32),
                      "rewards": mdp.rewards[states, actions].astype(np.float32),
                      "terminals": np.zeros(len(states), np.float32),
                      "next_observations": one_hot[next_states]})
    return pool, empirical


def train(algorithm):
    for count, learning_rate in UPDATES:
        for optimizer in algorithm.checkpointables()[1].values():
            optimizer.learning_rate = learning_rate
        for _ in range(count // 100):
            algorithm._do_training_repeats()  # 100 fused updates per call


def build(algorithm_class, environment, policy, Qs, pool, **config):
    sampler = SimpleSampler(max_path_length=100)
    sampler.initialize(environment, policy, pool, seed=0)
    return algorithm_class(
        training_environment=environment, evaluation_environment=environment, policy=policy,
        Qs=Qs, pool=pool, sampler=sampler, discount=DISCOUNT, tau=0.05, batch_size=256,
        n_train_repeat=100, **config)


def check_against_exact(Q, policy_probabilities, mdp, empirical):
    Q_star, _, pi_star = soft_value_iteration(empirical, mdp.rewards, DISCOUNT, ALPHA)
    scale = np.abs(Q_star).max()
    assert not np.allclose(empirical, mdp.transitions, atol=0.02)  # the samples matter
    Q_error = np.abs(Q - Q_star).max() / scale
    policy_error = np.abs(policy_probabilities - pi_star).max()
    assert Q_error < Q_TOLERANCE, (Q_error, policy_error)
    assert policy_error < POLICY_TOLERANCE, (Q_error, policy_error)
    # The tolerances tell the soft solution apart from its neighbours.
    Q_hard, _, _ = hard_value_iteration(empirical, mdp.rewards, DISCOUNT)
    Q_other, _, pi_other = soft_value_iteration(empirical, mdp.rewards, DISCOUNT, 2 * ALPHA)
    assert np.abs(Q - Q_hard).max() / scale > 3 * Q_TOLERANCE
    assert np.abs(Q - Q_other).max() / scale > 3 * Q_TOLERANCE
    assert np.abs(policy_probabilities - pi_other).max() > 3 * POLICY_TOLERANCE


@pytest.fixture
def tabular_environment():
    environment = get_environment("gymnasium", "TabularMDP", "Random-v0")
    yield environment
    environment.close()


def test_discrete_sql_converges_to_soft_value_iteration(tabular_environment):
    mdp = tabular_environment.unwrapped.mdp
    S, A = mdp.num_states, mdp.num_actions
    pool, empirical = tabular_pool(tabular_environment)
    Qs = (discrete_Q_function(S, A, HIDDEN, seed=1),)
    policy = BoltzmannPolicy(S, A, Qs, seed=0)
    # Temperature 1 with rewards scaled by 1 / alpha: Q_learned = Q*_alpha / alpha.
    sql = build(DiscreteSQL, tabular_environment, policy, Qs, pool, reward_scale=1.0 / ALPHA)
    train(sql)
    one_hot = np.eye(S, dtype=np.float32)
    check_against_exact(ALPHA * Qs[0](one_hot).numpy(), policy.probabilities(one_hot).numpy(),
                        mdp, empirical)


def test_discrete_sac_converges_to_the_soft_optimal_policy(tabular_environment):
    mdp = tabular_environment.unwrapped.mdp
    S, A = mdp.num_states, mdp.num_actions
    pool, empirical = tabular_pool(tabular_environment)
    Qs = double_discrete_Q_function(S, A, HIDDEN, seed=1)
    policy = CategoricalPolicy(S, A, HIDDEN, seed=0)
    sac = build(DiscreteSAC, tabular_environment, policy, Qs, pool, fixed_alpha=ALPHA)
    train(sac)
    one_hot = np.eye(S, dtype=np.float32)
    Q = np.min([Q(one_hot).numpy() for Q in Qs], axis=0)
    check_against_exact(Q, policy.probabilities(one_hot).numpy(), mdp, empirical)
