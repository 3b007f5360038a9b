"""SAC learns: the reference settings on Pendulum-v1 (slow: run with ``pytest -m slow``)."""
import numpy as np
import pytest

from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.experiments.variants import get_variant
from softlearning_tf2.samplers.utils import evaluation_rollouts


@pytest.mark.slow
def test_sac_solves_pendulum_within_10k_steps():
    variant = get_variant("SAC", "gymnasium", "Pendulum", "v1", seed=0)
    config = variant["algorithm_params"]["config"]
    assert config["n_epochs"] * config["epoch_length"] == 10_000
    experiment = Experiment(variant)
    history = []
    while not experiment.algorithm.done:
        diagnostics = experiment.train_epoch()
        history.append((diagnostics["timestep"], diagnostics["evaluation/episode-reward-mean"]))
        print(history[-1], flush=True)
    assert experiment.sampler.total_samples == 10_000
    # Final deterministic policy, 10 fresh evaluation episodes.
    returns = [path["return"] for path in evaluation_rollouts(
        experiment.evaluation_environment, experiment.policy, 10, 200, deterministic=True)]
    print("final evaluation returns", np.round(returns, 1), "mean", np.mean(returns))
    assert np.mean(returns) >= -250.0
