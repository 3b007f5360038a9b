"""Sampler actors on Ray: N workers, each with its own environment(s) and a copy of the policy.

The learner (``RemoteSampler``, in the trial's process) asks each worker for
``steps_per_request`` rounds of its environments, with the policy's newest weights attached
(put in the object store once per push, every ``weights_push_interval`` environment steps the
learner took in, which with one update per step is that many updates). The replies' transitions
go to the pool one per ``sample`` call, so the algorithm's ratio of updates to environment steps
stays what the variant says.

- ``asynchronous=False`` (synchronous): the learner asks every worker, waits for all replies,
  then trains on them; the workers wait while it trains.
- ``asynchronous=True``: every worker always has one request in flight, so collection runs
  beside the updates (in other processes, on other cores). Back-pressure: one outstanding
  request per worker, and the learner takes in one transition per environment step of its
  loop, so workers never run ahead by more than one request each. The transitions of a reply
  were acted with weights up to one request older than a synchronous run's.

A worker that dies (its process killed, its node lost) or does not answer within
``worker_timeout`` seconds is replaced by a new actor (a new seed of the same worker index) and
the trial goes on; the transitions it was asked for and never returned are counted in
``transitions-lost`` (``workers-replaced`` counts the replacements).
"""
import numpy as np

from softlearning_tf2.samplers.environment_batch import VECTORIZATION_MODES, EnvironmentBatch
from softlearning_tf2.samplers.vector_sampler import BufferedSampler, refuse_episode_pools

LOOPBACK = "127.0.0.1"


def worker_seed(seed, worker_index, generation):
    """The environment and policy seed of a worker (its ``generation``-th replacement)."""
    return int(np.random.SeedSequence([int(seed), 17, worker_index, generation])
               .generate_state(1)[0] % (2 ** 31))


class SamplerWorker:
    """The actor: builds its environments and policies from the variant (plain data), acts
    with the weights it is sent. Runs as ``ray.remote(SamplerWorker)``."""

    def __init__(self, variant, seed, num_envs, vectorization_mode, max_path_length):
        import os

        from softlearning_tf2.utils.runtime import configure_tensorflow_threads
        from softlearning_tf2.environments.utils import get_environment_from_params
        from softlearning_tf2.policies.utils import (
            get_exploration_policy_from_variant, get_policy_from_variant)

        configure_tensorflow_threads({"tf_intra_op_threads": 1, "tf_inter_op_threads": 1})
        environment = get_environment_from_params(variant["environment_params"]["training"])
        self.policy = get_policy_from_variant(variant, environment, seed=seed)
        self.exploration_policy = get_exploration_policy_from_variant(variant, environment,
                                                                      seed=seed)
        environment.close()
        self.environments = EnvironmentBatch(variant["environment_params"]["training"],
                                             num_envs, max_path_length, vectorization_mode,
                                             seed=seed)
        self.process_id = os.getpid()

    def collect(self, num_rounds, explore, weights):
        if weights is not None:
            self.policy.set_weights(weights)
        acting = self.exploration_policy if explore else self.policy
        return self.environments.collect(acting.batch_actions, num_rounds)

    def actions_from_noise(self, observations, noise, weights=None):
        """The worker's policy's actions for given observations and noise (tests)."""
        if weights is not None:
            self.policy.set_weights(weights)
        return np.asarray(self.policy.actions_from_noise(observations, noise))

    def pid(self):
        return self.process_id

    def node(self):
        import ray
        return ray.get_runtime_context().get_node_id()


class RemoteSampler(BufferedSampler):
    """Experience from ``num_workers`` Ray actors (see the module docstring)."""

    def __init__(self, max_path_length, num_workers=2, envs_per_worker=1,
                 vectorization_mode="sync", steps_per_request=10, asynchronous=False,
                 weights_push_interval=1, worker_cpus=1.0, worker_timeout=60.0,
                 statistics_window=100):
        super().__init__(max_path_length, statistics_window)
        check_remote_sampler_config(num_workers=num_workers, envs_per_worker=envs_per_worker,
                                    vectorization_mode=vectorization_mode,
                                    asynchronous=asynchronous,
                                    steps_per_request=steps_per_request,
                                    weights_push_interval=weights_push_interval,
                                    worker_cpus=worker_cpus, worker_timeout=worker_timeout)
        self.num_workers = num_workers
        self.envs_per_worker = envs_per_worker
        self.vectorization_mode = vectorization_mode
        self.steps_per_request = steps_per_request
        self.asynchronous = bool(asynchronous)
        self.weights_push_interval = weights_push_interval
        self.worker_cpus = float(worker_cpus)
        self.worker_timeout = float(worker_timeout)
        self.workers = []
        self._generations = []
        self._in_flight = {}  # object ref -> worker index
        self._variant = None
        self._seed = 0
        self._weights_ref = None
        self._pushed_at = None  # total_samples at the last push
        self._started_ray = False
        self.workers_replaced = 0
        self.transitions_lost = 0
        self.weight_pushes = 0
        self.workers_elsewhere = 0  # workers on another node than the learner's

    # -- Set-up ----------------------------------------------------------------------------
    def initialize(self, environment, policy, pool, seed=None, variant=None):
        if variant is None:
            raise ValueError("RemoteSampler builds its workers from the variant: pass variant=")
        refuse_episode_pools(pool, "RemoteSampler")
        if hasattr(environment.observation_space, "spaces"):
            raise ValueError("RemoteSampler acts on flat observations; dict observations "
                             "need sampler_params.class_name=SimpleSampler or VectorSampler")
        self.policy, self.pool = policy, pool
        self._variant = variant
        self._seed = 0 if seed is None else int(seed)

    def _start_workers(self):
        import sys
        if "ray" not in sys.modules:  # Ray reads its address settings when first imported
            from softlearning_tf2.utils.runtime import configure_local_ray_environment
            configure_local_ray_environment()
        import ray
        from ray.exceptions import GetTimeoutError
        if not ray.is_initialized():  # the Python API outside Tune: a Ray of our own
            ray.init(address="local", num_cpus=max(2, int(np.ceil(
                         1 + self.num_workers * self.worker_cpus))),
                     include_dashboard=False, _node_ip_address=LOOPBACK,
                     logging_level="WARNING", log_to_driver=False)
            self._started_ray = True
        self._generations = [0] * self.num_workers
        self.workers = [self._new_worker(index) for index in range(self.num_workers)]
        here = ray.get_runtime_context().get_node_id()
        try:
            nodes = ray.get([worker.node.remote() for worker in self.workers],
                            timeout=self.worker_timeout)
        except GetTimeoutError:
            raise RuntimeError(
                f"RemoteSampler: {self.num_workers} workers did not start within "
                f"worker_timeout={self.worker_timeout:g} s; each needs worker_cpus="
                f"{self.worker_cpus:g} CPUs free on the Ray cluster") from None
        self.workers_elsewhere = sum(node != here for node in nodes)

    def _new_worker(self, index):
        import ray
        actor_class = ray.remote(SamplerWorker)
        return actor_class.options(num_cpus=self.worker_cpus, max_restarts=0).remote(
            self._variant, worker_seed(self._seed, index, self._generations[index]),
            self.envs_per_worker, self.vectorization_mode, self.max_path_length)

    def _replace_worker(self, index, lost):
        import ray
        ray.kill(self.workers[index], no_restart=True)
        self._generations[index] += 1
        self.workers[index] = self._new_worker(index)
        self.workers_replaced += 1
        self.transitions_lost += lost

    # -- Requests --------------------------------------------------------------------------
    def _weights_for_request(self):
        import ray
        due = (self._pushed_at is None
               or self.total_samples - self._pushed_at >= self.weights_push_interval)
        if due:
            self._weights_ref = ray.put(self.policy.get_weights())
            self._pushed_at = self.total_samples
            self.weight_pushes += 1
        return self._weights_ref

    def _submit(self, index, explore):
        reference = self.workers[index].collect.remote(self.steps_per_request, explore,
                                                       self._weights_for_request())
        self._in_flight[reference] = index

    def _refill(self, explore):
        if not self.workers:
            self._start_workers()
        busy = set(self._in_flight.values())
        for index in range(self.num_workers):
            if index not in busy:
                self._submit(index, explore)
        wait_for_all = not self.asynchronous
        while True:
            replies = self._gather(wait_for_all)
            if wait_for_all:  # in worker order, not arrival order: repeatable
                replies.sort(key=lambda index_and_reply: index_and_reply[0])
            for index, reply in replies:
                self._extend(*reply)
                if self.asynchronous:
                    self._submit(index, explore)
            if self._buffer:
                return
            for index in range(self.num_workers):  # every request failed: ask again
                if index not in set(self._in_flight.values()):
                    self._submit(index, explore)

    def _gather(self, wait_for_all):
        """Replies of the requests in flight: all of them, or (asynchronous) those ready, at
        least one. A request without a reply within ``worker_timeout`` seconds, or whose
        worker died, replaces its worker."""
        import ray

        replies = []
        while self._in_flight:
            ready, _ = ray.wait(list(self._in_flight), num_returns=1,
                                timeout=self.worker_timeout)
            if not ready:  # nobody answered in time: replace every silent worker
                for reference, index in list(self._in_flight.items()):
                    del self._in_flight[reference]
                    self._replace_worker(index, self._request_size)
                break
            self._take(ready, replies)
            if not wait_for_all and replies:
                if self._in_flight:  # everything else that is already there
                    ready, _ = ray.wait(list(self._in_flight),
                                        num_returns=len(self._in_flight), timeout=0)
                    self._take(ready, replies)
                break
        return replies

    @property
    def _request_size(self):
        """Transitions one request asks a worker for."""
        return self.steps_per_request * self.envs_per_worker

    def _take(self, ready, replies):
        """Appends (worker index, reply) of each ready request; a dead worker is replaced."""
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError
        for reference in ready:
            index = self._in_flight.pop(reference)
            try:
                replies.append((index, ray.get(reference, timeout=self.worker_timeout)))
            except (RayActorError, GetTimeoutError):
                self._replace_worker(index, self._request_size)

    # -- Reporting, checkpoints, shutdown ----------------------------------------------------
    def extra_diagnostics(self):
        return {"workers": self.num_workers, "workers-on-other-nodes": self.workers_elsewhere,
                "workers-replaced": self.workers_replaced,
                "transitions-lost": self.transitions_lost, "weight-pushes": self.weight_pushes}

    def state_dict(self):
        return {**super().state_dict(), "workers_replaced": self.workers_replaced,
                "transitions_lost": self.transitions_lost}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.workers_replaced = int(state.get("workers_replaced", 0))
        self.transitions_lost = int(state.get("transitions_lost", 0))

    def _start_new_paths(self):
        """After a restore: new workers (new episodes everywhere) on the next request."""
        super()._start_new_paths()
        self.close()

    def close(self):
        if not self.workers:
            return
        import ray
        for worker in self.workers:
            ray.kill(worker, no_restart=True)
        self.workers, self._in_flight = [], {}
        self._pushed_at = None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False


def check_remote_sampler_config(*, num_workers=1, envs_per_worker=1, num_envs=1,
                                vectorization_mode="sync", steps_per_request=1,
                                weights_push_interval=1, worker_cpus=1.0, worker_timeout=1.0,
                                asynchronous=False):
    """ValueError naming the first entry of a RemoteSampler's (or VectorSampler's) config
    outside its range."""
    if not isinstance(asynchronous, bool):
        raise ValueError(f"sampler_params.config.asynchronous must be true or false, "
                         f"got {asynchronous!r}")
    for name, value in (("num_workers", num_workers), ("envs_per_worker", envs_per_worker),
                        ("num_envs", num_envs), ("steps_per_request", steps_per_request),
                        ("weights_push_interval", weights_push_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"sampler_params.config.{name} must be an integer >= 1, "
                             f"got {value!r}")
    if vectorization_mode not in VECTORIZATION_MODES:
        raise ValueError(f"unknown sampler_params.config.vectorization_mode "
                         f"{vectorization_mode!r}; valid choices: "
                         f"{', '.join(VECTORIZATION_MODES)}")
    for name, value in (("worker_cpus", worker_cpus), ("worker_timeout", worker_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"sampler_params.config.{name} must be a number > 0, "
                             f"got {value!r}")
