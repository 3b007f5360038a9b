"""One trial of an experiment: build everything from the variant, train epoch by epoch.

``Experiment`` holds the work and knows nothing of Tune, so that ``run_example_debug`` can run
it in-process; ``ExperimentRunner`` is the thin ``tune.Trainable`` around it.
"""
import os

import tensorflow as tf
from ray import tune

from softlearning_tf2.algorithms.utils import get_algorithm_from_variant
from softlearning_tf2.environments.utils import get_environment_from_params
from softlearning_tf2.policies.utils import (
    get_exploration_policy_from_variant, get_policy_from_variant)
from softlearning_tf2.replay_pools.checkpointing import CHUNK_FILE, load_chain, save_chunk
from softlearning_tf2.replay_pools.utils import get_replay_pool_from_variant
from softlearning_tf2.samplers.utils import get_sampler_from_variant
from softlearning_tf2.utils.checkpoints import (
    ALGORITHM_FILE, STATE_FILE, VARIANT_FILE, load_arrays, load_json, save_arrays, save_json,
    verify_manifest, write_manifest)
from softlearning_tf2.utils.random import component_seed
from softlearning_tf2.value_functions.utils import (
    get_Q_functions_from_variant, get_V_function_from_variant)


def configure_tensorflow_threads(run_params):
    """Sets TF's thread pools; only possible before TF runs its first op in this process."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(run_params["tf_intra_op_threads"])
        tf.config.threading.set_inter_op_parallelism_threads(run_params["tf_inter_op_threads"])
    except RuntimeError:
        pass  # TF already initialized here (e.g. run_example_debug after other TF work)


class Experiment:
    """Environments, pool, sampler, networks and algorithm of one trial."""

    def __init__(self, variant):
        self.variant = variant
        seed = int(variant["run_params"]["seed"])
        environment_params = variant["environment_params"]
        self.training_environment = get_environment_from_params(environment_params["training"])
        self.evaluation_environment = get_environment_from_params(
            environment_params["evaluation"])
        self.evaluation_environment.reset(seed=component_seed(seed, "evaluation_environment"))

        self.pool = get_replay_pool_from_variant(variant, self.training_environment,
                                                 seed=component_seed(seed, "replay_pool"))
        self.sampler = get_sampler_from_variant(variant)
        self.policy = get_policy_from_variant(variant, self.training_environment,
                                              seed=component_seed(seed, "policy"))
        self.initial_exploration_policy = get_exploration_policy_from_variant(
            variant, self.training_environment, seed=component_seed(seed, "exploration"))
        self.networks = self._build_value_functions(seed)
        self.sampler.initialize(self.training_environment, self.policy, self.pool,
                                seed=component_seed(seed, "training_environment"))
        self.algorithm = get_algorithm_from_variant(
            variant, self.training_environment, self.evaluation_environment, self.policy,
            self.initial_exploration_policy, self.pool, self.sampler, **self.networks)
        self._pool_saved_up_to = 0  # sample index up to which checkpoints hold the pool

    def _build_value_functions(self, seed):
        """The algorithm's value networks: ``Qs`` always, ``V`` where the variant has one."""
        networks = {"Qs": get_Q_functions_from_variant(self.variant, self.training_environment,
                                                       seed=component_seed(seed, "Q"))}
        if "V_params" in self.variant:
            networks["V"] = get_V_function_from_variant(self.variant, self.training_environment,
                                                        seed=component_seed(seed, "V"))
        return networks

    def train_epoch(self):
        diagnostics = self.algorithm.train_epoch()
        diagnostics["done"] = self.algorithm.done
        return diagnostics

    def save(self, checkpoint_dir):
        """Writes the whole trial state into ``checkpoint_dir``.

        Each file is written atomically and ``manifest.json`` (sizes, SHA-256) last. The replay
        pool is saved incrementally: only the transitions added since the previous save.
        A path in progress is not saved: after a restore, sampling starts a new episode.
        """
        os.makedirs(checkpoint_dir, exist_ok=True)
        arrays, data = self.algorithm.get_state()
        save_arrays(os.path.join(checkpoint_dir, ALGORITHM_FILE), arrays)
        files = [ALGORITHM_FILE, STATE_FILE, VARIANT_FILE]
        pool_state = {"samples_added": self.pool.samples_added,
                      "rng_state": self.pool.rng_state}
        if self.variant["run_params"]["checkpoint_replay_pool"]:
            start, end = save_chunk(self.pool, checkpoint_dir, self._pool_saved_up_to)
            pool_state.update(chunk_start=start, chunk_end=end)
            files.append(CHUNK_FILE)
        data["replay_pool"] = pool_state
        data["environment_rng_states"] = {
            "training": environment_rng_state(self.training_environment),
            "evaluation": environment_rng_state(self.evaluation_environment)}
        save_json(os.path.join(checkpoint_dir, STATE_FILE), data)
        save_json(os.path.join(checkpoint_dir, VARIANT_FILE), self.variant)
        write_manifest(checkpoint_dir, files)
        if "chunk_end" in pool_state:
            self._pool_saved_up_to = pool_state["chunk_end"]

    def restore(self, checkpoint_dir):
        """Loads a checkpoint written by ``save``, after verifying every file's checksum."""
        verify_manifest(checkpoint_dir)
        arrays = load_arrays(os.path.join(checkpoint_dir, ALGORITHM_FILE))
        data = load_json(os.path.join(checkpoint_dir, STATE_FILE))
        pool_state = data["replay_pool"]
        transitions = None
        if "chunk_end" in pool_state:
            transitions = load_chain(checkpoint_dir, pool_state["samples_added"],
                                     self.pool.max_size)
        self.algorithm.set_state(arrays, data)
        if transitions is not None:
            self.pool.load_state_dict({"transitions": transitions, **pool_state})
            self._pool_saved_up_to = pool_state["samples_added"]
        for name, environment in (("training", self.training_environment),
                                  ("evaluation", self.evaluation_environment)):
            set_environment_rng_state(environment, data["environment_rng_states"][name])


def environment_rng_state(environment):
    """The gymnasium environment's own random state (JSON-able), or None if never seeded."""
    generator = environment.unwrapped._np_random
    return None if generator is None else generator.bit_generator.state


def set_environment_rng_state(environment, state):
    if state is not None:
        environment.unwrapped.np_random.bit_generator.state = state


class ExperimentRunner(tune.Trainable):
    """A Tune trial: ``step`` is one epoch; checkpoints hold the whole ``Experiment``."""

    def setup(self, config):
        configure_tensorflow_threads(config["run_params"])
        self.experiment = self._experiment_class()(config)

    @staticmethod
    def _experiment_class():
        return Experiment

    def step(self):
        diagnostics = self.experiment.train_epoch()
        diagnostics["timesteps_total"] = diagnostics["timestep"]
        return diagnostics

    def save_checkpoint(self, checkpoint_dir):
        self.experiment.save(checkpoint_dir)
        return checkpoint_dir

    def load_checkpoint(self, checkpoint_dir):
        self.experiment.restore(checkpoint_dir)

