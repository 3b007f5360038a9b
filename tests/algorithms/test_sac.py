"""SAC's losses and steps against an independent numpy re-computation (arXiv:1812.05905)."""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.environments.utils import get_environment
from softlearning_tf2.policies.gaussian_policy import FeedforwardGaussianPolicy
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.simple_sampler import SimpleSampler
from softlearning_tf2.value_functions.vanilla import (
    double_feedforward_Q_function, feedforward_V_function)
from tests.numpy_reference import mlp_forward, policy_shift_and_std, tanh_gaussian_log_prob

HIDDEN = (16, 16)


def make_sac(seed=0, algorithm_class=SAC, pool_class=SimpleReplayPool,
             policy_class=FeedforwardGaussianPolicy, Q_functions=None,
             environment=("Pendulum", "v1"), **config):
    """An algorithm of the SAC family on Pendulum (or ``environment``'s domain and task) with
    16x16 networks; ``Q_functions(observation_size, action_size, seed)`` builds other
    critics than SAC's twins."""
    environment = get_environment("gymnasium", *environment)
    observation_size = environment.observation_space.shape[0]
    action_size = environment.action_space.shape[0]
    policy = policy_class(observation_size, action_size, hidden_layer_sizes=HIDDEN, seed=seed)
    Qs = (Q_functions or (lambda observation_size, action_size, seed:
                          double_feedforward_Q_function(observation_size, action_size, HIDDEN,
                                                        seed=seed)))(
        observation_size, action_size, seed + 1)
    pool = pool_class((observation_size,), (action_size,), 1000, seed=seed)
    sampler = SimpleSampler(max_path_length=200)
    exploration = ContinuousUniformPolicy(observation_size, action_size, seed=seed)
    sampler.initialize(environment, policy, pool, seed=seed)
    config = {"batch_size": 32, "n_epochs": 1, "epoch_length": 10, **config}
    if algorithm_class.__name__ == "SACV":
        config["V"] = feedforward_V_function(observation_size, HIDDEN, seed=seed + 2)
    return algorithm_class(training_environment=environment, evaluation_environment=environment,
                           policy=policy, Qs=Qs, pool=pool, sampler=sampler,
                           initial_exploration_policy=exploration, **config)


def fixed_batch(batch_size=32, seed=1, terminals=None, observation_size=3, action_size=1):
    """A batch of Pendulum's shapes (or others: MultiGoal's are 2 and 2)."""
    rng = np.random.default_rng(seed)
    batch = {
        "observations": rng.normal(size=(batch_size, observation_size)).astype(np.float32),
        "actions": rng.uniform(-1, 1, size=(batch_size, action_size)).astype(np.float32),
        "rewards": rng.normal(size=batch_size).astype(np.float32),
        "terminals": (rng.uniform(size=batch_size) < 0.3).astype(np.float32),
        "next_observations": rng.normal(size=(batch_size, observation_size)).astype(
            np.float32),
    }
    if terminals is not None:
        batch["terminals"] = np.asarray(terminals, np.float32)
    return batch


def noise_replica(policy):
    """A copy of the policy's noise generator: it draws the noise the next update will draw."""
    return tf.random.Generator.from_state(policy.noise_generator.state.numpy(),
                                          policy.noise_generator.algorithm)


def update_and_its_inputs(algorithm, batch):
    """Runs one ``_update`` of a SAC-family algorithm on ``batch``. Returns what the update
    started from (the policy's, Q functions' and targets' weights, alpha, and the two noise
    draws it makes: next observations first, then observations, float64) and its diagnostics
    (numpy)."""
    shape = (len(batch["observations"]), batch["actions"].shape[1])
    generator = noise_replica(algorithm.policy)
    start = {"policy": algorithm.policy.get_weights(),
             "Qs": [Q.get_weights() for Q in algorithm.Qs],
             "targets": [Q.get_weights() for Q in algorithm.Q_targets],
             "alpha": np.exp(float(algorithm._temperature.log_alpha.numpy())),
             "next_noise": generator.normal(shape).numpy().astype(np.float64),
             "noise": generator.normal(shape).numpy().astype(np.float64)}
    diagnostics = {key: value.numpy() for key, value in algorithm._update(batch).items()}
    return start, diagnostics


def numpy_policy_sample(policy_weights, observations, noise):
    shift, std = policy_shift_and_std(policy_weights, observations)
    pre_squash = shift + std * noise
    return np.tanh(pre_squash), tanh_gaussian_log_prob(pre_squash, shift, std)


@pytest.mark.parametrize("reward_scale, discount", [(1.0, 0.99), (5.0, 0.9)])
def test_update_matches_numpy(reward_scale, discount):
    sac = make_sac(reward_scale=reward_scale, discount=discount, tau=0.05, initial_alpha=0.3)
    batch = fixed_batch()
    policy_weights = sac.policy.get_weights()
    Q_weights = [Q.get_weights() for Q in sac.Qs]
    target_weights = [Q.get_weights() for Q in sac.Q_targets]
    log_alpha = float(sac._temperature.log_alpha.numpy())
    alpha = np.exp(log_alpha)
    # The same noise the update will draw: next observations first, then observations.
    generator = noise_replica(sac.policy)
    next_noise = generator.normal((32, 1)).numpy().astype(np.float64)
    noise = generator.normal((32, 1)).numpy().astype(np.float64)

    diagnostics = {k: v.numpy() for k, v in sac._update(batch).items()}

    # Soft Q target (Eq. 3) with clipped double-Q targets.
    next_actions, next_log_probs = numpy_policy_sample(
        policy_weights, batch["next_observations"], next_noise)
    next_Q = np.minimum(*[mlp_forward(w, [batch["next_observations"], next_actions])[:, 0]
                          for w in target_weights])
    target = (reward_scale * batch["rewards"]
              + discount * (1 - batch["terminals"]) * (next_Q - alpha * next_log_probs))
    np.testing.assert_allclose(diagnostics["Q_target-mean"], target.mean(), rtol=1e-4)
    # Soft Q losses (Eq. 5), before the Q step.
    for index, weights in enumerate(Q_weights):
        Q_value = mlp_forward(weights, [batch["observations"], batch["actions"]])[:, 0]
        np.testing.assert_allclose(diagnostics[f"Q_{index}_loss"],
                                   0.5 * np.mean((Q_value - target) ** 2), rtol=1e-4)
    # Policy loss (Eq. 7) with the Q functions after their step, as in Algorithm 1.
    new_Q_weights = [Q.get_weights() for Q in sac.Qs]
    actions, log_probs = numpy_policy_sample(policy_weights, batch["observations"], noise)
    Q_min = np.minimum(*[mlp_forward(w, [batch["observations"], actions])[:, 0]
                         for w in new_Q_weights])
    np.testing.assert_allclose(diagnostics["policy_loss"],
                               np.mean(alpha * log_probs - Q_min), rtol=1e-4, atol=1e-5)
    # Temperature loss (Eq. 18) on log alpha with target entropy -|A| = -1.
    expected_alpha_loss = -np.mean(log_alpha * (log_probs - 1.0))
    np.testing.assert_allclose(diagnostics["alpha_loss"], expected_alpha_loss, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(diagnostics["entropy"], -log_probs.mean(), rtol=1e-4)
    # Polyak targets from the new Q weights.
    for new, old, updated in zip(new_Q_weights, target_weights,
                                 [Q.get_weights() for Q in sac.Q_targets]):
        for w_new, w_old, w_updated in zip(new, old, updated):
            np.testing.assert_allclose(w_updated, 0.05 * w_new + 0.95 * w_old, rtol=1e-5,
                                       atol=1e-7)
    # Every network really moved.
    assert any(not np.allclose(a, b) for a, b in zip(policy_weights, sac.policy.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(Q_weights[0], new_Q_weights[0]))


@pytest.mark.parametrize("target_entropy, direction", [(-5.0, -1), (5.0, +1)])
def test_alpha_step_direction(target_entropy, direction):
    # A 1-D policy with log-scale near 0 has entropy around 1: far above -5 (alpha should
    # fall) and far below +5 (alpha should rise).
    sac = make_sac(target_entropy=target_entropy, initial_alpha=1.0)
    before = sac.alpha
    for _ in range(3):
        sac._update(fixed_batch())
    assert np.sign(sac.alpha - before) == direction


def test_fixed_alpha_stays_fixed():
    sac = make_sac(fixed_alpha=0.2)
    diagnostics = sac._update(fixed_batch())
    assert diagnostics["alpha_loss"].numpy() == 0.0
    np.testing.assert_allclose(sac.alpha, 0.2, rtol=1e-6)


def test_terminal_transitions_do_not_bootstrap():
    # Rewards zero: the target is discount * soft value for non-terminals, exactly 0 for
    # terminals, whatever the networks say.
    sac = make_sac(reward_scale=1.0)
    batch = fixed_batch(terminals=[1.0] * 16 + [0.0] * 16)
    batch["rewards"][:] = 0.0
    target = sac._soft_Q_target({k: tf.constant(v) for k, v in batch.items()},
                                tf.constant(1.0)).numpy()
    assert np.all(target[:16] == 0.0)
    assert np.all(target[16:] != 0.0)


def test_target_update_interval():
    sac = make_sac(tau=1.0, target_update_interval=2)
    sac._update(fixed_batch())
    Q_weights = sac.Qs[0].get_weights()
    assert not all(np.allclose(a, b) for a, b in zip(Q_weights, sac.Q_targets[0].get_weights()))
    sac._update(fixed_batch())
    # tau = 1: 1 * w + 0 * w_target is w, bit for bit.
    for a, b in zip(sac.Qs[0].get_weights(), sac.Q_targets[0].get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, value", [("tau", 0.0), ("tau", 1.5), ("discount", 1.0),
                                         ("discount", -0.1), ("batch_size", 0),
                                         ("policy_lr", -1.0)])
def test_bad_hyperparameters_are_clear_errors(name, value):
    with pytest.raises(ValueError, match=name):
        make_sac(**{name: value})


@pytest.mark.integration  # trains through the loop
def test_train_epoch_reports_diagnostics():
    sac = make_sac(epoch_length=60, n_initial_exploration_steps=40, min_pool_size=40,
                   eval_n_episodes=1)
    diagnostics = sac.train_epoch()
    assert diagnostics["timestep"] == 60
    assert diagnostics["train-steps"] == 21  # steps 40..60 inclusive of the 40th sample
    for key in ("evaluation/episode-reward-mean", "algorithm/Q_0_loss",
                "algorithm/policy_loss", "algorithm/alpha", "algorithm/alpha_loss",
                "algorithm/entropy", "algorithm/policy/entropy-mean"):
        assert np.isfinite(diagnostics[key]), key
    assert sac.done


@pytest.mark.integration  # trains through the loop
def test_nonfinite_loss_stops_training_naming_the_loss_and_step():
    sac = make_sac(epoch_length=40, n_initial_exploration_steps=0, min_pool_size=32)
    sac.train_steps(33)  # 2 updates
    assert sac.num_train_steps == 2
    sac.pool.fields["rewards"][:sac.pool.size] = np.nan
    with pytest.raises(FloatingPointError, match=r"became NaN or infinite at update step 3"):
        sac.train_steps(1)


@pytest.mark.integration  # trains through the loop
def test_stress_saturated_policy_huge_rewards_stay_finite():
    sac = make_sac(reward_scale=100.0, initial_alpha=1e-3)
    # Push the policy's mean far into tanh's saturation.
    weights = sac.policy.get_weights()
    weights[-1][0] = 50.0
    sac.policy.set_weights(weights)
    batch = fixed_batch()
    batch["rewards"] = np.full(32, 1e6, np.float32)
    batch["actions"] = np.sign(batch["actions"])  # actions exactly at the bounds
    for _ in range(3):
        diagnostics = sac._update(batch)
    assert all(np.isfinite(value.numpy()) for value in diagnostics.values())
    assert sac.alpha > 0.0
    log_probs = sac.policy.log_probs(tf.constant(batch["observations"]),
                                     tf.constant(batch["actions"]))
    assert np.all(np.isfinite(log_probs.numpy()))
