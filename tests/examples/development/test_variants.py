import pytest

from examples.development.variants import ALGORITHMS, get_variant


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_thread_pools_run_one_op_per_trial_cpu_single_threaded(algorithm):
    run_params = get_variant(algorithm, "gymnasium", "HalfCheetah", "v5", 0,
                             trial_cpus=3)["run_params"]
    assert (run_params["tf_intra_op_threads"], run_params["tf_inter_op_threads"]) == (1, 3)


def test_unknown_algorithm_is_named_with_the_choices():
    with pytest.raises(ValueError, match="'PPO'.*SAC, SACV, SQL"):
        get_variant("PPO", "gymnasium", "HalfCheetah", "v5", 0)
