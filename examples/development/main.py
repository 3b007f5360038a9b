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
from softlearning_tf2.replay_pools.utils import get_replay_pool_from_variant
from softlearning_tf2.samplers.utils import get_sampler_from_variant
from softlearning_tf2.utils.checkpoints import load_arrays, load_json, save_arrays, save_json
from softlearning_tf2.utils.random import component_seed
from softlearning_tf2.value_functions.utils import (
    get_Q_functions_from_variant, get_V_function_from_variant)

VARIANT_FILE = "variant.json"
ALGORITHM_FILE = "algorithm.npz"
STATE_FILE = "training_state.json"
REPLAY_POOL_FILE = "replay_pool.npz"


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
        """Writes the whole trial state into ``checkpoint_dir`` (each file atomically)."""
        arrays, data = self.algorithm.get_state()
        save_arrays(os.path.join(checkpoint_dir, ALGORITHM_FILE), arrays)
        pool_state = self.pool.state_dict()
        data["replay_pool"] = {"samples_added": pool_state["samples_added"],
                               "rng_state": pool_state["rng_state"]}
        if self.variant["run_params"]["checkpoint_replay_pool"]:
            save_arrays(os.path.join(checkpoint_dir, REPLAY_POOL_FILE),
                        pool_state["transitions"])
        save_json(os.path.join(checkpoint_dir, STATE_FILE), data)
        save_json(os.path.join(checkpoint_dir, VARIANT_FILE), self.variant)

    def restore(self, checkpoint_dir):
        missing = [name for name in (ALGORITHM_FILE, STATE_FILE)
                   if not os.path.isfile(os.path.join(checkpoint_dir, name))]
        if missing:
            raise FileNotFoundError(f"{checkpoint_dir} is not a complete checkpoint: "
                                    f"missing {', '.join(missing)}")
        arrays = load_arrays(os.path.join(checkpoint_dir, ALGORITHM_FILE))
        data = load_json(os.path.join(checkpoint_dir, STATE_FILE))
        self.algorithm.set_state(arrays, data)
        pool_path = os.path.join(checkpoint_dir, REPLAY_POOL_FILE)
        if os.path.isfile(pool_path):
            self.pool.load_state_dict({"transitions": load_arrays(pool_path),
                                       **data["replay_pool"]})


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

