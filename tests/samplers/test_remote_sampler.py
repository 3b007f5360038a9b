"""RemoteSampler: workers on Ray (the tests' local Ray, 2 CPUs on 127.0.0.1)."""
import os
import signal
import time

import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.experiments.experiment import Experiment

pytestmark = pytest.mark.integration

SMALL = dict(n_epochs=2, epoch_length=100, n_initial_exploration_steps=60, min_pool_size=60,
             batch_size=32, final_eval_n_episodes=1)


def remote_experiment(num_workers=2, asynchronous=False, **sampler_config):
    overrides = {"sampler_params.class_name": "RemoteSampler",
                 "sampler_params.config.num_workers": num_workers,
                 "sampler_params.config.asynchronous": asynchronous,
                 "sampler_params.config.worker_cpus": 0.5,
                 "policy_params.config.hidden_layer_sizes": [32, 32],
                 "Q_params.config.hidden_layer_sizes": [32, 32]}
    overrides.update({f"sampler_params.config.{name}": value
                      for name, value in sampler_config.items()})
    return Experiment.from_defaults("SAC", "Pendulum", seed=0, overrides=overrides, **SMALL)


@pytest.mark.parametrize("asynchronous, envs_per_worker", [(False, 1), (True, 2)])
def test_worker_transitions_land_in_the_pool(local_ray, asynchronous, envs_per_worker):
    experiment = remote_experiment(asynchronous=asynchronous, steps_per_request=7,
                                   envs_per_worker=envs_per_worker)
    try:
        diagnostics = experiment.train_epoch()
        assert diagnostics["timestep"] == 100 and experiment.pool.size == 100
        assert diagnostics["train-steps"] == 41  # one update per step from the 60th on
        fields = experiment.pool.last_n_batch(100)
        assert fields["observations"].shape == (100, 3) and fields["actions"].shape == (100, 1)
        assert np.all(np.abs(fields["actions"]) <= 1.0)
        # Each worker's environments have their own seeds: the first observations differ.
        reply = 7 * envs_per_worker
        firsts = fields["observations"][[0, reply] + list(range(1, envs_per_worker))]
        assert len({tuple(row) for row in firsts.round(6)}) == len(firsts)
        assert diagnostics["training/workers"] == 2
        assert diagnostics["training/transitions-lost"] == 0
        assert diagnostics["training/weight-pushes"] >= 100 // (14 * envs_per_worker)
    finally:
        experiment.close()


def test_weights_reach_the_workers(local_ray):
    import ray
    experiment = remote_experiment(num_workers=1, steps_per_request=5)
    try:
        sampler, policy = experiment.sampler, experiment.policy
        for _ in range(5):
            sampler.sample()  # starts the worker; pushes the initial weights
        worker = sampler.workers[0]
        # The learner's weights change (as an update would change them)...
        rng = np.random.default_rng(0)
        policy.set_weights([weight + rng.normal(0, 0.3, weight.shape).astype(weight.dtype)
                            for weight in policy.get_weights()])
        observations = rng.normal(size=(4, 3)).astype(np.float32)
        noise = rng.normal(size=(4, 1)).astype(np.float32)
        learner_actions = np.asarray(policy.actions_from_noise(tf.constant(observations),
                                                               tf.constant(noise)))
        before = ray.get(worker.actions_from_noise.remote(observations, noise))
        assert not np.allclose(before, learner_actions, atol=1e-4)  # not pushed yet
        for _ in range(5):
            sampler.sample()  # the next request carries the new weights
        after = ray.get(worker.actions_from_noise.remote(observations, noise))
        np.testing.assert_allclose(after, learner_actions, rtol=1e-5, atol=1e-6)
    finally:
        experiment.close()


def test_a_worker_killed_mid_run_is_replaced_and_the_run_finishes(local_ray):
    import ray
    experiment = remote_experiment(num_workers=2, steps_per_request=5, worker_timeout=30.0)
    try:
        experiment.train_epoch()
        victim = ray.get(experiment.sampler.workers[0].pid.remote())
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.5)
        diagnostics = experiment.train_epoch()
        assert experiment.algorithm.done
        assert diagnostics["timestep"] == 2 * SMALL["epoch_length"]
        assert experiment.pool.size == 200
        assert diagnostics["training/workers-replaced"] == 1
        # The dead worker's request (5 steps) never came back.
        assert diagnostics["training/transitions-lost"] == 5
        new_pid = ray.get(experiment.sampler.workers[0].pid.remote())
        assert new_pid != victim
    finally:
        experiment.close()


def test_restore_starts_new_workers_and_goes_on(local_ray, tmp_path):
    experiment = remote_experiment(num_workers=1)
    try:
        experiment.train_epoch()
        experiment.save(str(tmp_path / "checkpoint"))
    finally:
        experiment.close()
    restored = Experiment(experiment.variant)
    try:
        restored.restore(str(tmp_path / "checkpoint"))
        assert restored.sampler.total_samples == 100 and not restored.sampler.workers
        diagnostics = restored.train_epoch()
        assert diagnostics["timestep"] == 200 and restored.pool.size == 200
        assert diagnostics["training/workers-replaced"] == 0
    finally:
        restored.close()


def test_synchronous_runs_repeat_for_a_seed(local_ray):
    pools = []
    for _ in range(2):
        experiment = remote_experiment(num_workers=2, steps_per_request=3)
        try:
            experiment.train_epoch()
            pools.append(experiment.pool.last_n_batch(100))
        finally:
            experiment.close()
    # One seed twice, the same workers' computations on the same weights: bit for bit.
    for name in ("observations", "actions", "rewards", "next_observations"):
        np.testing.assert_array_equal(pools[0][name], pools[1][name])
