import pytest

from benchmarks.learning import build_variant, parse_args, versus_published


def test_tianshou_preset_sets_the_published_curves_settings():
    args = parse_args(["--preset", "tianshou", "--steps", "5000",
                       "--set", "algorithm_params.config.tau=0.01"])
    config = build_variant(args, seed=3)["algorithm_params"]["config"]
    assert (config["policy_lr"], config["Q_lr"], config["fixed_alpha"]) == (1e-3, 1e-3, 0.2)
    assert config["tau"] == 0.01 and config["n_epochs"] == 15  # 10 warm-up epochs + 5


def test_reference_preset_keeps_the_reference_settings():
    config = build_variant(parse_args([]), seed=0)["algorithm_params"]["config"]
    assert (config["policy_lr"], config["Q_lr"], config["fixed_alpha"]) == (3e-4, 3e-4, None)


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
    assert versus_published("HalfCheetah-v5", steps, mean) == {
        "50000": {"mean": 500_000.0, "published": 4747},
        "100000": {"mean": 1_000_000.0, "published": 6515}}
    assert versus_published("Pendulum-v1", steps, mean) == {}
