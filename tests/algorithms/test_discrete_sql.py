"""Discrete soft Q-learning: the exact soft value, the Q target and the Boltzmann policy."""
import numpy as np
import pytest

from softlearning_tf2.algorithms.discrete_sql import DiscreteSQL
from softlearning_tf2.environments.utils import get_environment
from softlearning_tf2.policies.categorical_policy import (
    BoltzmannPolicy, CategoricalPolicy, DiscreteUniformPolicy)
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.value_functions.vanilla import discrete_Q_function, double_discrete_Q_function
from tests.algorithms.test_discrete_sac import HIDDEN, discrete_batch
from tests.numpy_reference import log_softmax, mlp_forward


def make_discrete_sql(seed=0, double=False, policy=None, **config):
    environment = get_environment("gymnasium", "Acrobot", "v1")  # 6-d observations, 3 actions
    Qs = (double_discrete_Q_function(6, 3, HIDDEN, seed=seed + 1) if double
          else (discrete_Q_function(6, 3, HIDDEN, seed=seed + 1),))
    policy = BoltzmannPolicy(6, 3, Qs, seed=seed) if policy is None else policy
    pool = SimpleReplayPool((6,), (), 1000, seed=seed, action_dtype="int32")
    sampler = SimpleSampler(max_path_length=200)
    sampler.initialize(environment, policy, pool, seed=seed)
    config = {"batch_size": 32, "n_epochs": 1, "epoch_length": 10, **config}
    return DiscreteSQL(training_environment=environment, evaluation_environment=environment,
                       policy=policy, Qs=Qs, pool=pool, sampler=sampler,
                       initial_exploration_policy=DiscreteUniformPolicy(6, 3, seed=seed),
                       **config)


@pytest.mark.parametrize("double, reward_scale, discount", [
    (False, 1.0, 0.99), (True, 10.0, 0.9)])
def test_update_matches_numpy(double, reward_scale, discount):
    sql = make_discrete_sql(double=double, reward_scale=reward_scale, discount=discount,
                            tau=0.1)
    batch = discrete_batch()
    Q_weights = [Q.get_weights() for Q in sql.Qs]
    target_weights = [Q.get_weights() for Q in sql.Q_targets]

    diagnostics = {k: v.numpy() for k, v in sql._update(batch).items()}

    # Eq. 10 on a finite action set: V(s') = log sum_a' exp(min_i Qbar_i(s', a')), exactly.
    next_Q = np.min([mlp_forward(w, [batch["next_observations"]]) for w in target_weights], 0)
    peak = next_Q.max(-1)
    next_V = peak + np.log(np.sum(np.exp(next_Q - peak[:, None]), -1))
    target = reward_scale * batch["rewards"] + discount * (1 - batch["terminals"]) * next_V
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    rows = np.arange(32)
    for index, weights in enumerate(Q_weights):  # Eq. 11 at the stored actions
        Q_value = mlp_forward(weights, [batch["observations"]])[rows, batch["actions"]]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_value - target) ** 2), rtol=1e-4)
    for new, old, updated in zip([Q.get_weights() for Q in sql.Qs], target_weights,
                                 [Q.get_weights() for Q in sql.Q_targets]):
        for w_new, w_old, w_updated in zip(new, old, updated):
            np.testing.assert_allclose(w_updated, 0.1 * w_new + 0.9 * w_old, rtol=1e-5,
                                       atol=1e-7)
    # The policy is the Boltzmann policy of the updated Q: its entropy is reported.
    new_Q = np.min([mlp_forward(Q.get_weights(), [batch["observations"]]) for Q in sql.Qs], 0)
    log_pi = log_softmax(new_Q)
    np.testing.assert_allclose(diagnostics["entropy"],
                               -np.mean(np.sum(np.exp(log_pi) * log_pi, -1)), rtol=1e-4)


def test_boltzmann_policy_is_the_softmax_of_Q_over_the_temperature():
    Qs = double_discrete_Q_function(6, 3, HIDDEN, seed=3)
    policy = BoltzmannPolicy(6, 3, Qs, temperature=0.5, seed=0)
    observations = discrete_batch()["observations"]
    Q_min = np.min([mlp_forward(Q.get_weights(), [observations]) for Q in Qs], 0)
    np.testing.assert_allclose(policy.log_probabilities(observations).numpy(),
                               log_softmax(Q_min / 0.5), rtol=1e-4, atol=1e-5)
    # TensorFlow's argmax against numpy's float64 one: they could differ only where two Q
    # values tie within float32 rounding; the closest two here are about 9e-3 apart.
    top_two = np.sort(Q_min, -1)[:, -2:]
    assert np.min(top_two[:, 1] - top_two[:, 0]) > 1e-4
    np.testing.assert_array_equal(policy.deterministic_actions(observations).numpy(),
                                  Q_min.argmax(-1))
    # Its weights are the Q functions', in order, and setting them sets the Qs.
    assert len(policy.get_weights()) == 2 * len(Qs[0].get_weights())
    zeros = [np.zeros_like(weight) for weight in policy.get_weights()]
    policy.set_weights(zeros)
    assert not np.any(Qs[1].get_weights()[0])
    with pytest.raises(ValueError, match="takes 12 weight arrays"):
        policy.set_weights(zeros[:3])


def test_has_no_policy_optimizer_and_needs_the_boltzmann_policy_of_its_Qs():
    sql = make_discrete_sql()
    _, optimizers, _ = sql.checkpointables()
    assert set(optimizers) == {"Q_0"}
    with pytest.raises(ValueError, match="policy_params.class_name must be BoltzmannPolicy"):
        make_discrete_sql(policy=CategoricalPolicy(6, 3, HIDDEN, seed=0))
