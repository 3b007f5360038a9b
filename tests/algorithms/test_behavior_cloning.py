"""Behaviour cloning's likelihood loss against numpy, and that it fits the data's actions."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.behavior_cloning import BehaviorCloning
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.environments.utils import get_environment
from tests.algorithms.test_sac import HIDDEN, fixed_batch
from tests.numpy_reference import policy_shift_and_std, tanh_gaussian_log_prob


def make_bc(**config):
    environment = get_environment("gymnasium", "Pendulum", "v1")
    policy = FeedforwardGaussianPolicy(3, 1, hidden_layer_sizes=HIDDEN, seed=0)
    pool = SimpleReplayPool((3,), (1,), 1000, seed=0)
    return BehaviorCloning(training_environment=environment,
                           evaluation_environment=environment, policy=policy, pool=pool,
                           sampler=None, max_path_length=200, batch_size=32, n_epochs=1,
                           epoch_length=10, **config)


def test_loss_is_the_negative_mean_log_likelihood_of_the_data_actions():
    bc = make_bc()
    batch = fixed_batch()
    shift, std = policy_shift_and_std(bc.policy.get_weights(), batch["observations"])
    pre_squash = np.arctanh(batch["actions"].astype(np.float64))
    expected = -np.mean(tanh_gaussian_log_prob(pre_squash, shift, std))
    diagnostics = bc._update(batch)
    np.testing.assert_allclose(diagnostics["bc_loss"].numpy(), expected, rtol=1e-4)


def test_saturated_actions_are_pulled_in_to_one_less_a_millionth():
    bc = make_bc()
    batch = fixed_batch()
    batch["actions"][:5] = 1.0
    batch["actions"][5:10] = -1.0
    shift, std = policy_shift_and_std(bc.policy.get_weights(), batch["observations"])
    bound = float(np.float32(1 - 1e-6))  # the clip happens in float32
    pulled = np.clip(batch["actions"].astype(np.float64), -bound, bound)
    expected = -np.mean(tanh_gaussian_log_prob(np.arctanh(pulled), shift, std))
    loss = bc._update(batch)["bc_loss"].numpy()
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, expected, rtol=2e-4)


def test_it_fits_a_deterministic_mapping():
    # The data's action is tanh(s_0 - s_1): the policy's mean action learns it.
    bc = make_bc(policy_lr=3e-3)
    rng = np.random.default_rng(0)
    observations = rng.normal(size=(512, 3)).astype(np.float32)
    actions = np.tanh(observations[:, :1] - observations[:, 1:2]).astype(np.float32) * 0.9
    batch = {"observations": observations, "actions": actions,
             "rewards": np.zeros(512, np.float32), "terminals": np.zeros(512, np.float32),
             "next_observations": observations}
    first = float(bc._update(batch)["action_mse"])
    for _ in range(300):
        last = float(bc._update(batch)["action_mse"])
    assert last < 0.1 * first and last < 0.01, (first, last)


def test_a_policy_without_weights_is_refused():
    from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy

    environment = get_environment("gymnasium", "Pendulum", "v1")
    with pytest.raises(ValueError, match="likelihood"):
        BehaviorCloning(training_environment=environment, evaluation_environment=environment,
                        policy=ContinuousUniformPolicy(3, 1, seed=0),
                        pool=SimpleReplayPool((3,), (1,), 10, seed=0), sampler=None,
                        max_path_length=200)
