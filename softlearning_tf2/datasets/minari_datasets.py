"""Offline datasets in Minari's format (the Farama Foundation's successor of D4RL).

A dataset is a directory of Minari's storage (``MINARI_DATASETS_PATH``, or
``~/.minari/datasets``) named by its id (``softlearning/halfcheetah/medium-v0``): episodes of
the environment's own observations and actions (its raw spaces, as gymnasium returns and
takes them), rewards, and ``terminations`` and ``truncations`` kept apart, with Minari's
metadata: the environment's spec, and the reference scores that normalize a return
(``ref_min_score``: a random policy's mean return; ``ref_max_score``: an expert's).

Written here (``write_dataset``) from episodes of a trained policy (``record_episodes``) or
from a replay pool's transitions (``episodes_of_transitions``: D4RL's "replay" datasets);
read by ``load_dataset`` and turned into a pool's transitions by ``dataset_transitions``,
which checks the spaces against the environment and every entry for finiteness first.
Episode buffers are Minari's own ``EpisodeBuffer``; its ``DataCollector`` wrapper is not used
because its step recording needs JAX, which this package does not install.
"""
import numpy as np

DATASET_FIELDS = ("observations", "actions", "rewards", "terminations", "truncations")


class DatasetError(ValueError):
    """A dataset that cannot be used: missing, unreadable, or not of this environment."""


def _minari():
    import minari

    return minari


def normalized_score(returns, reference_min, reference_max):
    """D4RL's normalized score, 100 * (return - random) / (expert - random)."""
    if not np.isfinite(reference_min) or not np.isfinite(reference_max) or (
            reference_max == reference_min):
        raise DatasetError(f"reference scores {reference_min}, {reference_max} cannot "
                           f"normalize a return (they must be finite and differ)")
    return 100.0 * (np.asarray(returns, np.float64) - reference_min) / (
        reference_max - reference_min)


# -- Writing -----------------------------------------------------------------------------------
def _episode_buffer(index, seed, observations, actions, rewards, terminations, truncations):
    from minari.data_collector.episode_buffer import EpisodeBuffer

    return EpisodeBuffer(id=index, seed=seed, observations=np.asarray(observations),
                         actions=np.asarray(actions), rewards=np.asarray(rewards, np.float64),
                         terminations=np.asarray(terminations, bool),
                         truncations=np.asarray(truncations, bool), infos={})


def record_episodes(environment, act, num_episodes, seed, max_path_length=None):
    """``num_episodes`` episodes of ``act`` (raw observation -> raw action) in ``environment``
    (a gymnasium environment in its own spaces), the first reset seeded with ``seed``; each
    ends at termination, truncation or ``max_path_length`` steps (a truncation). Returns
    (Minari episode buffers, their returns)."""
    buffers, returns = [], []
    for index in range(int(num_episodes)):
        observation, _ = environment.reset(seed=int(seed) if index == 0 else None)
        observations, actions, rewards, terminations, truncations = [observation], [], [], [], []
        while True:
            action = act(observation)
            observation, reward, terminated, truncated, _ = environment.step(action)
            truncated = truncated or (max_path_length is not None
                                      and len(actions) + 1 >= max_path_length)
            observations.append(observation)
            actions.append(action)
            rewards.append(reward)
            terminations.append(terminated)
            truncations.append(truncated and not terminated)
            if terminated or truncated:
                break
        buffers.append(_episode_buffer(index, int(seed) if index == 0 else None, observations,
                                       actions, rewards, terminations, truncations))
        returns.append(float(np.sum(rewards)))
    return buffers, np.asarray(returns)


def episodes_of_transitions(transitions, observation_dtype, to_environment_actions):
    """A pool's (s, a, r, terminal, s') rows, in the order they were added, as episodes.

    An episode ends where a transition is terminal, or where the next row does not start
    from this row's next observation (a reset after a truncation); the last row ends one too
    (truncated). ``to_environment_actions`` maps the pool's actions ([-1, 1]) back to the
    environment's bounds. Returns (episode buffers, their returns)."""
    observations = np.asarray(transitions["observations"])
    next_observations = np.asarray(transitions["next_observations"])
    terminals = np.asarray(transitions["terminals"]) > 0.5
    count = len(observations)
    continues = np.zeros(count, bool)
    continues[:-1] = ~terminals[:-1] & np.all(next_observations[:-1] == observations[1:],
                                              axis=tuple(range(1, observations.ndim)))
    ends = np.flatnonzero(~continues)
    buffers, returns, start = [], [], 0
    for index, end in enumerate(ends):
        rows = slice(start, end + 1)
        episode_observations = np.concatenate(
            [observations[rows], next_observations[end:end + 1]]).astype(observation_dtype)
        length = end + 1 - start
        terminated = np.zeros(length, bool)
        terminated[-1] = terminals[end]
        rewards = np.asarray(transitions["rewards"][rows], np.float64)
        buffers.append(_episode_buffer(
            index, None, episode_observations,
            to_environment_actions(np.asarray(transitions["actions"][rows])), rewards,
            terminated, ~terminated & (np.arange(length) == length - 1)))
        returns.append(float(rewards.sum()))
        start = end + 1
    return buffers, np.asarray(returns)


def write_dataset(dataset_id, buffers, environment, reference_min, reference_max,
                  algorithm_name, description):
    """Writes a Minari dataset (its storage, its metadata: the environment's spec, the
    reference scores); returns it. ``environment``: the raw gymnasium environment."""
    minari = _minari()
    if dataset_id in local_dataset_ids():
        raise DatasetError(f"dataset {dataset_id} exists already (minari delete {dataset_id} "
                           f"removes it)")
    try:
        return minari.create_dataset_from_buffers(
            dataset_id, buffers, env=environment, eval_env=environment.spec,
            algorithm_name=algorithm_name, description=description,
            author="softlearning_tf2 make_dataset", author_email="none",
            code_permalink="softlearning_tf2/datasets/minari_datasets.py",
            ref_min_score=float(reference_min), ref_max_score=float(reference_max))
    except ValueError as error:  # Minari's own checks of the id, the spaces
        raise DatasetError(f"cannot write dataset {dataset_id}: {error}") from None


# -- Reading -----------------------------------------------------------------------------------
def local_dataset_ids():
    """The ids of the datasets in Minari's local directory."""
    return sorted(_minari().list_local_datasets())


def load_dataset(dataset_id, root=None):
    """The local Minari dataset ``dataset_id``, in ``root`` (default: Minari's directory,
    ``dataset_root()``); DatasetError (one line) if it is not there or cannot be read."""
    import os

    from minari import MinariDataset

    root = dataset_root() if root is None else str(root)
    data_path = os.path.join(root, dataset_id, "data")
    try:
        if not os.path.isdir(data_path):
            raise FileNotFoundError(data_path)
        return MinariDataset(data_path)
    except FileNotFoundError:
        local = local_dataset_ids() if root == dataset_root() else []
        raise DatasetError(f"unknown dataset {dataset_id!r}: not in {root}; local "
                           f"datasets: {', '.join(local) or 'none'}") from None
    except (OSError, ValueError, KeyError) as error:
        raise DatasetError(f"dataset {dataset_id} cannot be read ({type(error).__name__}: "
                           f"{str(error).splitlines()[0] if str(error) else ''})") from None


def dataset_root():
    """Minari's local directory: ``MINARI_DATASETS_PATH``, or ``~/.minari/datasets``."""
    import os

    from minari.storage import get_dataset_path

    return os.path.abspath(str(get_dataset_path()))


def reference_scores(dataset):
    """(ref_min_score, ref_max_score) of the dataset's metadata, None where absent."""
    metadata = dataset.storage.metadata
    return metadata.get("ref_min_score"), metadata.get("ref_max_score")


def check_spaces(dataset, environment_id, observation_space, action_space):
    """The dataset's spaces against the environment's (shapes and bounds; float32 or
    float64 alike): DatasetError naming the field that differs."""
    for field, mine in (("observations", observation_space), ("actions", action_space)):
        theirs = getattr(dataset.spec, f"{field[:-1]}_space")
        if type(theirs).__name__ != type(mine).__name__ or theirs.shape != mine.shape:
            raise DatasetError(f"dataset {dataset.spec.dataset_id}'s {field} are "
                               f"{type(theirs).__name__}{theirs.shape}; {environment_id}'s "
                               f"are {type(mine).__name__}{mine.shape}")
        if hasattr(mine, "low") and not (
                np.allclose(np.asarray(theirs.low, np.float64), mine.low, equal_nan=True)
                and np.allclose(np.asarray(theirs.high, np.float64), mine.high,
                                equal_nan=True)):
            raise DatasetError(f"dataset {dataset.spec.dataset_id}'s {field} have other "
                               f"bounds than {environment_id}'s")


def _episodes(dataset):
    """The dataset's episodes, a damaged file being a DatasetError."""
    episodes = iter(dataset.iterate_episodes())
    while True:
        try:
            episode = next(episodes)
        except StopIteration:
            return
        except (OSError, KeyError, ValueError) as error:
            raise DatasetError(f"dataset {dataset.spec.dataset_id} cannot be read "
                               f"({type(error).__name__}: {str(error).splitlines()[0]})"
                               ) from None
        yield episode


def dataset_transitions(dataset, to_policy_actions):
    """Every episode's (s, a, r, terminal, s') rows, in order, as float32 arrays (terminal:
    the episode's ``terminations``; a truncation bootstraps) and the episodes' returns.
    Non-finite entries: DatasetError naming the field and the episode."""
    parts = {name: [] for name in ("observations", "actions", "rewards", "terminals",
                                   "next_observations")}
    returns = []
    for episode in _episodes(dataset):
        for field in DATASET_FIELDS:
            values = np.asarray(getattr(episode, field))
            if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
                raise DatasetError(f"dataset {dataset.spec.dataset_id} has non-finite "
                                   f"{field} in episode {episode.id}")
        observations = np.asarray(episode.observations, np.float32)
        length = len(episode.rewards)
        if len(observations) != length + 1 or len(episode.actions) != length:
            raise DatasetError(f"dataset {dataset.spec.dataset_id}'s episode {episode.id} has "
                               f"{len(observations)} observations and {len(episode.actions)} "
                               f"actions for {length} rewards")
        parts["observations"].append(observations[:-1])
        parts["next_observations"].append(observations[1:])
        parts["actions"].append(np.asarray(to_policy_actions(np.asarray(episode.actions)),
                                           np.float32))
        parts["rewards"].append(np.asarray(episode.rewards, np.float32))
        parts["terminals"].append(np.asarray(episode.terminations, np.float32))
        returns.append(float(np.sum(episode.rewards)))
    if not returns:
        raise DatasetError(f"dataset {dataset.spec.dataset_id} has no episodes")
    return {name: np.concatenate(values) for name, values in parts.items()}, np.asarray(returns)
