"""Minari datasets: written, read back as the same transitions, checked against the
environment, and the normalized score."""
import os

import gymnasium
import numpy as np
import pytest

from softlearning_tf2.datasets.minari_datasets import (
    DatasetError, dataset_transitions, episodes_of_transitions, load_dataset,
    normalized_score, record_episodes, reference_scores, write_dataset)
from softlearning_tf2.datasets.utils import OfflineData
from softlearning_tf2.environments.utils import get_environment


@pytest.fixture
def minari_root(tmp_path, monkeypatch):
    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    return root


def random_actor(environment, seed):
    rng = np.random.default_rng(seed)
    space = environment.action_space
    return lambda observation: rng.uniform(space.low, space.high).astype(space.dtype)


def test_normalized_score_is_d4rls():
    np.testing.assert_allclose(normalized_score([-280.0, 3000.0, 1000.0], -280.0, 3000.0),
                               [0.0, 100.0, 100 * 1280 / 3280])
    with pytest.raises(DatasetError, match="cannot normalize"):
        normalized_score([1.0], 5.0, 5.0)


def test_recorded_episodes_round_trip_as_transitions(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, returns = record_episodes(raw, random_actor(raw, 0), 3, seed=4)
    write_dataset("test/pendulum/random-v0", buffers, raw, -1200.0, -150.0, "random", "test")
    environment = get_environment("gymnasium", "Pendulum", "v1")
    data = OfflineData("test/pendulum/random-v0", environment)
    assert data.size == 600 and (data.reference_min, data.reference_max) == (-1200.0, -150.0)
    np.testing.assert_allclose(data.returns, returns, rtol=1e-12)
    observations = np.concatenate([np.asarray(b.observations[:-1], np.float32)
                                   for b in buffers])
    next_observations = np.concatenate([np.asarray(b.observations[1:], np.float32)
                                        for b in buffers])
    actions = np.concatenate([b.actions for b in buffers])
    np.testing.assert_array_equal(data.transitions["observations"], observations)
    np.testing.assert_array_equal(data.transitions["next_observations"], next_observations)
    # Pendulum's torques are in [-2, 2]; the pool's actions in [-1, 1].
    np.testing.assert_allclose(data.transitions["actions"], actions / 2.0, rtol=1e-6)
    np.testing.assert_array_equal(data.transitions["rewards"],
                                  np.concatenate([b.rewards for b in buffers]).astype(np.float32))
    assert not data.transitions["terminals"].any()  # Pendulum only truncates
    assert all(b.truncations[-1] and not b.truncations[:-1].any() for b in buffers)


def test_terminations_and_truncations_are_kept_apart(minari_root):
    raw = gymnasium.make("Hopper-v5")
    # Random actions end Hopper's episodes by termination (it falls); 30 steps cut the rest.
    buffers, _ = record_episodes(raw, random_actor(raw, 1), 6, seed=2, max_path_length=30)
    terminated = [bool(b.terminations[-1]) for b in buffers]
    assert any(terminated) and not all(terminated)
    write_dataset("test/hopper/random-v0", buffers, raw, 0.0, 1.0, "random", "test")
    data = OfflineData("test/hopper/random-v0", get_environment("gymnasium", "Hopper", "v5"))
    ends = np.cumsum([len(b.rewards) for b in buffers]) - 1
    np.testing.assert_array_equal(np.flatnonzero(data.transitions["terminals"]),
                                  ends[np.array(terminated)])


def test_a_pools_transitions_become_episodes_and_come_back_the_same(minari_root):
    rng = np.random.default_rng(0)
    environment = get_environment("gymnasium", "Pendulum", "v1")
    # Three episodes of lengths 4, 3 and 5: the second ends terminal, the others truncated
    # (the next row starts from a new reset), the last is cut off by the pool's end.
    rows = []
    for length, terminal_end in ((4, False), (3, True), (5, False)):
        observation = rng.normal(size=3).astype(np.float32)
        for step in range(length):
            next_observation = rng.normal(size=3).astype(np.float32)
            rows.append((observation, rng.uniform(-1, 1, 1).astype(np.float32),
                         np.float32(rng.normal()), float(terminal_end and step == length - 1),
                         next_observation))
            observation = next_observation
    transitions = {name: np.array([row[index] for row in rows], np.float32)
                   for index, name in enumerate(("observations", "actions", "rewards",
                                                 "terminals", "next_observations"))}
    buffers, returns = episodes_of_transitions(transitions, np.float32,
                                               environment.to_environment_actions)
    assert [len(b.rewards) for b in buffers] == [4, 3, 5]
    assert [bool(b.terminations[-1]) for b in buffers] == [False, True, False]
    assert [bool(b.truncations[-1]) for b in buffers] == [True, False, True]
    raw = gymnasium.make("Pendulum-v1")
    write_dataset("test/pendulum/replay-v0", buffers, raw, -1200.0, -150.0, "replay", "test")
    data = OfflineData("test/pendulum/replay-v0", environment)
    for name, values in transitions.items():
        np.testing.assert_allclose(data.transitions[name], values, rtol=1e-6, atol=1e-7,
                                   err_msg=name)


def test_unknown_dataset_names_the_local_ones(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, _ = record_episodes(raw, random_actor(raw, 0), 1, seed=0)
    write_dataset("test/pendulum/one-v0", buffers, raw, -1200.0, -150.0, "random", "test")
    with pytest.raises(DatasetError, match="unknown dataset 'test/nope-v0'.*test/pendulum/one-v0"):
        load_dataset("test/nope-v0")
    with pytest.raises(DatasetError, match="exists already"):
        write_dataset("test/pendulum/one-v0", buffers, raw, -1200.0, -150.0, "random", "test")


def test_spaces_of_another_environment_are_refused_naming_the_field(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, _ = record_episodes(raw, random_actor(raw, 0), 1, seed=0)
    write_dataset("test/pendulum/one-v0", buffers, raw, -1200.0, -150.0, "random", "test")
    with pytest.raises(DatasetError, match="observations are Box\\(3,\\); Hopper-v5's"):
        OfflineData("test/pendulum/one-v0", get_environment("gymnasium", "Hopper", "v5"))
    # Same shapes, other bounds: MountainCarContinuous's actions are in [-1, 1] too, but its
    # observations are 2-D; InvertedPendulum has 4-D observations. A Pendulum with another
    # max torque (gymnasium's kwarg) has other action bounds.
    other = get_environment("gymnasium", "Pendulum", "v1")
    other.raw.action_space.high[:] = 3.0
    with pytest.raises(DatasetError, match="actions have other bounds"):
        OfflineData("test/pendulum/one-v0", other)


def test_non_finite_entries_are_refused_naming_the_field_and_episode(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, _ = record_episodes(raw, random_actor(raw, 0), 2, seed=0)
    buffers[1].rewards[7] = np.nan
    write_dataset("test/pendulum/nan-v0", buffers, raw, -1200.0, -150.0, "random", "test")
    with pytest.raises(DatasetError, match="non-finite rewards in episode 1"):
        OfflineData("test/pendulum/nan-v0", get_environment("gymnasium", "Pendulum", "v1"))


def test_a_damaged_dataset_file_is_one_error(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, _ = record_episodes(raw, random_actor(raw, 0), 1, seed=0)
    write_dataset("test/pendulum/one-v0", buffers, raw, -1200.0, -150.0, "random", "test")
    data_file = minari_root / "test" / "pendulum" / "one-v0" / "data" / "main_data.hdf5"
    assert os.path.isfile(data_file)
    data_file.write_bytes(b"not hdf5")
    with pytest.raises(DatasetError, match="cannot be read"):
        dataset = load_dataset("test/pendulum/one-v0")
        dataset_transitions(dataset, lambda actions: actions)


def test_reference_scores_are_in_the_metadata(minari_root):
    raw = gymnasium.make("Pendulum-v1")
    buffers, _ = record_episodes(raw, random_actor(raw, 0), 1, seed=0)
    write_dataset("test/pendulum/one-v0", buffers, raw, -1234.5, -150.25, "random", "test")
    assert reference_scores(load_dataset("test/pendulum/one-v0")) == (-1234.5, -150.25)
