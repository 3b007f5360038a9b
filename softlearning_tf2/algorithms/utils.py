"""Builds an algorithm, and everything it trains, from a variant."""
from softlearning_tf2.algorithms.behavior_cloning import BehaviorCloning
from softlearning_tf2.algorithms.cql import CQL
from softlearning_tf2.algorithms.crossq import CrossQ
from softlearning_tf2.algorithms.discrete_sac import DiscreteSAC
from softlearning_tf2.algorithms.discrete_sql import DiscreteSQL
from softlearning_tf2.algorithms.droq import DroQ
from softlearning_tf2.algorithms.edac import EDAC
from softlearning_tf2.algorithms.redq import REDQ
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.algorithms.sacv import SACV
from softlearning_tf2.algorithms.sql import SQL
from softlearning_tf2.algorithms.tqc import TQC
from softlearning_tf2.models.utils import observation_params_of

ALGORITHM_CLASSES = {"SAC": SAC, "SACV": SACV, "SQL": SQL, "DiscreteSAC": DiscreteSAC,
                     "DiscreteSQL": DiscreteSQL, "TQC": TQC, "REDQ": REDQ, "DroQ": DroQ,
                     "CrossQ": CrossQ, "CQL": CQL, "EDAC": EDAC,
                     "BehaviorCloning": BehaviorCloning}


def get_algorithm_from_variant(variant, **objects):
    """``objects``: the environments, policy, initial exploration policy, pool, sampler, the
    value functions (``Qs``, and ``V`` for SACV; none for behaviour cloning),
    ``diagnostics_seed`` and, offline (``sampler=None``), ``max_path_length``, all by keyword."""
    params = variant["algorithm_params"]
    class_name = params["class_name"]
    if class_name not in ALGORITHM_CLASSES:
        raise ValueError(f"unknown algorithm {class_name!r}; valid choices: "
                         f"{', '.join(sorted(ALGORITHM_CLASSES))}")
    random_shift = observation_params_of(variant)["random_shift"]
    return ALGORITHM_CLASSES[class_name](**objects, **params["config"],
                                         random_shift=random_shift)
