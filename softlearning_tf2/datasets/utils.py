"""A variant's dataset: checked against its environment, and loaded into its replay pool."""
import copy

import numpy as np

from softlearning_tf2.datasets.minari_datasets import (
    DatasetError, check_spaces, dataset_transitions, load_dataset, reference_scores)
from softlearning_tf2.replay_pools.utils import get_replay_pool_from_variant


def dataset_id_of(variant):
    """The variant's dataset id, or None (online training)."""
    params = variant.get("dataset_params")
    return None if params is None else params["dataset_id"]


def dataset_root_of(variant):
    """Where the variant's dataset is: ``dataset_params.root``, or (None) Minari's directory
    of the process that reads it."""
    return variant["dataset_params"].get("root")


class OfflineData:
    """A dataset read for one environment: its transitions (float32, actions in [-1, 1]),
    its episodes' returns and its reference scores (None where the dataset has none)."""

    def __init__(self, dataset_id, environment, root=None):
        dataset = load_dataset(dataset_id, root)
        raw = environment.raw
        if environment.discrete_actions or environment.observation_layout is not None:
            raise DatasetError(f"offline training takes flat observations and Box actions; "
                               f"{environment.environment_id} has other spaces")
        check_spaces(dataset, environment.environment_id, raw.observation_space,
                     raw.action_space)
        self.dataset_id = dataset_id
        self.transitions, self.returns = dataset_transitions(
            dataset, environment.to_policy_actions)
        self.reference_min, self.reference_max = reference_scores(dataset)
        self.size = len(self.transitions["rewards"])

    @property
    def fingerprint(self):
        """What identifies the data (JSON-able): the id, its size and sums of its rewards and
        observations. A checkpoint keeps it; a restore checks the dataset read again."""
        return {"dataset_id": self.dataset_id, "transitions": self.size,
                "episodes": len(self.returns),
                "reward_sum": float(np.sum(self.transitions["rewards"], dtype=np.float64)),
                "observation_sum": float(np.sum(self.transitions["observations"],
                                                dtype=np.float64))}

    def check_fingerprint(self, saved):
        """DatasetError unless ``saved`` (a checkpoint's ``fingerprint``) is this data's."""
        if saved != self.fingerprint:
            raise DatasetError(f"the checkpoint was trained on dataset {saved['dataset_id']} "
                               f"({saved['transitions']} transitions, reward sum "
                               f"{saved['reward_sum']:.6g}); the one read now has "
                               f"{self.size} transitions, reward sum "
                               f"{self.fingerprint['reward_sum']:.6g}: it was rewritten, or "
                               f"another directory holds this id")

    @property
    def has_reference_scores(self):
        return self.reference_min is not None and self.reference_max is not None


def dataset_pool_from_variant(variant, environment, data, seed=None):
    """The variant's pool class, as large as the dataset, holding every transition of it."""
    sized = copy.deepcopy(variant)
    sized["replay_pool_params"]["config"]["max_size"] = data.size
    pool = get_replay_pool_from_variant(sized, environment, seed=seed)
    pool.add_samples(data.transitions)
    return pool


def check_dataset_of_variant(variant):
    """Reads the variant's dataset for its training environment and checks it (spaces,
    finite entries): a DatasetError names the problem before any trial starts. Where the
    variant leaves ``dataset_params.root`` open, it becomes this process's Minari directory,
    so that trials (Ray workers, a restore later) read the same files."""
    from softlearning_tf2.datasets.minari_datasets import dataset_root
    from softlearning_tf2.environments.utils import get_environment_from_params

    params = variant["dataset_params"]
    if params.get("root") is None:
        params["root"] = dataset_root()
    environment = get_environment_from_params(variant["environment_params"]["training"])
    try:
        return OfflineData(params["dataset_id"], environment, params["root"])
    finally:
        environment.close()
