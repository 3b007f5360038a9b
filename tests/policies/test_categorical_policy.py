"""Categorical policies: Gumbel-max samples follow the softmax, densities, the uniform
warm-up policy."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.policies.categorical_policy import CategoricalPolicy, DiscreteUniformPolicy
from tests.numpy_reference import log_softmax, mlp_forward


def test_samples_follow_the_softmax_of_the_logits():
    policy = CategoricalPolicy(3, 4, (16,), seed=0)
    for weight in policy.logits_model.weights[-1:]:  # a spread-out output bias
        weight.assign([1.0, 0.0, -1.0, 0.5])
    observation = np.array([[0.3, -0.2, 0.1]], np.float32)
    probabilities = np.exp(log_softmax(mlp_forward(policy.get_weights(), [observation])))[0]
    draws = 20_000
    actions = policy.actions(tf.repeat(observation, draws, axis=0)).numpy()
    assert actions.dtype == np.int32 and set(np.unique(actions)) <= {0, 1, 2, 3}
    frequencies = np.bincount(actions, minlength=4) / draws
    # 4 binomial standard errors at most (about 0.014 here).
    assert np.all(np.abs(frequencies - probabilities)
                  < 4 * np.sqrt(probabilities * (1 - probabilities) / draws)), \
        (frequencies, probabilities)
    np.testing.assert_allclose(policy.probabilities(observation).numpy()[0], probabilities,
                               rtol=1e-5)
    # TensorFlow's argmax against numpy's: the top two logits here are about 0.25 apart.
    assert policy.deterministic_actions(observation).numpy()[0] == probabilities.argmax()


def test_log_probs_distribution_and_acting_agree():
    policy = CategoricalPolicy(3, 4, (16,), seed=1)
    observations = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    actions = np.array([0, 3, 1, 2, 2], np.int32)
    expected = log_softmax(mlp_forward(policy.get_weights(), [observations]))[np.arange(5),
                                                                          actions]
    np.testing.assert_allclose(policy.log_probs(observations, actions).numpy(), expected,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        policy.action_distribution(observations).log_prob(actions).numpy(), expected,
        rtol=1e-5, atol=1e-6)
    assert 0 <= int(policy.action(observations[0])) < 4
    # TensorFlow's argmax against numpy's: the top two logits here are about 0.024 apart,
    # far beyond float32 rounding.
    greedy = np.argmax(mlp_forward(policy.get_weights(), [observations[:1]])[0])
    assert int(policy.action(observations[0], deterministic=True)) == greedy


def test_discrete_uniform_policy_is_uniform_and_resumable():
    policy = DiscreteUniformPolicy(2, 3, seed=4)
    first = [int(policy.action(np.zeros(2))) for _ in range(3000)]
    assert np.all(np.abs(np.bincount(first, minlength=3) / 3000 - 1 / 3) < 0.04)
    state = policy.state_dict()
    again = [int(policy.action(np.zeros(2))) for _ in range(10)]
    policy.load_state_dict(state)
    assert [int(policy.action(np.zeros(2))) for _ in range(10)] == again
    np.testing.assert_allclose(policy.log_probs(np.zeros((2, 2)), np.array([0, 2])).numpy(),
                               [-np.log(3)] * 2, rtol=1e-6)
