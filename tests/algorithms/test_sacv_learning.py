"""SAC with a V network learns Pendulum-v1 (slow: run with ``pytest -m slow``)."""
import numpy as np
import pytest

from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.experiments.variants import get_variant
from softlearning_tf2.experiments.variants import apply_overrides
from softlearning_tf2.samplers.utils import evaluation_rollouts


@pytest.mark.slow
def test_sacv_solves_pendulum_within_15k_steps():
    variant = apply_overrides(get_variant("SACV", "gymnasium", "Pendulum", "v1", seed=0),
                              ["algorithm_params.config.n_epochs=15"])
    experiment = Experiment(variant)
    while not experiment.algorithm.done:
        diagnostics = experiment.train_epoch()
        print(diagnostics["timestep"], diagnostics["evaluation/episode-reward-mean"], flush=True)
    assert experiment.sampler.total_samples == 15_000
    returns = [path["return"] for path in evaluation_rollouts(
        experiment.evaluation_environment, experiment.policy, 10, 200, deterministic=True)]
    print("final evaluation returns", np.round(returns, 1), "mean", np.mean(returns))
    assert np.mean(returns) >= -300.0
