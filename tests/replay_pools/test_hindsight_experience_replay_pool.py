"""Hindsight relabelling against a brute-force recomputation over the stored episodes.

Episodes are synthetic: the achieved goal of step t of episode e is (e, t), unique in the pool,
and every stored desired goal is (-1, -1), so a relabelled goal names the exact transition it
came from, and GoalPoint's reward (0 within 0.05 of the goal) is 0 only where the goal is the
transition's own next achieved goal."""
import numpy as np
import pytest

from softlearning_tf2.environments.goal_point import GoalPointEnv
from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import (
    HindsightExperienceReplayPool, RELABEL_STRATEGIES, relabel_probability_of)

LAYOUT = {"observation": ((2,), "float32"), "achieved_goal": ((2,), "float32"),
          "desired_goal": ((2,), "float32")}
UNSET_GOAL = np.array([-1.0, -1.0], np.float32)


def make_pool(strategy, max_size=1000, probability=None, environment=None, seed=0, **kwargs):
    return HindsightExperienceReplayPool(
        goal_environment=environment or GoalPointEnv(), relabel_strategy=strategy,
        relabel_probability=probability, observation_layout=LAYOUT, action_shape=(2,),
        max_size=max_size, seed=seed, **kwargs)


def add_episodes(pool, lengths, first_episode=0):
    """Adds episodes through add_sample / end_episode, as the sampler does."""
    for episode, length in enumerate(lengths, start=first_episode):
        for step in range(length):
            achieved = np.array([episode, step], np.float32)
            next_achieved = np.array([episode, step + 1], np.float32)
            pool.add_sample({
                "observations": {"observation": achieved, "achieved_goal": achieved,
                                 "desired_goal": UNSET_GOAL},
                "actions": np.zeros(2, np.float32), "rewards": -1.0, "terminals": 0.0,
                "next_observations": {"observation": next_achieved,
                                      "achieved_goal": next_achieved,
                                      "desired_goal": UNSET_GOAL}})
        pool.end_episode()


def stored_episodes(pool):
    """Brute force: episode -> the steps of it still stored, from the pool's observations."""
    episodes = {}
    for episode, step in pool.last_n_batch(pool.size)["observations"]["achieved_goal"]:
        episodes.setdefault(int(episode), []).append(int(step))
    return episodes


def allowed_goals(strategy, episodes, episode, step):
    """The next achieved goals (episode, t' + 1) that ``strategy`` may give step ``step``."""
    steps = episodes[episode]
    if strategy == "future":
        chosen = [t for t in steps if t >= step]
    elif strategy == "final":
        chosen = [max(steps)]
    elif strategy == "episode":
        chosen = steps
    else:
        return {(other, t + 1) for other, its_steps in episodes.items() for t in its_steps}
    return {(episode, t + 1) for t in chosen}


@pytest.mark.parametrize("strategy", RELABEL_STRATEGIES)
@pytest.mark.parametrize("max_size", [1000, 70])  # 70: the ring has overwritten episodes
def test_relabelled_goals_rewards_and_terminals_against_brute_force(strategy, max_size):
    environment = GoalPointEnv(terminate_on_success=True)
    pool = make_pool(strategy, max_size=max_size, environment=environment)
    add_episodes(pool, [7, 12, 5, 20, 9, 11, 15])  # 79 transitions
    add_episodes(pool, [6], first_episode=7)
    episodes = stored_episodes(pool)
    batch = pool.random_batch(4000)
    relabelled = 0
    for row in range(4000):
        episode, step = map(int, batch["observations"]["achieved_goal"][row])
        goal = batch["observations"]["desired_goal"][row]
        np.testing.assert_array_equal(goal, batch["next_observations"]["desired_goal"][row])
        if np.array_equal(goal, UNSET_GOAL):
            assert batch["rewards"][row] == -1.0 and batch["terminals"][row] == 0.0
            continue
        relabelled += 1
        assert tuple(map(int, goal)) in allowed_goals(strategy, episodes, episode, step)
        reached = tuple(map(int, goal)) == (episode, step + 1)
        assert batch["rewards"][row] == (0.0 if reached else -1.0)
        assert batch["terminals"][row] == float(reached)
    assert abs(relabelled / 4000 - 0.8) < 0.03  # k = 4


@pytest.mark.parametrize("strategy", ["future", "episode"])
def test_every_allowed_goal_is_drawn(strategy):
    """The draws cover the whole allowed set (a bound that is off by one would miss an end)."""
    pool = make_pool(strategy, probability=1.0)
    add_episodes(pool, [6, 4])
    batch = pool.random_batch(5000)
    episodes = stored_episodes(pool)
    drawn = {}
    for (episode, step), goal in zip(batch["observations"]["achieved_goal"].astype(int),
                                     batch["observations"]["desired_goal"].astype(int)):
        drawn.setdefault((episode, step), set()).add(tuple(goal))
    for (episode, step), goals in drawn.items():
        assert goals == allowed_goals(strategy, episodes, episode, step)


def test_an_episode_in_progress_counts_the_steps_stored_so_far():
    pool = make_pool("final", probability=1.0)
    add_episodes(pool, [5])
    for step in range(3):  # episode 1 still running
        achieved = np.array([1, step], np.float32)
        pool.add_sample({"observations": {"observation": achieved, "achieved_goal": achieved,
                                          "desired_goal": UNSET_GOAL},
                         "actions": np.zeros(2), "rewards": -1.0, "terminals": 0.0,
                         "next_observations": {"observation": achieved + [0, 1],
                                               "achieved_goal": achieved + [0, 1],
                                               "desired_goal": UNSET_GOAL}})
    batch = pool.random_batch(200)
    for achieved, goal in zip(batch["observations"]["achieved_goal"],
                              batch["observations"]["desired_goal"]):
        assert tuple(goal) == ((0, 5) if achieved[0] == 0 else (1, 3))


def test_probability_zero_leaves_batches_as_stored_and_k_sets_the_probability():
    pool = make_pool("future", probability=0.0)
    add_episodes(pool, [10, 10])
    batch = pool.random_batch(500)
    assert (batch["observations"]["desired_goal"] == UNSET_GOAL).all()
    assert (batch["rewards"] == -1.0).all()
    assert relabel_probability_of(relabel_k=4) == 0.8
    assert relabel_probability_of(relabel_k=1) == 0.5
    assert relabel_probability_of(relabel_k=3, relabel_probability=0.25) == 0.25
    with pytest.raises(ValueError, match="relabel_k must be a non-negative integer"):
        relabel_probability_of(relabel_k=-1)


def test_one_large_draw_relabels_as_consecutive_small_draws():
    """Fused updates stack K batches into one draw: the same transitions and goals."""
    pools = [make_pool("future", seed=3) for _ in range(2)]
    for pool in pools:
        add_episodes(pool, [8, 13, 6])
    large = pools[0].random_batch(4 * 16)
    small = [pools[1].random_batch(16) for _ in range(4)]
    for field in ("rewards", "terminals"):
        np.testing.assert_array_equal(large[field],
                                      np.concatenate([batch[field] for batch in small]))
    np.testing.assert_array_equal(
        large["observations"]["desired_goal"],
        np.concatenate([batch["observations"]["desired_goal"] for batch in small]))


@pytest.mark.parametrize("max_size", [1000, 40])
def test_state_dict_round_trip_relabels_the_same(max_size):
    pool = make_pool("episode", max_size=max_size)
    add_episodes(pool, [9, 14, 12, 7])
    restored = make_pool("episode", max_size=max_size, seed=99)
    state = pool.state_dict()
    restored.load_state_dict(state)
    np.testing.assert_array_equal(restored.episode_starts, pool.episode_starts)
    for _ in range(3):
        mine, theirs = pool.random_batch(64), restored.random_batch(64)
        np.testing.assert_array_equal(mine["observations"]["desired_goal"],
                                      theirs["observations"]["desired_goal"])
        np.testing.assert_array_equal(mine["rewards"], theirs["rewards"])
    # After a restore the sampler starts a new episode: it must not join the last one.
    add_episodes(restored, [3], first_episode=10)
    episodes = stored_episodes(restored)
    batch = restored.random_batch(500)
    for (episode, step), goal in zip(batch["observations"]["achieved_goal"].astype(int),
                                     batch["observations"]["desired_goal"].astype(int)):
        if tuple(goal) != (-1, -1):
            assert tuple(goal) in allowed_goals("episode", episodes, episode, step)


def test_a_scalar_compute_terminated_is_called_row_by_row():
    class RowByRow(GoalPointEnv):
        vectorized_compute_terminated = False
        calls = 0

        def compute_terminated(self, achieved_goal, desired_goal, info):
            assert np.shape(achieved_goal) == (2,)
            RowByRow.calls += 1
            return bool(np.linalg.norm(achieved_goal - desired_goal) <= 0.05)

    pool = make_pool("future", probability=1.0, environment=RowByRow())
    add_episodes(pool, [5, 5])
    batch = pool.random_batch(20)
    assert RowByRow.calls == 20
    reached = (batch["observations"]["desired_goal"]
               == batch["next_observations"]["achieved_goal"]).all(axis=1)
    np.testing.assert_array_equal(batch["terminals"], reached.astype(np.float32))


def test_a_pool_without_goals_or_a_bad_strategy_is_refused():
    with pytest.raises(ValueError, match="valid choices: future, final, episode, random"):
        make_pool("later")
    with pytest.raises(ValueError, match="observations lack the keys"):
        HindsightExperienceReplayPool(goal_environment=GoalPointEnv(),
                                      observation_layout={"position": ((2,), "float32")},
                                      action_shape=(2,), max_size=10)
    with pytest.raises(ValueError, match="no compute_reward"):
        make_pool("future", environment=object())
