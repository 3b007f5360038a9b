"""A RemoteSampler's config and inputs it refuses (no Ray needed)."""
from types import SimpleNamespace

import gymnasium
import numpy as np
import pytest

from softlearning_tf2.samplers.remote_sampler import RemoteSampler, check_remote_sampler_config


@pytest.mark.parametrize("config, message", [
    ({"num_workers": 0}, "num_workers must be an integer >= 1, got 0"),
    ({"num_workers": 2.5}, "num_workers must be an integer >= 1, got 2.5"),
    ({"steps_per_request": -1}, "steps_per_request must be an integer >= 1"),
    ({"vectorization_mode": "threads"}, "unknown sampler_params.config.vectorization_mode"),
    ({"worker_timeout": 0}, "worker_timeout must be a number > 0"),
    ({"asynchronous": "yes"}, "asynchronous must be true or false"),
])
def test_bad_configurations_are_named(config, message):
    with pytest.raises(ValueError, match=message):
        check_remote_sampler_config(**config)
    with pytest.raises(ValueError, match=message):
        RemoteSampler(100, **config)


def test_dict_observations_are_refused():
    space = gymnasium.spaces.Dict({"state": gymnasium.spaces.Box(-1, 1, (3,), np.float32)})
    with pytest.raises(ValueError, match="flat observations"):
        RemoteSampler(100).initialize(SimpleNamespace(observation_space=space), None, None,
                                      seed=0, variant={})
