"""A preallocated ring buffer of transitions, stored as numpy arrays."""
import numpy as np

FIELDS = ("observations", "actions", "rewards", "terminals", "next_observations")


class SimpleReplayPool:
    """Fixed-capacity FIFO pool of (s, a, r, terminal, s') transitions.

    ``terminals`` records gymnasium's ``terminated`` only: a transition cut off by a time limit
    keeps ``terminal = 0`` so that its target bootstraps through ``s'``.

    Discrete actions are stored as indices (``action_shape=()``, ``action_dtype='int32'``).

    Memory is allocated once: a 1M-transition HalfCheetah pool (17-d observations, 6-d actions)
    takes (2 * 17 + 6 + 1 + 1) * 4 bytes * 1e6 = 168 MB.
    """

    def __init__(self, observation_shape, action_shape, max_size, seed=None,
                 action_dtype="float32"):
        max_size = int(max_size)
        if max_size <= 0:
            raise ValueError(f"replay pool max_size must be positive, got {max_size}")
        self._max_size = max_size
        self.fields = {
            "observations": np.zeros((max_size, *observation_shape), np.float32),
            "actions": np.zeros((max_size, *action_shape), np.dtype(action_dtype)),
            "rewards": np.zeros((max_size,), np.float32),
            "terminals": np.zeros((max_size,), np.float32),
            "next_observations": np.zeros((max_size, *observation_shape), np.float32),
        }
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

    def __len__(self):
        return self._size

    def add_samples(self, samples):
        """Adds a batch: a dict of arrays with equal leading dimension for every field."""
        missing = set(FIELDS) - set(samples)
        if missing:
            raise ValueError(f"samples are missing the fields {sorted(missing)}")
        num_samples = len(samples["rewards"])
        for name in FIELDS:
            if len(samples[name]) != num_samples:
                raise ValueError(f"field {name!r} has {len(samples[name])} rows, "
                                 f"rewards has {num_samples}")
        if num_samples > self._max_size:  # only the newest max_size survive anyway
            samples = {name: samples[name][-self._max_size:] for name in FIELDS}
            self._samples_added += num_samples - self._max_size
            num_samples = self._max_size
        indices = (self._pointer + np.arange(num_samples)) % self._max_size
        for name in FIELDS:
            self.fields[name][indices] = samples[name]
        self._pointer = (self._pointer + num_samples) % self._max_size
        self._size = min(self._size + num_samples, self._max_size)
        self._samples_added += num_samples

    def add_sample(self, sample):
        """Adds one transition: a dict of unbatched values."""
        self.add_samples({name: np.asarray(sample[name])[None] for name in FIELDS})

    def add_path(self, path):
        """Adds a whole path: a dict of arrays with one row per time step."""
        self.add_samples(path)

    def random_indices(self, batch_size):
        if self._size == 0:
            raise ValueError("cannot sample from an empty replay pool")
        return self._rng.integers(0, self._size, size=batch_size)

    def batch_by_indices(self, indices):
        return {name: self.fields[name][indices] for name in FIELDS}

    def random_batch(self, batch_size):
        """A uniformly drawn batch (with replacement) of the stored transitions."""
        return self.batch_by_indices(self.random_indices(batch_size))

    def last_n_batch(self, n):
        """The ``n`` most recently added transitions, oldest first."""
        n = min(n, self._size)
        indices = (self._pointer - n + np.arange(n)) % self._max_size
        return self.batch_by_indices(indices)

    @property
    def rng_state(self):
        """The batch-sampling generator's state (JSON-able)."""
        return self._rng.bit_generator.state

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
        self.add_samples(transitions)
        self._samples_added = int(state["samples_added"])
        if self._size == self._max_size and state.get("pointer") is not None:
            self._pointer = int(state["pointer"])
            for name in FIELDS:
                self.fields[name] = np.roll(self.fields[name], self._pointer, axis=0)
        self._rng.bit_generator.state = state["rng_state"]
