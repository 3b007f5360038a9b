"""VectorSampler and EnvironmentBatch: N environments, one policy call per round."""
import gymnasium
import numpy as np
import pytest

from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.policies.uniform_policy import ContinuousUniformPolicy
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.samplers.environment_batch import EnvironmentBatch
from softlearning_tf2.samplers.vector_sampler import VectorSampler

PENDULUM = {"universe": "gymnasium", "domain": "Pendulum", "task": "v1", "kwargs": {}}
VARIANT = {"environment_params": {"training": PENDULUM}}


def vector_run(steps, num_envs, max_path_length, mode="sync", seed=3):
    pool = SimpleReplayPool((3,), (1,), 10_000)
    policy = ContinuousUniformPolicy(3, 1, seed=0)
    sampler = VectorSampler(max_path_length, num_envs=num_envs, vectorization_mode=mode)
    sampler.initialize(None, policy, pool, seed=seed, variant=VARIANT)
    for _ in range(steps):
        sampler.sample()
    sampler.close()
    return sampler, pool


def test_rounds_land_in_the_pool_environment_by_environment():
    num_envs, max_path_length, steps = 4, 30, 4 * 31
    sampler, pool = vector_run(steps, num_envs, max_path_length)
    assert sampler.total_samples == pool.size == steps
    assert pool.fields["observations"][:steps].shape == (steps, 3)
    assert pool.fields["actions"][:steps].shape == (steps, 1)
    # Every environment finished one path of max_path_length steps (a truncation: no terminal).
    assert sampler.episodes == num_envs and sampler.last_path_length == max_path_length
    assert pool.fields["terminals"][:steps].sum() == 0
    observations = pool.fields["observations"][:steps].reshape(31, num_envs, 3)
    next_observations = pool.fields["next_observations"][:steps].reshape(31, num_envs, 3)
    # Within a path each environment's transitions chain; the 31st starts from a reset.
    np.testing.assert_array_equal(observations[1:30], next_observations[:29])
    assert not np.allclose(observations[30], next_observations[29])


def test_environment_i_is_seeded_with_seed_plus_i():
    _, pool = vector_run(3, 3, 200, seed=11)
    for index in range(3):
        environment = gymnasium.make("Pendulum-v1")
        first, _ = environment.reset(seed=11 + index)
        np.testing.assert_allclose(pool.fields["observations"][index], first, rtol=1e-6)


def test_async_vector_environments_give_the_sync_transitions():
    _, sync_pool = vector_run(2 * 25, 2, 20, mode="sync")
    _, async_pool = vector_run(2 * 25, 2, 20, mode="async")
    # The same numpy Pendulum steps (in worker processes for async) on this policy's actions.
    for name in ("observations", "actions", "rewards", "next_observations"):
        np.testing.assert_array_equal(sync_pool.fields[name][:50], async_pool.fields[name][:50])


def test_a_terminated_path_stores_its_final_observation_and_a_terminal():
    # Hopper-v5 terminates when it falls (under uniform actions within a few dozen steps).
    batch = EnvironmentBatch({"universe": "gymnasium", "domain": "Hopper", "task": "v5",
                              "kwargs": {}}, 2, 1000, seed=0)
    rng = np.random.default_rng(0)
    rows, ends = batch.collect(lambda observations: rng.uniform(-1, 1, (2, 3)), 200)
    batch.close()
    assert ends, "no Hopper path ended in 200 uniform steps"
    for row, path_return, length, _ in ends:
        assert rows[row]["terminals"] == 1.0 and length < 1000
        # The stored next observation is the fallen state, not the next path's reset.
        assert not np.allclose(rows[row]["next_observations"], rows[row + 2]["observations"])
    first_end, _, length, _ = ends[0]
    environment = first_end % 2  # rows alternate between the two environments
    path_rewards = [rows[index]["rewards"] for index in range(environment, first_end + 1, 2)]
    assert len(path_rewards) == length
    assert ends[0][1] == pytest.approx(sum(path_rewards))


def test_bad_configurations_are_named():
    with pytest.raises(ValueError, match="vectorization_mode 'threads'"):
        EnvironmentBatch(PENDULUM, 2, 10, mode="threads")
    with pytest.raises(ValueError, match="integer >= 1, got 0"):
        EnvironmentBatch(PENDULUM, 0, 10)
    sampler = VectorSampler(10, num_envs=2)
    with pytest.raises(ValueError, match="pass variant="):
        sampler.initialize(None, None, None)


def test_hindsight_pools_are_refused():
    experiment_error = None
    try:
        Experiment.from_defaults("SAC", "GoalPoint", seed=0,
                                 overrides={"sampler_params.class_name": "VectorSampler"})
    except ValueError as error:
        experiment_error = str(error)
    assert experiment_error and "HindsightExperienceReplayPool" in experiment_error


def test_sac_trains_with_a_vector_sampler_and_restores(tmp_path):
    experiment = Experiment.from_defaults(
        "SAC", "Pendulum", seed=0, overrides={"sampler_params.class_name": "VectorSampler"},
        n_epochs=2, epoch_length=120, n_initial_exploration_steps=100, min_pool_size=100,
        batch_size=32)
    diagnostics = experiment.train_epoch()
    assert diagnostics["timestep"] == 120 and diagnostics["train-steps"] == 21
    experiment.save(str(tmp_path / "checkpoint"))
    restored = Experiment(experiment.variant)
    restored.restore(str(tmp_path / "checkpoint"))
    assert restored.sampler.total_samples == 120 and restored.pool.size == 120
    diagnostics = restored.train_epoch()  # new episodes in every environment
    assert diagnostics["timestep"] == 240 and diagnostics["train-steps"] == 141
    experiment.close()
    restored.close()


@pytest.mark.integration
def test_the_fused_call_stores_and_trains_as_the_separate_calls_do():
    """With a vector sampler the compiled step call stores and trains (never acts): the same
    updates as separate calls on the same pool."""
    results = []
    for fuse in (True, False):
        experiment = Experiment.from_defaults(
            "SAC", "Pendulum", seed=0, n_epochs=1, epoch_length=150,
            n_initial_exploration_steps=60, min_pool_size=60, batch_size=32,
            overrides={"sampler_params.class_name": "VectorSampler",
                       "algorithm_params.config.fuse_environment_steps": fuse})
        assert experiment.algorithm._fuse_environment_steps == fuse
        experiment.train_epoch()
        results.append((experiment.policy.get_weights(),
                        experiment.pool.last_n_batch(150), experiment.algorithm.num_train_steps))
        experiment.close()
    (fused_weights, fused_pool, fused_updates), (weights, pool, updates) = results
    assert fused_updates == updates == 91
    # The same updates on the same batches and shapes in one process: bit for bit.
    for a, b in zip(fused_weights, weights):
        np.testing.assert_array_equal(a, b)
    for name in ("observations", "actions", "rewards"):
        np.testing.assert_array_equal(fused_pool[name], pool[name])
