import pytest

from benchmarks.learning import build_variant, parse_args


def test_tianshou_preset_sets_the_published_curves_settings():
    args = parse_args(["--preset", "tianshou", "--steps", "5000",
                       "--set", "algorithm_params.config.tau=0.01"])
    config = build_variant(args, seed=3)["algorithm_params"]["config"]
    assert (config["policy_lr"], config["Q_lr"], config["fixed_alpha"]) == (1e-3, 1e-3, 0.2)
    assert config["tau"] == 0.01 and config["n_epochs"] == 5


def test_reference_preset_keeps_the_reference_settings():
    config = build_variant(parse_args([]), seed=0)["algorithm_params"]["config"]
    assert (config["policy_lr"], config["Q_lr"], config["fixed_alpha"]) == (3e-4, 3e-4, None)


def test_unknown_override_is_named():
    args = parse_args(["--set", "algorithm_params.config.polcy_lr=1e-3"])
    with pytest.raises(ValueError, match="polcy_lr"):
        build_variant(args, seed=0)
