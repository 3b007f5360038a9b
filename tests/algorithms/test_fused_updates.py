"""Fused updates (several per compiled call) learn exactly what the plain path does."""
import numpy as np
import pytest

from tests.algorithms.test_droq import make_droq
from tests.algorithms.test_redq import make_redq
from tests.algorithms.test_sac import make_sac
from tests.algorithms.test_sql import make_sql
from tests.algorithms.test_tqc import make_tqc

# Fused calls trace a loop of updates: seconds per test, so outside the fast tier.
pytestmark = pytest.mark.integration

# REDQ and DroQ with their policy step on every 4th update: the fused call's loop holds the
# conditional policy step, whose turn comes at the 4th, 8th, ... update wherever it lies.
BUILDERS = {"SAC": make_sac, "SQL": lambda **config: make_sql(**config), "TQC": make_tqc,
            "REDQ": lambda **config: make_redq(policy_update_interval=4, **config),
            "DroQ": lambda **config: make_droq(dropout_rate=0.1, policy_update_interval=4,
                                               **config)}


def weights(algorithm):
    models, _, variables = algorithm.checkpointables()
    arrays = [w for model in models.values() for w in model.get_weights()]
    return arrays + [variable.numpy() for variable in variables.values()]


def filled(builder, **config):
    algorithm = builder(epoch_length=100, n_initial_exploration_steps=100, min_pool_size=100,
                        **config)
    algorithm.train_steps(100)  # warm-up only: reaches min_pool_size, no update yet
    return algorithm


@pytest.mark.parametrize("name", list(BUILDERS))
def test_fused_call_equals_sequential_updates(name):
    plain, fused = filled(BUILDERS[name]), filled(BUILDERS[name])
    batches = [plain.pool.random_batch(32) for _ in range(5)]
    for batch in batches:
        plain._update(batch)
    stacked = {key: np.stack([batch[key] for batch in batches]) for key in batches[0]}
    fused._fused_update(stacked)
    for a, b in zip(weights(plain), weights(fused)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# TQC and REDQ fuse as the direct comparison above shows; DroQ's run stands for the loop with
# a conditional policy step and dropout masks.
@pytest.mark.parametrize("name", ["SAC", "SQL", "DroQ"])
def test_training_loop_fused_and_plain_give_the_same_weights(name):
    config = {"n_train_repeat": 4, "train_every_n_steps": 4}
    plain = filled(BUILDERS[name], fuse_train_repeats=False, **config)
    fused = filled(BUILDERS[name], fuse_train_repeats=True, **config)
    plain.train_steps(40)
    fused.train_steps(40)
    # 4 updates at the 100th (warm-up) step, then 4 every 4th of the next 40 steps.
    assert plain.num_train_steps == fused.num_train_steps == 44
    for a, b in zip(weights(plain), weights(fused)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_stacked_batches_are_the_sequential_batches():
    first, second = filled(make_sac), filled(make_sac)
    stacked = first._stacked_training_batches(3)
    for index in range(3):
        batch = second._training_batch()
        for key in batch:
            np.testing.assert_array_equal(stacked[key][index].numpy(), batch[key].numpy())
