"""Every batch sampler of every pool, checked the same way on its own draws: each stored row
is reachable (the newest included, before and after the ring wraps), nothing outside the stored
rows is drawn, and the frequencies are uniform.

The uniformity bound: with N draws over K rows each row's count is Binomial(N, 1/K); every
count must lie within 5 standard deviations of N/K. The draws are seeded, so the test is
deterministic; for a correct sampler a count outside the bound has probability below 6e-7 per
row. A sampler whose upper bound leaves out the newest row fails reachability; one that draws a
row twice as often as another fails the bound.
"""
import numpy as np
import pytest
import tensorflow as tf

from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import RELABEL_STRATEGIES
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool
from softlearning_tf2.replay_pools.tensor_replay_pool import TensorReplayPool
from tests.replay_pools.test_hindsight_experience_replay_pool import add_episodes, make_pool
from tests.replay_pools.test_simple_replay_pool import transitions


def assert_uniform_over(drawn, allowed):
    """``drawn`` (integers) covers exactly ``allowed`` with counts within 5 sigma of uniform."""
    drawn = np.asarray(drawn).ravel()
    allowed = sorted(set(int(value) for value in allowed))
    values, counts = np.unique(drawn, return_counts=True)
    assert values.tolist() == allowed, (
        f"drawn {values.tolist()} but stored {allowed}: "
        f"missing {sorted(set(allowed) - set(values.tolist()))}, "
        f"outside {sorted(set(values.tolist()) - set(allowed))}")
    n, p = len(drawn), 1.0 / len(allowed)
    bound = 5.0 * np.sqrt(n * p * (1.0 - p))
    worst = np.max(np.abs(counts - n * p))
    assert worst <= bound, (f"counts {dict(zip(values.tolist(), counts.tolist()))}: "
                            f"{worst:.1f} from {n * p:.1f}, bound {bound:.1f}")


def stored_steps(pool):
    """The step numbers (``transitions`` writes step t as reward t) the pool holds now."""
    return pool.last_n_batch(pool.size)["rewards"].astype(np.int64)


# (transitions added, capacity): part full, exactly full, wrapped around more than once.
FILLS = [(7, 20), (20, 20), (47, 20)]


@pytest.mark.parametrize("added,max_size", FILLS)
def test_numpy_pool_draws(added, max_size):
    pool = SimpleReplayPool((2,), (1,), max_size=max_size, seed=0)
    pool.add_samples(transitions(0, added))
    newest = added - 1
    assert newest in stored_steps(pool)
    assert_uniform_over(pool.random_batch(20_000)["rewards"], stored_steps(pool))


@pytest.mark.parametrize("added,max_size", FILLS)
def test_tensor_pool_draws_in_python_and_in_a_graph(added, max_size):
    pool = TensorReplayPool((2,), (1,), max_size=max_size, seed=0)
    pool.add_samples(transitions(0, added - 1))
    pool.add_sample({name: value[0] for name, value in transitions(added - 1, 1).items()})
    assert_uniform_over(pool.random_batch(20_000)["rewards"], stored_steps(pool))
    draw = tf.function(lambda: pool.sample_batch(20_000)["rewards"], autograph=False)
    assert_uniform_over(draw().numpy(), stored_steps(pool))


def test_tensor_pool_draws_the_row_stored_in_the_same_graph_call():
    """The default training step's order: a compiled call stores the newest transition, then
    draws its batch; that batch reaches the row just stored, as often as any other row, also
    when the store wraps the ring."""
    pool = TensorReplayPool((2,), (1,), max_size=8, seed=1)
    pool.add_samples(transitions(0, 3))

    @tf.function(autograph=False)
    def store_and_draw(transition):
        pool.store(transition)
        return pool.sample_batch(4_000)["rewards"]

    newest_counts, expected, variance = 0, 0.0, 0.0
    for step in range(3, 20):  # the ring wraps at step 8 and again at 16
        transition = {name: value[0] for name, value in transitions(step, 1).items()}
        pool.add_sample(transition)  # the Python counters; the graph writes the row
        pool.take_pending()
        drawn = store_and_draw({name: tf.constant(value)
                                for name, value in transition.items()}).numpy()
        stored = set(range(max(0, step - 7), step + 1))
        assert set(drawn.astype(int).tolist()) <= stored, step
        newest_counts += int(np.sum(drawn == step))
        p = 1.0 / len(stored)
        expected += 4_000 * p
        variance += 4_000 * p * (1 - p)
    assert abs(newest_counts - expected) <= 5 * np.sqrt(variance), (newest_counts, expected)
    np.testing.assert_array_equal(stored_steps(pool), np.arange(12, 20))
    draw = tf.function(lambda: pool.sample_batch(20_000)["rewards"], autograph=False)
    assert_uniform_over(draw().numpy(), range(12, 20))


@pytest.mark.parametrize("max_size", [1000, 30])  # 30: the ring has overwritten episodes
def test_hindsight_pool_draws_rows_uniformly(max_size):
    pool = make_pool("future", max_size=max_size, probability=0.0)
    add_episodes(pool, [7, 12, 5, 9])  # 33 transitions
    episode, step = pool.last_n_batch(pool.size)["observations"]["achieved_goal"].T
    keys = (episode * 100 + step).astype(np.int64)
    assert (3 * 100 + 8) in keys  # the newest transition is stored
    batch = pool.random_batch(20_000)
    drawn_episode, drawn_step = batch["observations"]["achieved_goal"].T
    assert_uniform_over((drawn_episode * 100 + drawn_step).astype(np.int64), keys)


@pytest.mark.parametrize("strategy", RELABEL_STRATEGIES)
def test_hindsight_goal_draws_are_uniform_over_each_strategys_set(strategy):
    """``goal_sample_indices`` from uniforms: every allowed goal index, both ends included,
    equally often (final: the episode's last step only), on an episode whose first steps the
    ring has overwritten."""
    pool = make_pool(strategy, max_size=28)
    add_episodes(pool, [7, 12, 5, 9, 4])  # 37 transitions: samples 9..36 stored
    oldest = pool.samples_added - pool.size
    assert oldest == 9  # episode 1 is samples 7..18: its first two steps are gone
    row = int(np.flatnonzero(pool.sample_indices_of(np.arange(28)) == 11)[0])  # its step 4
    uniforms = np.random.default_rng(0).random(20_000)
    drawn = pool.goal_sample_indices(np.full(20_000, row), uniforms)
    allowed = {"future": range(11, 19), "final": [18], "episode": range(9, 19),
               "random": range(oldest, pool.samples_added)}[strategy]
    assert_uniform_over(drawn, allowed)
