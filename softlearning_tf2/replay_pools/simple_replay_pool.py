"""A preallocated ring buffer of transitions, stored as numpy arrays."""
import numpy as np

from softlearning_tf2.environments.observations import image_keys

FIELDS = ("observations", "actions", "rewards", "terminals", "next_observations")
OBSERVATION_FIELDS = ("observations", "next_observations")


def flatten_fields(batch):
    """A batch whose observations may be dicts, as one flat dict of arrays: a dict observation's
    key ``k`` becomes ``observations/k`` and ``next_observations/k`` (checkpoint chunks)."""
    flat = {}
    for name, value in batch.items():
        if isinstance(value, dict):
            flat.update({f"{name}/{key}": array for key, array in value.items()})
        else:
            flat[name] = value
    return flat


def unflatten_fields(flat):
    """The inverse of ``flatten_fields``."""
    batch = {}
    for name, value in flat.items():
        field, separator, key = name.partition("/")
        if separator:
            batch.setdefault(field, {})[key] = value
        else:
            batch[name] = value
    return batch


class SimpleReplayPool:
    """Fixed-capacity FIFO pool of (s, a, r, terminal, s') transitions.

    ``terminals`` records gymnasium's ``terminated`` only: a transition cut off by a time limit
    keeps ``terminal = 0`` so that its target bootstraps through ``s'``.

    Discrete actions are stored as indices (``action_shape=()``, ``action_dtype='int32'``).

    Observations are flat float32 vectors (``observation_shape``), or dicts
    (``observation_layout``, ``{key: (shape, dtype)}``) with each key stored in its own shape
    and dtype. An image key (uint8, rank 3) is stored once per transition, not twice: the
    next observation of transition i is the observation of transition i + 1, except where
    the two differ (the end of a path, and the newest transition, whose successor has not
    come yet): those next images are kept apart, in ``explicit_next_images``. Whether they
    differ is decided by comparing the arrays when the successor is added, so the pool needs
    nothing from the sampler and a restored pool is rebuilt the same way.

    Memory is allocated once: a 1M-transition HalfCheetah pool (17-d observations, 6-d actions)
    takes (2 * 17 + 6 + 1 + 1) * 4 bytes * 1e6 = 168 MB. ``nbytes`` is what the arrays hold.
    """

    def __init__(self, observation_shape=None, action_shape=(), max_size=int(1e6), seed=None,
                 action_dtype="float32", observation_layout=None):
        max_size = int(max_size)
        if max_size <= 0:
            raise ValueError(f"replay pool max_size must be positive, got {max_size}")
        if (observation_layout is None) == (observation_shape is None):
            raise ValueError("give exactly one of observation_shape (flat observations) and "
                             "observation_layout (dict observations)")
        self._max_size = max_size
        self.observation_layout = observation_layout
        self.image_keys = image_keys(observation_layout)
        # Called with the observations of every batch the pool receives, before it is stored
        # (SimBa's running normalizer). Not part of the pool's state: restoring a pool from
        # its checkpoint does not call them (the listener keeps its own state).
        self.observation_listeners = []

        def observation_arrays(skip_images):
            if observation_layout is None:
                return np.zeros((max_size, *observation_shape), np.float32)
            return {key: np.zeros((max_size, *shape), np.dtype(dtype))
                    for key, (shape, dtype) in observation_layout.items()
                    if not (skip_images and key in self.image_keys)}

        self.fields = {
            "observations": observation_arrays(skip_images=False),
            "actions": np.zeros((max_size, *action_shape), np.dtype(action_dtype)),
            "rewards": np.zeros((max_size,), np.float32),
            "terminals": np.zeros((max_size,), np.float32),
            "next_observations": observation_arrays(skip_images=True),
        }
        self.explicit_next_images = {}  # ring row -> {image key: next image}
        self._pointer = 0  # where the next sample goes
        self._size = 0
        self._samples_added = 0  # ever, including overwritten ones
        self._rng = np.random.default_rng(seed)

    @property
    def size(self):
        return self._size

    @property
    def max_size(self):
        return self._max_size

    capacity = max_size

    @property
    def pointer(self):
        """Where the next transition goes in the ring."""
        return self._pointer

    @property
    def samples_added(self):
        return self._samples_added

    @property
    def nbytes(self):
        """Bytes held by the stored arrays (allocated rows and kept next images)."""
        arrays = [value for field in self.fields.values()
                  for value in (field.values() if isinstance(field, dict) else [field])]
        explicit = sum(image.nbytes for images in self.explicit_next_images.values()
                       for image in images.values())
        return sum(array.nbytes for array in arrays) + explicit

    def __len__(self):
        return self._size

    # -- Adding --------------------------------------------------------------------------------
    def _check_samples(self, samples):
        missing = set(FIELDS) - set(samples)
        if missing:
            raise ValueError(f"samples are missing the fields {sorted(missing)}")
        num_samples = len(samples["rewards"])
        for name in FIELDS:
            value = samples[name]
            if self.observation_layout is not None and name in OBSERVATION_FIELDS:
                if not isinstance(value, dict) or set(value) != set(self.observation_layout):
                    raise ValueError(f"field {name!r} must be a dict with the keys "
                                     f"{sorted(self.observation_layout)}")
                lengths = {key: len(array) for key, array in value.items()}
            else:
                lengths = {name: len(value)}
            for key, length in lengths.items():
                if length != num_samples:
                    raise ValueError(f"field {key!r} has {length} rows, rewards has "
                                     f"{num_samples}")
        return num_samples

    def add_samples(self, samples):
        """Adds a batch: a dict of arrays with equal leading dimension for every field."""
        num_samples = self._check_samples(samples)
        self._tell_listeners(samples["observations"])
        if num_samples > self._max_size:  # only the newest max_size survive anyway
            samples = _rows(samples, slice(-self._max_size, None))
            self._samples_added += num_samples - self._max_size
            num_samples = self._max_size
        if self.image_keys:  # one at a time: each compares its images with its predecessor's
            for index in range(num_samples):
                self._add_rows(_rows(samples, slice(index, index + 1)), 1)
        else:
            self._add_rows(samples, num_samples)

    def _tell_listeners(self, observations):
        for listener in self.observation_listeners:
            listener(observations)

    def _add_rows(self, samples, num_samples):
        indices = (self._pointer + np.arange(num_samples)) % self._max_size
        if self.image_keys:
            self._keep_next_images(samples, indices[0])
        for name in FIELDS:
            stored, values = self.fields[name], samples[name]
            if isinstance(stored, dict):
                for key, array in stored.items():
                    array[indices] = values[key]
            else:
                stored[indices] = values
        self._pointer = (self._pointer + num_samples) % self._max_size
        self._size = min(self._size + num_samples, self._max_size)
        self._samples_added += num_samples

    def _keep_next_images(self, sample, row):
        """Bookkeeping of the next images as one transition goes into ``row``."""
        if self._size > 0:
            previous = (row - 1) % self._max_size
            kept = self.explicit_next_images.get(previous)
            if kept is not None and all(
                    np.array_equal(kept[key], sample["observations"][key][0])
                    for key in self.image_keys):
                del self.explicit_next_images[previous]  # it is this transition's observation
        self.explicit_next_images.pop(row, None)  # the transition overwritten here
        self.explicit_next_images[row] = {
            key: np.array(sample["next_observations"][key][0]) for key in self.image_keys}

    def add_sample(self, sample):
        """Adds one transition: a dict of unbatched values."""
        self.add_samples({name: _map(lambda value: np.asarray(value)[None], sample[name])
                          for name in FIELDS})

    def end_episode(self):
        """Told by the sampler when a path ends; pools that keep episodes (hindsight
        relabelling) override it."""

    def add_path(self, path):
        """Adds a whole path (a dict of arrays with one row per time step) and ends it."""
        self.add_samples(path)
        self.end_episode()

    # -- Sampling ------------------------------------------------------------------------------
    def random_indices(self, batch_size):
        if self._size == 0:
            raise ValueError("cannot sample from an empty replay pool")
        return self._rng.integers(0, self._size, size=batch_size)

    def batch_by_indices(self, indices):
        batch = {name: _map(lambda array: array[indices], self.fields[name]) for name in FIELDS}
        if self.image_keys:
            batch["next_observations"].update(self._next_images(np.asarray(indices)))
        return batch

    def _next_images(self, indices):
        following = (indices + 1) % self._max_size
        images = {key: self.fields["observations"][key][following] for key in self.image_keys}
        for position, row in enumerate(indices.tolist()):
            kept = self.explicit_next_images.get(row)
            if kept is not None:
                for key in self.image_keys:
                    images[key][position] = kept[key]
        return images

    def random_batch(self, batch_size):
        """A uniformly drawn batch (with replacement) of the stored transitions."""
        return self.batch_by_indices(self.random_indices(batch_size))

    def last_n_rows(self, n):
        """The ring rows of the ``n`` most recently added transitions, oldest first."""
        n = min(n, self._size)
        return (self._pointer - n + np.arange(n)) % self._max_size

    def last_n_batch(self, n):
        """The ``n`` most recently added transitions, oldest first."""
        return self.batch_by_indices(self.last_n_rows(n))

    # -- State ---------------------------------------------------------------------------------
    @property
    def rng_state(self):
        """The batch-sampling generator's state (JSON-able)."""
        return self._rng.bit_generator.state

    def set_rng_state(self, rng_state):
        """Restores ``rng_state`` alone (a pool refilled from a dataset, not a checkpoint)."""
        self._rng.bit_generator.state = rng_state

    def state_dict(self):
        """The stored transitions (oldest first), counters and sampling RNG, as plain data."""
        return {
            "transitions": self.last_n_batch(self._size),
            "samples_added": self._samples_added,
            "pointer": self._pointer,
            "rng_state": self.rng_state,
        }

    def load_state_dict(self, state):
        """Restores ``state_dict()``'s output into the same ring positions: a full pool's
        oldest transition goes where the next one will be written, so that the same random
        indices draw the same transitions as in the pool that was saved."""
        transitions = state["transitions"]
        self._pointer, self._size, self._samples_added = 0, 0, 0
        self.explicit_next_images = {}
        listeners, self.observation_listeners = self.observation_listeners, []
        try:  # stored transitions, not new ones: the listeners restore their own state
            self.add_samples(transitions)
        finally:
            self.observation_listeners = listeners
        self._samples_added = int(state["samples_added"])
        if self._size == self._max_size and state.get("pointer") is not None:
            self._pointer = int(state["pointer"])
            for name in FIELDS:
                self.fields[name] = _map(lambda array: np.roll(array, self._pointer, axis=0),
                                         self.fields[name])
            self.explicit_next_images = {
                (row + self._pointer) % self._max_size: images
                for row, images in self.explicit_next_images.items()}
        self._rng.bit_generator.state = state["rng_state"]


def _map(function, value):
    """``function`` of an array, or of each array of a dict."""
    if isinstance(value, dict):
        return {key: function(array) for key, array in value.items()}
    return function(value)


def _rows(samples, rows):
    return {name: _map(lambda array: array[rows], value) for name, value in samples.items()}
