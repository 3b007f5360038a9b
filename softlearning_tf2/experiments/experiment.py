"""One trial as a Python object: build from a variant, train, save, load, act, export.

``Experiment`` knows nothing of Ray or Tune: a notebook uses it directly, ``run_example_debug``
runs it in-process, and the Tune runner (``tune_runner.ExperimentRunner``) wraps it.

    from softlearning_tf2 import Experiment
    experiment = Experiment.from_defaults("SAC", domain="Pendulum", seed=0, n_epochs=3)
    experiment.train()
    experiment.save("pendulum_run/checkpoint_000003")
    restored = Experiment.load("pendulum_run/checkpoint_000003")
    action = restored.act(observation)   # in the environment's own bounds
"""
import os

from softlearning_tf2.utils.quiet import import_tensorflow

tf = import_tensorflow()  # before anything else imports it: quietly, unless verbose

from softlearning_tf2.algorithms.utils import get_algorithm_from_variant  # noqa: E402
from softlearning_tf2.checkpoints import (  # noqa: E402
    Checkpoint, CheckpointError, newest_readable, to_arrays, write_checkpoint)
from softlearning_tf2.checkpoints.arrays import assign_arrays  # noqa: E402
from softlearning_tf2.checkpoints.files import CHECKPOINT_PREFIX  # noqa: E402
from softlearning_tf2.datasets.minari_datasets import (  # noqa: E402
    DatasetError, dataset_root, normalized_score)
from softlearning_tf2.datasets.utils import (  # noqa: E402
    OfflineData, dataset_id_of, dataset_pool_from_variant, dataset_root_of)
from softlearning_tf2.environments.utils import (  # noqa: E402
    get_environment_from_params, validate_environment_name)
from softlearning_tf2.experiments.variants import (  # noqa: E402
    default_task, get_variant, keyword_overrides)
from softlearning_tf2.models.utils import (  # noqa: E402
    get_observation_encoding_from_variant, get_observation_normalizer_from_variant)
from softlearning_tf2.policies.utils import (  # noqa: E402
    get_exploration_policy_from_variant, get_policy_from_variant)
from softlearning_tf2.replay_pools.simple_replay_pool import (  # noqa: E402
    flatten_fields, unflatten_fields)
from softlearning_tf2.replay_pools.utils import get_replay_pool_from_variant  # noqa: E402
from softlearning_tf2.samplers.utils import get_sampler_from_variant  # noqa: E402
from softlearning_tf2.utils.random import component_seed  # noqa: E402
from softlearning_tf2.utils.runtime import configure_tensorflow_threads  # noqa: E402,F401
from softlearning_tf2.value_functions.utils import (  # noqa: E402
    get_Q_functions_from_variant, get_V_function_from_variant)


_READ_FROM_CHECKPOINT = object()


class Experiment:
    """Environments, pool, sampler, networks and algorithm of one trial, built from a variant.

    Offline (the variant names a dataset, ``dataset_params``): the pool holds the dataset and
    there is no sampler; checkpoints leave the pool out (the dataset is read again on restore)
    but keep its sampling stream. Each epoch's diagnostics then add D4RL's normalized score
    of the evaluation returns, where the dataset has reference scores.
    """

    def __init__(self, variant):
        self.variant = variant
        seed = int(variant["run_params"]["seed"])
        environment_params = variant["environment_params"]
        self.training_environment = get_environment_from_params(environment_params["training"])
        self.evaluation_environment = get_environment_from_params(
            environment_params["evaluation"])
        self.evaluation_environment.reset(seed=component_seed(seed, "evaluation_environment"))

        dataset_id = dataset_id_of(variant)
        if dataset_id is not None and dataset_root_of(variant) is None:
            # The directory it is read from goes into the variant (and checkpoints): a Ray
            # worker or a later restore reads the same files.
            variant["dataset_params"]["root"] = dataset_root()
        self.offline_data = (None if dataset_id is None else OfflineData(
            dataset_id, self.training_environment, dataset_root_of(variant)))
        self.sampler = None if self.offline_data else get_sampler_from_variant(variant)
        # Dict observations: one encoding for every network (None for a flat observation).
        self.observation_encoding = get_observation_encoding_from_variant(
            variant, self.training_environment, seed=component_seed(seed, "observation_encoder"))
        # SimBa networks: one running normalizer for all of them, fed what the pool receives.
        self.observation_normalizer = get_observation_normalizer_from_variant(variant)
        self.pool = self._build_pool(component_seed(seed, "replay_pool"))
        self.networks = self._build_value_functions(seed)
        # A policy of the Q functions (discrete SQL's Boltzmann policy) acts on these very Qs.
        self.policy = get_policy_from_variant(variant, self.training_environment,
                                              seed=component_seed(seed, "policy"),
                                              Q_functions=self.networks.get("Qs"),
                                              encoding=self.observation_encoding,
                                              normalizer=self.observation_normalizer)
        self.initial_exploration_policy = get_exploration_policy_from_variant(
            variant, self.training_environment, seed=component_seed(seed, "exploration"),
            encoding=self.observation_encoding)
        offline = {}
        if self.sampler is not None:
            self.sampler.initialize(self.training_environment, self.policy, self.pool,
                                    seed=component_seed(seed, "training_environment"),
                                    variant=variant)
        else:
            offline["max_path_length"] = variant["sampler_params"]["config"]["max_path_length"]
        self.algorithm = get_algorithm_from_variant(
            variant, training_environment=self.training_environment,
            evaluation_environment=self.evaluation_environment, policy=self.policy,
            initial_exploration_policy=self.initial_exploration_policy, pool=self.pool,
            sampler=self.sampler, diagnostics_seed=component_seed(seed, "diagnostics"),
            **offline, **self.networks)
        # Read on first use (the first epoch, a save, an action, an export), not here: a
        # restored run has its own weights already, and the checkpoint it started from may be
        # gone by then.
        self.pending_initialization = variant["run_params"].get("initialize_from")
        # Checkpoints after the first hold only the transitions added since the previous one,
        # when they are its siblings (checkpoint_* directories of one trial directory).
        self._last_checkpoint_dir = None
        self._pool_saved_up_to = 0  # sample index up to which that chain holds the pool
        self.diagnostics = []  # one dict per epoch trained by this object

    @classmethod
    def from_defaults(cls, algorithm="SAC", domain="Pendulum", task=None, *, seed=0,
                      universe="gymnasium", pixels=False, dataset=None, overrides=None,
                      **keyword_values):
        """The default variant of ``algorithm`` on ``universe/domain/task`` (from rendered
        images with ``pixels``, as the CLI's ``--pixels``; offline from the Minari dataset
        ``dataset``, as ``--dataset``), changed by ``overrides``
        (``{"dotted.path": value}``) and by ``keyword_values``, each naming an entry by its last
        part where that is unique (``n_epochs=3``, ``batch_size=64``)."""
        task = task or default_task(universe, domain)
        validate_environment_name(universe, domain, task)
        variant = get_variant(algorithm, universe, domain, task, seed, pixels=pixels,
                              dataset=dataset)
        variant = keyword_overrides(variant, {**(overrides or {}), **keyword_values})
        return cls(variant)

    @classmethod
    def load(cls, checkpoint_dir):
        """The experiment saved in ``checkpoint_dir``, rebuilt from its variant and restored."""
        checkpoint = Checkpoint.read(checkpoint_dir)
        experiment = cls(checkpoint.variant)
        experiment._restore_from(checkpoint)
        return experiment

    def _build_pool(self, seed):
        """The variant's pool; offline, filled with the dataset. A normalizer sees what the
        pool receives."""
        if self.offline_data is None:
            pool = get_replay_pool_from_variant(self.variant, self.training_environment,
                                                seed=seed)
        else:
            pool = dataset_pool_from_variant(self.variant, self.training_environment,
                                             self.offline_data, seed=seed)
            if self.observation_normalizer is not None:  # the dataset, once
                self.observation_normalizer.update(
                    self.offline_data.transitions["observations"])
        if self.observation_normalizer is not None and self.offline_data is None:
            pool.observation_listeners.append(self.observation_normalizer.update)
        return pool

    def _build_value_functions(self, seed):
        """The algorithm's value networks: ``Qs`` where the variant has them (behaviour
        cloning has none), ``V`` where it has one."""
        encoding = self.observation_encoding
        networks = {}
        if "Q_params" in self.variant:
            networks["Qs"] = get_Q_functions_from_variant(
                self.variant, self.training_environment, seed=component_seed(seed, "Q"),
                encoding=encoding, normalizer=self.observation_normalizer)
        if "V_params" in self.variant:
            networks["V"] = get_V_function_from_variant(self.variant, self.training_environment,
                                                        seed=component_seed(seed, "V"),
                                                        encoding=encoding)
        return networks

    def initialize_from(self, checkpoint_dir):
        """Starts this run's networks (the policy, the Q functions and their targets, by name)
        and its temperature from ``checkpoint_dir``'s, for fine-tuning: an offline run's
        weights trained on online (arXiv:2006.04779 and 2110.01548 report that kind of run).
        Optimizers, pool, counters and noise streams stay as built. Networks the checkpoint
        does not have (behaviour cloning's Q functions) start as built too; returns the names
        of those it started. No policy in the checkpoint, or networks of other shapes, is a
        CheckpointError naming it."""
        checkpoint = Checkpoint.read(checkpoint_dir, for_acting=True)
        models, _, variables = self.algorithm.checkpointables()
        present = {name: model for name, model in models.items()
                   if any(key.startswith(f"models/{name}/") for key in checkpoint.arrays)}
        if "policy" not in present:
            raise CheckpointError(f"{checkpoint.path} ({checkpoint.algorithm}) has no policy "
                                  f"to start this run's from")
        temperature = {name: variable for name, variable in variables.items()
                       if name == "log_alpha" and f"variables/{name}" in checkpoint.arrays}
        assign_arrays(checkpoint.arrays, present, {}, temperature, checkpoint.path)
        self.pending_initialization = None  # these weights replace the variant's starting point
        return sorted([*present, *temperature])

    def _start_from_pending_initialization(self):
        if self.pending_initialization is not None:
            self.initialize_from(self.pending_initialization)

    # -- Training ------------------------------------------------------------------------------
    def train_epoch(self):
        """Trains one epoch (``epoch_length`` environment steps and their updates, then the
        evaluation) and returns its diagnostics, with ``done`` once ``n_epochs`` are done.
        The first epoch of a run that was not restored starts its networks from the variant's
        ``run_params.initialize_from``, if any."""
        self._start_from_pending_initialization()
        diagnostics = self.algorithm.train_epoch()
        data = self.offline_data
        if data is not None and data.has_reference_scores:
            scores = normalized_score(
                [diagnostics[f"evaluation/episode-reward-{statistic}"]
                 for statistic in ("mean", "min", "max")], data.reference_min, data.reference_max)
            diagnostics.update({"evaluation/normalized-score-mean": float(scores[0]),
                                "evaluation/normalized-score-min": float(min(scores[1:])),
                                "evaluation/normalized-score-max": float(max(scores[1:]))})
        diagnostics["done"] = self.algorithm.done
        self.diagnostics.append(diagnostics)
        return diagnostics

    def train(self, epochs=None):
        """Trains ``epochs`` more epochs (default: to the variant's ``n_epochs``); returns
        their diagnostics, one dict per epoch."""
        results = []
        while not self.algorithm.done and (epochs is None or len(results) < epochs):
            results.append(self.train_epoch())
        return results

    # -- Acting --------------------------------------------------------------------------------
    def act(self, observation, deterministic=True):
        """The policy's action for one observation (a flat array, or the environment's dict),
        in the environment's own action bounds."""
        self._start_from_pending_initialization()
        action = self.policy.action(observation, deterministic)
        return self.training_environment.to_environment_actions(action)

    def export(self, output_dir, format="saved_model", overwrite=False):
        """Exports the current policy as ``softlearning export_policy`` does (see
        ``softlearning_tf2.policies.export``), from this object's state; returns the metadata."""
        from softlearning_tf2.policies.export import export_policy

        return export_policy(self.checkpoint_view(), output_dir, format=format,
                             overwrite=overwrite)

    def checkpoint_view(self):
        """This experiment's state as a ``Checkpoint`` in memory (nothing written)."""
        self._start_from_pending_initialization()
        return Checkpoint(None, self.variant, self.algorithm.training_state(),
                          to_arrays(*self.algorithm.checkpointables()))

    # -- Checkpoints ---------------------------------------------------------------------------
    def save(self, checkpoint_dir, incremental=None):
        """Writes the whole trial state into ``checkpoint_dir`` (see softlearning_tf2.checkpoints).

        With ``incremental`` the replay pool's part holds only the transitions added since the
        previous save: restoring needs the earlier parts in sibling ``checkpoint_*``
        directories (Tune's checkpoints of a trial; its runner passes True). By default
        (None) a save is incremental when ``checkpoint_dir`` is a new ``checkpoint_*``
        sibling of the previous save's directory, and otherwise holds the whole pool, so that
        it stands alone. A path in progress is not saved: after a restore, sampling starts a
        new episode.
        """
        self._start_from_pending_initialization()  # a save holds the weights a run starts from
        checkpoint_dir = os.path.abspath(checkpoint_dir)
        if incremental is None:
            incremental = self._continues_chain(checkpoint_dir)
        if not incremental:
            self._pool_saved_up_to = 0
        training_state = self.algorithm.training_state()
        training_state["replay_pool"] = {"samples_added": self.pool.samples_added,
                                         "pointer": self.pool.pointer,
                                         "rng_state": self.pool.rng_state}
        if self.offline_data is not None:
            training_state["dataset"] = self.offline_data.fingerprint
        training_state["environment_rng_states"] = {
            "training": environment_rng_state(self.training_environment),
            "evaluation": environment_rng_state(self.evaluation_environment)}
        keep_pool = self.variant["run_params"]["checkpoint_replay_pool"]
        self._pool_saved_up_to = write_checkpoint(
            checkpoint_dir, self.variant, to_arrays(*self.algorithm.checkpointables()),
            training_state, pool=self.pool if keep_pool else None,
            pool_saved_up_to=self._pool_saved_up_to)
        self._last_checkpoint_dir = checkpoint_dir

    def _continues_chain(self, checkpoint_dir):
        previous = self._last_checkpoint_dir
        return (previous is not None and checkpoint_dir != previous
                and os.path.dirname(checkpoint_dir) == os.path.dirname(previous)
                and os.path.basename(checkpoint_dir).startswith(CHECKPOINT_PREFIX))

    def restore(self, checkpoint_dir):
        """Loads a checkpoint written by ``save``, after verifying every file's checksum."""
        self._restore_from(Checkpoint.read(checkpoint_dir))

    def restore_newest_readable(self, checkpoint_dir, report=None):
        """Restores ``checkpoint_dir``, or the newest older checkpoint of its trial that can be
        read and verified, telling ``report`` one line per checkpoint passed over; returns the
        path restored."""
        def read(path):
            checkpoint = Checkpoint.read(path)
            return checkpoint, self._pool_transitions(checkpoint)
        path, (checkpoint, transitions) = newest_readable(checkpoint_dir, read, report)
        self._restore_from(checkpoint, transitions)
        return path

    def close(self):
        """Closes the sampler (and its Ray workers, if any) and both environments."""
        if self.sampler is not None:
            self.sampler.close()
        self.training_environment.close()
        self.evaluation_environment.close()

    def _pool_transitions(self, checkpoint):
        # Dict observations are stored one array per key (``observations/<key>``).
        fields = list(flatten_fields(self.pool.last_n_batch(0)))
        transitions = checkpoint.pool_transitions(self.pool.max_size, fields)
        return None if transitions is None else unflatten_fields(transitions)

    def _restore_from(self, checkpoint, transitions=_READ_FROM_CHECKPOINT):
        # Every file is read and verified before anything is changed (arrays of the wrong
        # shape for this variant's networks still fail partway, as a CheckpointError).
        if transitions is _READ_FROM_CHECKPOINT:
            transitions = self._pool_transitions(checkpoint)
        if self.offline_data is not None:  # the data it trained on, before anything changes
            try:
                self.offline_data.check_fingerprint(checkpoint.training_state["dataset"])
            except DatasetError as error:
                raise CheckpointError(f"{checkpoint.path}: {error}") from None
        checkpoint.assign_to(*self.algorithm.checkpointables())
        self.pending_initialization = None  # the run's own weights, not its starting point
        data = checkpoint.training_state
        self.algorithm.load_training_state(data)
        pool_state = data["replay_pool"]
        if transitions is not None:
            self.pool.load_state_dict({"transitions": transitions, **pool_state})
            self._pool_saved_up_to = pool_state["samples_added"]
            self._last_checkpoint_dir = checkpoint.path
        elif self.offline_data is not None:  # the pool is the dataset, read at build time
            self.pool.set_rng_state(pool_state["rng_state"])
        for name, environment in (("training", self.training_environment),
                                  ("evaluation", self.evaluation_environment)):
            set_environment_rng_state(environment, data["environment_rng_states"][name])


def environment_rng_state(environment):
    """The environment's random state (JSON-able): gymnasium's ``np_random``, or the state an
    environment gives itself (dm_control's task RandomState, one in a child process)."""
    unwrapped = environment.unwrapped
    if hasattr(unwrapped, "rng_state"):
        return unwrapped.rng_state()
    return unwrapped.np_random.bit_generator.state


def set_environment_rng_state(environment, state):
    if state is None:
        return
    unwrapped = environment.unwrapped
    if hasattr(unwrapped, "set_rng_state"):
        unwrapped.set_rng_state(state)
    else:
        unwrapped.np_random.bit_generator.state = state


__all__ = ["CheckpointError", "Experiment", "configure_tensorflow_threads"]
