"""Seeding helpers: one seed per run, split into independent streams per component."""
import numpy as np


def component_seed(seed, component):
    """Returns a deterministic 31-bit seed for ``component`` (a string) derived from ``seed``.

    Different components (the training environment, the evaluation environment, the replay
    pool, the policy's noise) get independent streams from a single run seed.
    """
    sequence = np.random.SeedSequence([int(seed), *map(ord, component)])
    return int(sequence.generate_state(1)[0] & 0x7FFFFFFF)


def random_seed():
    """A fresh 31-bit seed from the operating system's entropy (for runs given no seed)."""
    return int(np.random.SeedSequence().entropy % (2 ** 31))
