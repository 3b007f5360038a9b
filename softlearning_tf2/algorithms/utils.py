"""Builds an algorithm, and everything it trains, from a variant."""
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.algorithms.sacv import SACV
from softlearning_tf2.algorithms.sql import SQL

ALGORITHM_CLASSES = {"SAC": SAC, "SACV": SACV, "SQL": SQL}


def get_algorithm_from_variant(variant, training_environment, evaluation_environment, policy,
                               initial_exploration_policy, pool, sampler, **networks):
    """``networks`` are the algorithm's value functions (``Qs=...``, and ``V=...`` for SACV)."""
    params = variant["algorithm_params"]
    class_name = params["class_name"]
    if class_name not in ALGORITHM_CLASSES:
        raise ValueError(f"unknown algorithm {class_name!r}; valid choices: "
                         f"{', '.join(sorted(ALGORITHM_CLASSES))}")
    return ALGORITHM_CLASSES[class_name](
        training_environment=training_environment,
        evaluation_environment=evaluation_environment, policy=policy,
        initial_exploration_policy=initial_exploration_policy, pool=pool, sampler=sampler,
        **networks, **params["config"])
