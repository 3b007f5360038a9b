import pytest

from benchmarks.learning import build_variant, parse_args, versus_published


def test_set_overrides_apply_on_top_of_the_preset():
    args = parse_args(["--preset", "tianshou", "--steps", "5000",
                       "--set", "algorithm_params.config.tau=0.01",
                       "--set", "algorithm_params.config.fixed_alpha=0.1"])
    config = build_variant(args, seed=3)["algorithm_params"]["config"]
    assert config["fixed_alpha"] == 0.1  # the preset sets 0.2; --set comes after it
    assert config["tau"] == 0.01 and config["n_epochs"] == 15  # 10 warm-up epochs + 5


def test_unknown_override_is_named():
    args = parse_args(["--set", "algorithm_params.config.polcy_lr=1e-3"])
    with pytest.raises(ValueError, match="polcy_lr"):
        build_variant(args, seed=0)


def test_steps_are_counted_after_the_random_warm_up():
    # Tianshou's trainer starts counting after its 10k random steps: "100k" trains 110k.
    config = build_variant(parse_args(["--steps", "100000"]), seed=0)["algorithm_params"]["config"]
    assert config["n_initial_exploration_steps"] == 10_000
    assert config["n_epochs"] * config["epoch_length"] == 110_000


def test_versus_published_reads_our_mean_at_the_published_steps():
    steps = list(range(0, 110_000, 10_000))
    mean = [10.0 * step for step in steps]
    comparison = versus_published("HalfCheetah-v5", steps, mean)
    assert sorted(comparison) == ["100000", "50000"]
    assert (comparison["50000"]["mean"], comparison["100000"]["mean"]) == (500_000.0, 1e6)
    assert versus_published("Pendulum-v1", steps, mean) == {}
