"""The training loop shared by every algorithm: sample, train, evaluate, one epoch at a time."""
import re
import time

import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.augmentation import shift_image_observations
from softlearning_tf2.utils.validation import check_hyperparameters
from softlearning_tf2.environments.observations import image_keys
from softlearning_tf2.replay_pools.simple_replay_pool import FIELDS
from softlearning_tf2.samplers.episode_statistics import path_success
from softlearning_tf2.samplers.utils import evaluation_rollouts


class RLAlgorithm:
    """Epochs of ``epoch_length`` environment steps, with gradient updates interleaved.

    Each environment step is taken with ``initial_exploration_policy`` while fewer than
    ``n_initial_exploration_steps`` samples have been collected, and with the learned policy
    afterwards. Once the pool holds ``min_pool_size`` transitions, every
    ``train_every_n_steps``-th step runs ``n_train_repeat`` gradient updates, each on its own
    uniformly drawn batch. After each epoch, ``eval_n_episodes`` evaluation episodes run on the
    evaluation environment (deterministic policy by default); after the last epoch
    ``final_eval_n_episodes`` of them (``None``: as many as after the others), so that the
    run ends with a mean and a spread over episodes, not one episode's return.

    With ``fuse_train_repeats`` (the default), the ``n_train_repeat`` updates of one training
    point run in one compiled call over a stack of batches: the same updates, in the same
    order, on the same batches, with one Python-to-TensorFlow round trip instead of many.
    ``train_every_n_steps = n_train_repeat = K`` keeps one update per environment step while
    fusing K updates per call.

    With a pool held in TensorFlow variables (``TensorReplayPool``, the default for flat
    observations) and ``fuse_environment_steps`` (the default), each environment step costs
    one compiled call: it stores the step's transition, draws the batches and runs the
    training point's updates (when it is one) and returns the policy's action for the next
    step. The same updates, on the same batches, with the same noise, in the same order as
    the step-by-step loop over the same pool (a test checks it); what goes away is a
    Python-to-TensorFlow round trip for acting, one for the update and the numpy batch.

    Subclasses implement ``_update_step(batch) -> dict of diagnostics tensors`` and register
    what a checkpoint must hold with ``_track_model`` / ``_track_optimizer`` /
    ``_track_variable``. ``update_count`` (a tf.Variable, checkpointed) is the one count of
    gradient updates: the compiled update advances it before each ``_update_step``.

    Diagnostics draw their pool batch and policy noise from generators of their own, seeded
    from ``diagnostics_seed`` and the epoch: computing them never moves the training streams.

    Offline training (``sampler=None``: the pool holds a dataset, ``datasets``): no
    environment steps; an epoch is ``epoch_length`` gradient updates, in calls of
    ``n_train_repeat`` updates each (one compiled call, batches drawn inside it, where the
    pool is a ``TensorReplayPool``), then the evaluation, whose episodes end after
    ``max_path_length`` steps. ``timestep`` then counts gradient updates.

    Dict observations: batches hold the keys the policy observes (``policy.observation_keys``),
    each in its own dtype. ``random_shift`` > 0 shifts every image of a batch (observations
    and next observations) by up to that many pixels inside the compiled update (DrQ), with a
    generator of its own that checkpoints keep.
    """

    def __init__(self, *, training_environment, evaluation_environment, policy, pool, sampler,
                 initial_exploration_policy=None, diagnostics_seed=0, n_epochs=1000,
                 epoch_length=1000, n_train_repeat=1, train_every_n_steps=1,
                 n_initial_exploration_steps=0, min_pool_size=None, batch_size=256,
                 eval_n_episodes=1, final_eval_n_episodes=None, eval_deterministic=True,
                 fuse_train_repeats=True, fuse_environment_steps=True, random_shift=0,
                 max_path_length=None):
        if final_eval_n_episodes is None:
            final_eval_n_episodes = eval_n_episodes
        check_hyperparameters(
            n_epochs=n_epochs, epoch_length=epoch_length, n_train_repeat=n_train_repeat,
            train_every_n_steps=train_every_n_steps, batch_size=batch_size,
            eval_n_episodes=eval_n_episodes, min_pool_size=min_pool_size,
            final_eval_n_episodes=final_eval_n_episodes,
            n_initial_exploration_steps=n_initial_exploration_steps,
            fuse_train_repeats=fuse_train_repeats, fuse_environment_steps=fuse_environment_steps,
            eval_deterministic=eval_deterministic)
        if initial_exploration_policy is None and n_initial_exploration_steps:
            raise ValueError("n_initial_exploration_steps > 0 needs an initial_exploration_policy")
        self._training_environment = training_environment
        self._evaluation_environment = evaluation_environment
        self._policy = policy
        self._initial_exploration_policy = initial_exploration_policy
        self._pool = pool
        self._sampler = sampler
        self._offline = sampler is None
        self._max_path_length = (sampler.max_path_length if sampler is not None
                                 else max_path_length)
        if self._offline and (max_path_length is None or epoch_length % n_train_repeat):
            raise ValueError(f"offline training (no sampler) needs max_path_length for its "
                             f"evaluation and an epoch_length ({epoch_length}) that is a "
                             f"multiple of n_train_repeat ({n_train_repeat})")
        self._diagnostics_seed = int(diagnostics_seed)
        self._n_epochs = int(n_epochs)
        self._epoch_length = int(epoch_length)
        self._n_train_repeat = int(n_train_repeat)
        self._train_every_n_steps = int(train_every_n_steps)
        self._n_initial_exploration_steps = int(n_initial_exploration_steps)
        self._batch_size = int(batch_size)
        self._min_pool_size = self._batch_size if min_pool_size is None else int(min_pool_size)
        self._eval_n_episodes = int(eval_n_episodes)
        self._final_eval_n_episodes = int(final_eval_n_episodes)
        self._eval_deterministic = bool(eval_deterministic)
        self._fuse_train_repeats = bool(fuse_train_repeats)
        # With vector and remote samplers (no path in progress here) the fused call stores and
        # trains; their actions come in batches from the sampler.
        self._fuse_environment_steps = bool(fuse_environment_steps) and hasattr(
            pool, "sample_batch")
        self._step_functions = {}
        self._next_action = None  # drawn by the previous step's call, for a path in progress
        self._epoch = 0
        self._last_update_diagnostics = {}
        self._compiled = None
        self._random_shift = int(random_shift)
        self._image_keys = image_keys(getattr(policy, "observation_layout", None))
        if self._random_shift < 0:
            raise ValueError(f"random_shift must be non-negative, got {random_shift}")
        if self._random_shift and not self._image_keys:
            raise ValueError(f"random_shift={random_shift} needs image observations; the "
                             f"policy observes none")

        self._models = {"policy": policy}
        self._optimizers = {}
        self._variables = {}
        self._update_count = self._track_variable(
            "update_count", tf.Variable(0, dtype=tf.int64, name="update_count"))
        if hasattr(policy, "noise_generator"):
            self._track_variable("policy_noise_state", policy.noise_generator.state)
        if hasattr(policy, "state_variables"):  # an MCMC sampler's chain
            for name, variable in policy.state_variables().items():
                self._track_variable(f"policy_{name}", variable)
        if self._random_shift:
            self._augmentation_generator = tf.random.Generator.from_seed(
                int(np.random.SeedSequence([self._diagnostics_seed, 1]).generate_state(1)[0]))
            self._track_variable("augmentation_noise_state", self._augmentation_generator.state)

    # -- What a checkpoint holds ---------------------------------------------------------------
    def _track_model(self, name, model):
        """``model``'s weights, and its variables that are not weights (the seed generator
        state of a dropout layer, ``{name}_state_{index}``), go into checkpoints."""
        self._models[name] = model
        weights = {id(weight) for weight in getattr(model, "weights", ())}
        state = [variable for variable in getattr(model, "variables", ())
                 if id(variable) not in weights]
        for index, variable in enumerate(state):
            self._track_variable(f"{name}_state_{index}", variable)
        return model

    def _track_optimizer(self, name, optimizer):
        self._optimizers[name] = optimizer
        return optimizer

    def _track_variable(self, name, variable):
        self._variables[name] = variable
        return variable

    def checkpointables(self):
        """(models, optimizers, variables): dicts name -> Keras model / optimizer / tf.Variable."""
        return dict(self._models), dict(self._optimizers), dict(self._variables)

    def training_state(self):
        """Plain data (JSON-able) that, with ``checkpointables``, determines the rest of the run."""
        data = {"epoch": self._epoch}
        if self._offline:  # offline, the timestep is the update count (for what reads it)
            data["updates"] = self.num_train_steps
        else:
            data["sampler"] = self._sampler.state_dict()
        if hasattr(self._initial_exploration_policy, "state_dict"):
            data["initial_exploration_policy"] = self._initial_exploration_policy.state_dict()
        return data

    def load_training_state(self, data):
        self._next_action = None
        self._epoch = int(data["epoch"])
        if not self._offline:
            self._sampler.load_state_dict(data["sampler"])
        if "initial_exploration_policy" in data:
            self._initial_exploration_policy.load_state_dict(data["initial_exploration_policy"])

    # -- Properties ----------------------------------------------------------------------------
    @property
    def epoch(self):
        return self._epoch

    @property
    def done(self):
        return self._epoch >= self._n_epochs

    @property
    def policy(self):
        return self._policy

    @property
    def pool(self):
        return self._pool

    @property
    def sampler(self):
        return self._sampler

    @property
    def offline(self):
        """Trained from a dataset, with no sampler."""
        return self._offline

    @property
    def num_train_steps(self):
        return int(self._update_count.numpy())

    # -- Compiled updates ----------------------------------------------------------------------
    def _update_step(self, batch):
        """One gradient step on ``batch``; returns a dict of scalar diagnostics tensors."""
        raise NotImplementedError

    def _batch_signature(self):
        environment = self._training_environment
        return batch_signature(self._policy.observation_spec, environment.action_size,
                               environment.discrete_actions)

    def _counted_step(self, batch):
        """One update, after advancing ``update_count`` (so that a failed check names it)."""
        if self._random_shift:
            batch = shift_image_observations(batch, self._image_keys, self._random_shift,
                                             self._augmentation_generator)
        with tf.control_dependencies([self._update_count.assign_add(1)]):
            return self._update_step(batch)

    @staticmethod
    def _checked(diagnostics):
        """Every diagnostic checked to be finite: a NaN or infinity in any loss or statistic
        raises at once, naming it."""
        return {name: tf.debugging.check_numerics(value, message=f"non-finite {name}")
                for name, value in diagnostics.items()}

    def _compile(self):
        """``update`` (one batch) and ``fused_update`` (a stack of batches, one update each,
        in one call), compiled on first use."""
        counted_step, checked = self._counted_step, self._checked

        def update(batch):
            return checked(counted_step(batch))

        def fused_update(batches):
            def batch_at(index):
                return tf.nest.map_structure(lambda value: value[index], batches)

            return checked(repeated(lambda index: counted_step(batch_at(index)),
                                    tf.shape(batches["rewards"])[0]))

        signature = self._batch_signature()
        stacked_signature = tf.nest.map_structure(
            lambda spec: tf.TensorSpec([None, *spec.shape], spec.dtype), signature)
        return (tf.function(update, input_signature=[signature], autograph=False),
                tf.function(fused_update, input_signature=[stacked_signature],
                            autograph=False))

    @property
    def _update(self):
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled[0]

    @property
    def _fused_update(self):
        self._update  # noqa: B018 (compiles both)
        return self._compiled[1]

    # -- The loop ------------------------------------------------------------------------------
    def _ready_to_train(self):
        return (self._pool.size >= self._min_pool_size
                and self._sampler.total_samples % self._train_every_n_steps == 0)

    def _observed(self, batch):
        """The batch with only the observed keys of dict observations."""
        select = self._policy.select_observations
        return {**batch, "observations": select(batch["observations"]),
                "next_observations": select(batch["next_observations"])}

    def _training_batch(self):
        # Tensors, not numpy arrays: Keras refuses mixed inputs when tf.function runs eagerly.
        return tf.nest.map_structure(
            tf.convert_to_tensor, self._observed(self._pool.random_batch(self._batch_size)))

    def _stacked_training_batches(self, count):
        """``count`` batches in one feed, [count, batch_size, ...]: the same rows, in the same
        order, as ``count`` calls of ``_training_batch``."""
        batch = self._observed(self._pool.random_batch(self._batch_size * count))
        return tf.nest.map_structure(
            lambda value: tf.convert_to_tensor(
                value.reshape(count, self._batch_size, *value.shape[1:])), batch)

    def _do_training_repeats(self):
        """``n_train_repeat`` updates: one compiled call over stacked batches when fused."""
        if self._fuse_train_repeats and self._n_train_repeat > 1:
            self._checked_call(self._fused_update,
                               self._stacked_training_batches(self._n_train_repeat),
                               self._n_train_repeat)
        else:
            for _ in range(self._n_train_repeat):
                self._checked_call(self._update, self._training_batch(), 1)

    def _checked_call(self, update, batches, num_updates):
        try:
            self._last_update_diagnostics = update(batches)
        except tf.errors.InvalidArgumentError as error:
            self._raise_nonfinite(error, num_updates)

    def _raise_nonfinite(self, error, num_updates):
        """A failed finiteness check as a FloatingPointError naming the diagnostic and the
        update steps; any other error as it was."""
        match = re.search(r"non-finite (\S+)", error.message)
        if match is None:
            raise error
        last = self.num_train_steps
        steps = f"{last}" if num_updates == 1 else f"{last - num_updates + 1}..{last}"
        raise FloatingPointError(
            f"{match.group(1)} became NaN or infinite at update step {steps} "
            f"(epoch {self._epoch + 1}); training stops here and the last checkpoint "
            f"stays as it was") from None

    def train_steps(self, num_steps):
        """Takes ``num_steps`` environment steps, training along the way.

        Returns the seconds spent sampling and training. Offline: ``num_steps`` gradient
        updates instead.
        """
        if self._offline:
            return self._train_offline(num_steps)
        if self._fuse_environment_steps:
            return self._train_steps_fused(num_steps)
        sample_time = train_time = 0.0
        for _ in range(num_steps):
            start = time.perf_counter()
            exploring = self._sampler.total_samples < self._n_initial_exploration_steps
            self._sampler.sample(self._initial_exploration_policy if exploring else None)
            sample_time += time.perf_counter() - start
            if self._ready_to_train():
                start = time.perf_counter()
                self._do_training_repeats()
                train_time += time.perf_counter() - start
        return sample_time, train_time

    def _train_offline(self, num_updates):
        """``num_updates`` updates on the dataset, ``n_train_repeat`` per call; returns (0,
        seconds training)."""
        start = time.perf_counter()
        for _ in range(num_updates // self._n_train_repeat):
            if self._fuse_environment_steps:  # batches drawn inside the one compiled call
                self._environment_step_call(train=True, act=False)
            else:
                self._do_training_repeats()
        return 0.0, time.perf_counter() - start

    # -- One compiled call per environment step ------------------------------------------------
    def _train_steps_fused(self, num_steps):
        """``train_steps`` with one compiled call per step (see the class docstring).

        The call after step t stores transition t, runs the training point's updates if t is
        one, and draws the action of step t + 1 when the path goes on and the learned policy
        acts then: the order in which the step-by-step loop uses the noise and the pool.
        """
        sampler = self._sampler
        sample_time = train_time = 0.0
        for _ in range(num_steps):
            start = time.perf_counter()
            if sampler.total_samples < self._n_initial_exploration_steps:
                sampler.sample(self._initial_exploration_policy)
            else:
                sampler.sample(action=self._next_action if sampler.path_in_progress else None)
            self._next_action = None
            train = self._ready_to_train()
            act = (sampler.path_in_progress
                   and sampler.total_samples >= self._n_initial_exploration_steps)
            sampled = time.perf_counter()
            if train or act:
                self._next_action = self._environment_step_call(train, act)
            end = time.perf_counter()
            if train:  # the call is training time; a call that only acts is sampling time
                sample_time += sampled - start
                train_time += end - sampled
            else:
                sample_time += end - start
        return sample_time, train_time

    def _environment_step_call(self, train, act):
        """Runs the compiled step (store, train, act) and returns the next action (or None)."""
        pending = self._pool.take_pending()
        store = pending is not None
        function = self._environment_step_function(store, train, act)
        arguments = [tf.constant(self._pack_transition(pending))] if store else []
        try:
            outputs = function(*arguments)
        except tf.errors.InvalidArgumentError as error:
            self._raise_nonfinite(error, self._n_train_repeat)
        if train:
            self._last_update_diagnostics = outputs["diagnostics"]
        return outputs["action"].numpy() if act else None

    def _pack_transition(self, transition):
        """One transition as one float32 vector (one tensor to feed instead of five)."""
        return np.concatenate([np.ravel(transition[name]).astype(np.float32)
                               for name in FIELDS])

    def _environment_step_function(self, store, train, act):
        """The traced graph of one environment step's call (one per combination used)."""
        key = (store, train, act)
        if key not in self._step_functions:
            pool, policy = self._pool, self._policy
            shapes = {name: tuple(pool.fields[name].shape[1:]) for name in FIELDS}
            sizes = [int(np.prod(shape)) for shape in shapes.values()]

            def unpack(packed):
                parts = tf.split(packed, sizes)
                return {name: tf.cast(tf.reshape(part, shapes[name]), pool.fields[name].dtype)
                        for name, part in zip(FIELDS, parts)}

            def step(*packed):
                outputs = {}
                if store:
                    transition = unpack(packed[0])
                    pool.store(transition)  # ordered before the batch reads: same variables
                if train:
                    def update():
                        return self._counted_step(
                            _unknown_batch_size(pool.sample_batch(self._batch_size)))

                    outputs["diagnostics"] = self._checked(
                        repeated(lambda _: update(), self._n_train_repeat))
                if act:  # a path in progress: its transition was just stored
                    next_observations = _unknown_batch_size(
                        transition["next_observations"][None])
                    outputs["action"] = policy.actions(next_observations)[0]
                return outputs

            signature = ([tf.TensorSpec([sum(sizes)], tf.float32)] if store else [])
            self._step_functions[key] = tf.function(
                step, input_signature=signature, autograph=False).get_concrete_function()
        return self._step_functions[key]

    def train_epoch(self):
        """Runs one epoch and returns its diagnostics (flat dict, '/'-separated keys)."""
        if self.done:
            raise RuntimeError(f"training already finished after {self._n_epochs} epochs")
        epoch_start = time.perf_counter()
        sample_time, train_time = self.train_steps(self._epoch_length)

        start = time.perf_counter()
        evaluation_paths = evaluation_rollouts(
            self._evaluation_environment, self._policy,
            (self._final_eval_n_episodes if self._epoch + 1 == self._n_epochs
             else self._eval_n_episodes),
            self._max_path_length, deterministic=self._eval_deterministic)
        evaluation_time = time.perf_counter() - start
        self._epoch += 1

        diagnostics = {
            "epoch": self._epoch,
            "timestep": (self.num_train_steps if self._offline
                         else self._sampler.total_samples),
            "train-steps": self.num_train_steps,
        }
        diagnostics.update(_prefixed("evaluation", _path_statistics(evaluation_paths)))
        if not self._offline:
            diagnostics.update(_prefixed("training", self._sampler.get_diagnostics()))
        diagnostics.update(_prefixed("algorithm", self.get_diagnostics()))
        diagnostics.update({
            "times/sample": sample_time,
            "times/train": train_time,
            "times/evaluation": evaluation_time,
            "times/epoch": time.perf_counter() - epoch_start,
        })
        return diagnostics

    def get_diagnostics(self):
        """The last update's diagnostics and the policy's, on a batch of their own."""
        diagnostics = {name: float(np.mean(value))
                       for name, value in self._last_update_diagnostics.items()}
        if self._pool.size > 0:
            streams = [self._diagnostics_seed, self._epoch]
            indices = np.random.default_rng(streams).integers(0, self._pool.size,
                                                              self._batch_size)
            batch = self._pool.batch_by_indices(indices)
            generator = tf.random.Generator.from_seed(
                int(np.random.SeedSequence(streams).generate_state(1)[0]))
            observations = self._policy.select_observations(batch["observations"])
            diagnostics.update(_prefixed(
                "policy", self._policy.get_diagnostics(observations, generator)))
        return diagnostics


def repeated(step, times):
    """``step(0)``, then ``step(1)`` ... ``step(times - 1)`` in one graph loop (not unrolled:
    the graph's size does not grow with ``times``, a Python int or a scalar tensor >= 1), each
    after the previous one's variable updates; the last one's outputs. The compiled updates
    are traced without autograph, so their loops are written as loops of the graph."""
    if isinstance(times, int):
        if times < 1:
            raise ValueError(f"repeated: {times} steps (at least 1)")
    else:
        times = tf.cast(times, tf.int32)
    first = step(tf.constant(0))
    if isinstance(times, int) and times == 1:  # one step: no loop in the graph
        return first

    def body(index, _):
        return index + 1, step(index)

    _, outputs = tf.while_loop(lambda index, _: index < times, body, (tf.constant(1), first))
    return outputs


def _unknown_batch_size(values):
    """Tensors (or a dict of them) whose leading dimension the graph does not know, as in
    the separately compiled update and acting graphs: with a static batch size, TensorFlow
    may pick kernels that round differently, and the two loops would drift apart."""
    return tf.nest.map_structure(
        lambda value: tf.compat.v1.placeholder_with_default(value, [None, *value.shape[1:]]),
        values)


def _prefixed(prefix, dictionary):
    return {f"{prefix}/{key}": value for key, value in dictionary.items()}


def _path_statistics(paths):
    if not paths:
        return {}
    returns = np.array([path["return"] for path in paths])
    lengths = np.array([path["length"] for path in paths])
    successes = [path_success(path["infos"][-1]) for path in paths]
    success_rate = ({"success-rate": float(np.mean(successes))}
                    if None not in successes else {})
    return {**success_rate,
        "episode-reward-mean": float(returns.mean()),
        "episode-reward-min": float(returns.min()),
        "episode-reward-max": float(returns.max()),
        "episode-reward-std": float(returns.std()),
        "episode-length-mean": float(lengths.mean()),
        "episodes": len(paths),
    }


def batch_signature(observation_spec, action_size, discrete_actions=False):
    """``tf.TensorSpec``s of a training batch, for compiled update functions.
    ``observation_spec``: the policy's (one spec, or a dict of them for dict observations);
    an int is a flat observation of that size. Discrete actions are int32 indices, one per
    transition."""
    if isinstance(observation_spec, int):
        observation_spec = tf.TensorSpec([None, observation_spec], tf.float32)
    return {
        "observations": observation_spec,
        "actions": (tf.TensorSpec([None], tf.int32) if discrete_actions
                    else tf.TensorSpec([None, action_size], tf.float32)),
        "rewards": tf.TensorSpec([None], tf.float32),
        "terminals": tf.TensorSpec([None], tf.float32),
        "next_observations": observation_spec,
    }
