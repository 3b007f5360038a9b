"""Reading an experiment directory back: each trial's config and per-epoch results."""
import json
import os

import numpy as np
import pandas as pd
from ray.tune.utils import flatten_dict

from softlearning_tf2.checkpoints import CheckpointError, checkpoints_inside, newest_readable
from softlearning_tf2.checkpoints.files import VARIANT_FILE, load_json, verify_manifest

SEED_KEY = "run_params.seed"


def load_trials(experiment_dir):
    """[(trial directory name, flat config, progress DataFrame)] of every trial with results."""
    if not os.path.isdir(experiment_dir):
        raise FileNotFoundError(f"no such experiment directory: {experiment_dir}")
    trials = []
    for name in sorted(os.listdir(experiment_dir)):
        trial_dir = os.path.join(experiment_dir, name)
        progress_path = os.path.join(trial_dir, "progress.csv")
        if not os.path.isfile(progress_path):
            continue
        variant = trial_variant(trial_dir)
        if variant is None:
            continue
        config = flatten_dict(variant, delimiter=".")
        try:
            progress = pd.read_csv(progress_path)
        except pd.errors.EmptyDataError:
            continue
        trials.append((name, config, progress))
    if not trials:
        raise FileNotFoundError(f"{experiment_dir} holds no trial results (progress.csv and "
                                f"params.json in its subdirectories)")
    return trials


def trial_variant(trial_dir):
    """A trial's variant: Tune's ``params.json``, or, where that cannot be read, the
    ``variant.json`` of the trial's newest checkpoint that verifies; None where neither can.

    Tune rewrites ``params.json`` when it copies a trial's files to the storage path, so a
    crash of the driver can leave it empty or cut short while the checkpoints are intact
    (each of those is written under a temporary name and verified by its manifest).
    """
    try:
        with open(os.path.join(trial_dir, "params.json")) as file:
            variant = json.load(file)
        if isinstance(variant, dict):
            return variant
    except (OSError, ValueError):
        pass
    checkpoints = checkpoints_inside(trial_dir)
    if not checkpoints:
        return None

    def read_variant(path):
        verify_manifest(path, [VARIANT_FILE])
        return load_json(os.path.join(path, VARIANT_FILE))

    try:
        return newest_readable(checkpoints[-1], read_variant)[1]
    except CheckpointError:
        return None


def varying_keys(configs, ignore=(SEED_KEY,)):
    """Config keys whose values differ between trials (seeds aside)."""
    keys = set().union(*configs)
    return sorted(key for key in keys - set(ignore)
                  if len({json.dumps(config.get(key), sort_keys=True, default=str)
                          for config in configs}) > 1)


def learning_curves(trials, metric, x="timestep"):
    """Mean and standard deviation over seeds of ``metric`` against ``x``, per configuration.

    Returns {label: {"x", "mean", "std", "num_trials"}}; a label names the configuration by
    the keys that differ between configurations ("all" when only seeds differ). Only the x
    values that every seed of a configuration reached are kept.
    """
    keys = varying_keys([config for _, config, _ in trials])
    groups = {}
    for name, config, progress in trials:
        if metric not in progress or x not in progress:
            raise KeyError(f"trial {name} has no {metric!r} or {x!r} column; columns: "
                           f"{', '.join(progress.columns)}")
        label = ", ".join(f"{key.rsplit('.', 1)[-1]}={config.get(key)}" for key in keys) or "all"
        groups.setdefault(label, []).append(progress.set_index(x)[metric])
    curves = {}
    for label, series in groups.items():
        table = pd.concat(series, axis=1, join="inner").sort_index()
        curves[label] = {
            "x": table.index.to_numpy(),
            "mean": table.mean(axis=1).to_numpy(),
            "std": table.std(axis=1, ddof=0).to_numpy() if table.shape[1] > 1
            else np.zeros(len(table)),
            "num_trials": table.shape[1],
        }
    return curves
