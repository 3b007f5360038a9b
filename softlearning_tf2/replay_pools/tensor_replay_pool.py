"""A ring buffer of flat transitions held in TensorFlow variables, sampled inside compiled
graphs."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.replay_pools.simple_replay_pool import FIELDS, SimpleReplayPool


class TensorReplayPool(SimpleReplayPool):
    """``SimpleReplayPool``'s ring of (s, a, r, terminal, s') transitions, stored in
    ``tf.Variable``s (host memory on a CPU, device memory where TensorFlow places variables
    on an accelerator), so that a compiled training step can store the newest transition and
    draw its batches without leaving the graph (``store``, ``sample_batch``).

    The same interface and checkpoint format as ``SimpleReplayPool`` (flat observations only;
    continuous or int32 discrete actions): the same validation, ring positions, counters and
    ``state_dict``. Batch indices come from a ``tf.random.Generator`` (Philox) instead of
    numpy's: ``rng_state`` is its state, a list of integers. A draw from Python
    (``random_batch``) and a draw inside a graph (``sample_batch``) read the same stream.

    One transition can wait outside the ring (``add_sample`` keeps it pending): a training
    step built with ``store`` writes it together with its update, in one call. Every read
    from Python writes a pending transition first, so a pending row is never lost or seen
    stale.
    """

    def __init__(self, observation_shape=None, action_shape=(), max_size=int(1e6), seed=None,
                 action_dtype="float32", observation_layout=None):
        if observation_layout is not None:
            raise ValueError("TensorReplayPool stores flat observations; dict observations "
                             "(images, goals) need SimpleReplayPool or "
                             "HindsightExperienceReplayPool")
        super().__init__(observation_shape, action_shape, max_size, seed=None,
                         action_dtype=action_dtype, observation_layout=None)
        self._rng = None  # numpy's generator of the parent class is not used
        self.generator = (tf.random.Generator.from_seed(seed) if seed is not None
                          else tf.random.Generator.from_non_deterministic_state())
        # The ring in variables; the counters live in Python too (the loop reads them often).
        self.fields = {name: tf.Variable(array, trainable=False, name=f"pool_{name}")
                       for name, array in self.fields.items()}
        self._graph_pointer = tf.Variable(0, dtype=tf.int64, trainable=False)
        self._graph_size = tf.Variable(0, dtype=tf.int64, trainable=False)
        self._pending = None
        self._write_one = tf.function(self.store, autograph=False)

    @property
    def nbytes(self):
        return sum(int(np.prod(variable.shape)) * variable.dtype.size
                   for variable in self.fields.values())

    # -- Adding --------------------------------------------------------------------------------
    def add_sample(self, sample):
        """Adds one transition; it waits (pending) until a compiled step or a read writes it."""
        self.flush()
        sample = {name: np.asarray(sample[name], self.fields[name].dtype.as_numpy_dtype)
                  for name in FIELDS}
        self._check_samples({name: value[None] for name, value in sample.items()})
        self._tell_listeners(sample["observations"][None])
        self._pending = sample
        self._advance(1)

    def take_pending(self):
        """The pending transition (dict of unbatched arrays, or None); the caller stores it
        with ``store`` in the same compiled call that trains on it."""
        pending, self._pending = self._pending, None
        return pending

    def flush(self):
        """Writes the pending transition, if any."""
        pending = self.take_pending()
        if pending is not None:
            self._write_one({name: tf.constant(value) for name, value in pending.items()})

    def store(self, transition):
        """Graph-side: writes one transition (dict of unbatched tensors) at the pointer.

        The Python counters were advanced when the transition was added; this moves the
        graph's own copies, which ``sample_batch`` reads."""
        row = self._graph_pointer.read_value()
        for name in FIELDS:
            self.fields[name].scatter_nd_update([[row]], transition[name][None])
        self._graph_pointer.assign((row + 1) % self._max_size)
        self._graph_size.assign(tf.minimum(self._graph_size + 1, self._max_size))

    def _add_rows(self, samples, num_samples):
        self.flush()
        indices = (self._pointer + np.arange(num_samples)) % self._max_size
        for name in FIELDS:
            self.fields[name].scatter_nd_update(
                indices[:, None], np.asarray(samples[name],
                                             self.fields[name].dtype.as_numpy_dtype))
        self._advance(num_samples)
        self._sync_graph_counters()

    def _advance(self, num_samples):
        self._pointer = (self._pointer + num_samples) % self._max_size
        self._size = min(self._size + num_samples, self._max_size)
        self._samples_added += num_samples

    def _sync_graph_counters(self):
        self._graph_pointer.assign(self._pointer)
        self._graph_size.assign(self._size)

    # -- Sampling ------------------------------------------------------------------------------
    def sample_indices(self, batch_size):
        """Graph-side: ``batch_size`` uniform row indices of the stored transitions (int64)."""
        return self.generator.uniform([batch_size], 0, self._graph_size, dtype=tf.int64)

    def sample_batch(self, batch_size):
        """Graph-side: a uniformly drawn batch (with replacement), a dict of tensors."""
        indices = self.sample_indices(batch_size)
        return {name: tf.gather(self.fields[name], indices) for name in FIELDS}

    def random_indices(self, batch_size):
        self.flush()
        if self._size == 0:
            raise ValueError("cannot sample from an empty replay pool")
        return self.sample_indices(int(batch_size)).numpy()

    def batch_by_indices(self, indices):
        self.flush()
        indices = np.asarray(indices, np.int64)
        return {name: tf.gather(self.fields[name], indices).numpy() for name in FIELDS}

    # -- State ---------------------------------------------------------------------------------
    @property
    def rng_state(self):
        """The batch-sampling generator's state: a list of integers (JSON-able)."""
        return [int(value) for value in self.generator.state.numpy()]

    def load_state_dict(self, state):
        """Restores ``state_dict()``'s output into the same ring positions (as
        ``SimpleReplayPool`` does)."""
        transitions = state["transitions"]
        self._pending = None
        num_samples = self._check_samples(transitions)
        keep = min(num_samples, self._max_size)
        pointer = state.get("pointer")
        rows = np.arange(keep)
        if keep == self._max_size and pointer is not None:
            rows = (rows + int(pointer)) % self._max_size
        for name in FIELDS if keep else ():  # a pool saved empty has no rows to write
            self.fields[name].scatter_nd_update(
                rows[:, None], np.asarray(transitions[name][num_samples - keep:],
                                          self.fields[name].dtype.as_numpy_dtype))
        self._size = keep
        self._pointer = (int(pointer) if keep == self._max_size and pointer is not None
                         else keep % self._max_size)
        self._samples_added = int(state["samples_added"])
        self._sync_graph_counters()
        self.set_rng_state(state["rng_state"])

    def set_rng_state(self, rng_state):
        """Restores ``rng_state`` alone (a pool refilled from a dataset, not a checkpoint)."""
        if not (isinstance(rng_state, list) and len(rng_state) == self.generator.state.shape[0]):
            raise ValueError(f"the replay pool's saved random state is not a TensorReplayPool's "
                             f"(got {type(rng_state).__name__}); a checkpoint of another pool "
                             f"class cannot be restored into this one")
        self.generator.state.assign(np.asarray(rng_state, np.int64))
