import pytest
from ray import tune

from softlearning_tf2.experiments.command_line import count_trials, search_space_entries
from softlearning_tf2.experiments.variants import (
    apply_overrides, get_variant, keyword_overrides, parse_override_value)


def base():
    return get_variant("SAC", "gymnasium", "Pendulum", "v1", seed=0)


def test_overrides_set_nested_values_with_json_types():
    variant = apply_overrides(base(), ["algorithm_params.config.tau=0.01",
                                       "policy_params.config.hidden_layer_sizes=[8, 8]",
                                       "algorithm_params.config.target_entropy=auto",
                                       "environment_params.training.kwargs.g=9.0"])
    assert variant["algorithm_params"]["config"]["tau"] == 0.01
    assert variant["policy_params"]["config"]["hidden_layer_sizes"] == [8, 8]
    assert variant["algorithm_params"]["config"]["target_entropy"] == "auto"
    assert variant["environment_params"]["training"]["kwargs"] == {"g": 9.0}
    assert base()["algorithm_params"]["config"]["tau"] == 0.005  # input untouched


@pytest.mark.parametrize("override, message", [
    ("algorithm_params.config.taux=1", "no entry 'taux'.*tau"),
    ("algorithm_param.config.tau=1", "has no entry 'algorithm_param'"),
    ("no_equals_sign", "KEY=VALUE"),
    ("algorithm_params.config.tau=loguniform:0,1", "LOW > 0"),
    ("algorithm_params.config.tau=uniform:1,0", "LOW < HIGH"),
])
def test_bad_overrides_are_clear_errors(override, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(base(), [override])


def test_search_spaces_and_trial_counts():
    assert parse_override_value("grid:1,2,3") == tune.grid_search([1, 2, 3])
    assert isinstance(parse_override_value("loguniform:1e-4,1e-3"), tune.search.sample.Float)
    assert parse_override_value("word") == "word"
    variant = apply_overrides(base(), ["algorithm_params.config.tau=grid:0.005,0.01",
                                       "algorithm_params.config.discount=grid:0.9,0.95,0.99"])
    assert count_trials(variant) == 6
    assert count_trials(variant, num_samples=2) == 12
    assert [path for path, _ in search_space_entries(variant)] == [
        "algorithm_params.config.discount", "algorithm_params.config.tau"]


def test_keyword_overrides_name_entries_by_their_last_part():
    variant = keyword_overrides(base(), {"n_epochs": 3, "policy_params.config.squash": False})
    assert variant["algorithm_params"]["config"]["n_epochs"] == 3
    assert variant["policy_params"]["config"]["squash"] is False
    with pytest.raises(ValueError, match="'hidden_layer_sizes' names several entries.*"
                                         "policy_params.config.hidden_layer_sizes"):
        keyword_overrides(base(), {"hidden_layer_sizes": [8]})
    with pytest.raises(ValueError, match="'n_epoch' names no entry.*n_epochs"):
        keyword_overrides(base(), {"n_epoch": 3})


def test_unknown_algorithm_is_named_with_the_choices():
    with pytest.raises(ValueError, match="'PPO'.*SAC, SACV, SQL"):
        get_variant("PPO", "gymnasium", "HalfCheetah", "v5", 0)


@pytest.mark.parametrize("algorithm, class_name, policy, Q, exploration", [
    ("SAC", "DiscreteSAC", "CategoricalPolicy", "double_discrete_Q_function",
     "DiscreteUniformPolicy"),
    ("SQL", "DiscreteSQL", "BoltzmannPolicy", "double_discrete_Q_function",
     "DiscreteUniformPolicy"),
])
def test_discrete_action_spaces_get_the_discrete_algorithms(algorithm, class_name, policy, Q,
                                                             exploration):
    variant = get_variant(algorithm, "gymnasium", "CartPole", "v1", seed=0)
    assert variant["algorithm_params"]["class_name"] == class_name
    assert variant["policy_params"]["class_name"] == policy
    assert variant["Q_params"]["class_name"] == Q
    assert variant["exploration_policy_params"]["class_name"] == exploration
    assert variant["sampler_params"]["config"]["max_path_length"] == 500
    assert variant["algorithm_params"]["config"]["n_epochs"] == 50
    continuous = get_variant(algorithm, "gymnasium", "Pendulum", "v1", seed=0)
    assert continuous["algorithm_params"]["class_name"] == algorithm


def test_sacv_on_discrete_actions_is_a_clear_error():
    with pytest.raises(ValueError, match="SACV trains on Box action spaces; CartPole-v1 has "
                                         "Discrete actions .*SACV, TQC, REDQ and DroQ have "
                                         "no discrete version"):
        get_variant("SACV", "gymnasium", "CartPole", "v1", seed=0)


@pytest.mark.parametrize("domain, task", [("CartPole", "v1"), ("Acrobot", "v1"),
                                          ("LunarLander", "v3")])
def test_default_tasks_of_the_discrete_domains(domain, task):
    from softlearning_tf2.experiments.variants import default_task

    assert default_task("gymnasium", domain) == task


def test_discrete_per_domain_settings():
    cartpole = get_variant("SAC", "gymnasium", "CartPole", "v1", seed=0)["algorithm_params"]
    acrobot = get_variant("SAC", "gymnasium", "Acrobot", "v1", seed=0)["algorithm_params"]
    assert cartpole["config"]["target_entropy_ratio"] == 0.89
    assert cartpole["config"]["initial_alpha"] == 1.0
    assert acrobot["config"]["target_entropy_ratio"] == 0.3
    assert acrobot["config"]["initial_alpha"] == 0.1
    scales = {domain: get_variant("SQL", "gymnasium", domain, task, seed=0)[
        "algorithm_params"]["config"]["reward_scale"]
        for domain, task in (("CartPole", "v1"), ("Acrobot", "v1"))}
    assert scales == {"CartPole": 1.0, "Acrobot": 10.0}


def test_dm_control_defaults_from_states_and_from_pixels():
    states = get_variant("SAC", "dm_control", "cartpole", "swingup", seed=0)
    environment = states["environment_params"]["training"]
    assert environment["kwargs"] == {"observation": "states", "action_repeat": 1}
    assert environment["pixels"] is None and environment["frame_stack"] == 1
    config = states["algorithm_params"]["config"]
    assert config["initial_alpha"] == 0.1 and config["n_initial_exploration_steps"] == 5000
    assert states["sampler_params"]["config"]["max_path_length"] == 1000

    pixels = get_variant("SAC", "dm_control", "cartpole", "swingup", seed=0, pixels=True)
    environment = pixels["environment_params"]["evaluation"]
    assert environment["kwargs"]["action_repeat"] == 8 and environment["frame_stack"] == 3
    assert environment["pixels"]["width"] == environment["pixels"]["height"] == 84
    assert pixels["sampler_params"]["config"]["max_path_length"] == 125  # agent steps
    config = pixels["algorithm_params"]["config"]
    assert config["batch_size"] == 128 and config["Q_lr"] == 1e-3
    assert config["n_initial_exploration_steps"] == 1000
    assert pixels["observation_params"]["random_shift"] == 4
    assert pixels["observation_params"]["preprocessors"]["pixels"]["class_name"] == "convnet"
    assert pixels["observation_params"]["encoder_sharing"] == "critic"
    assert pixels["replay_pool_params"]["config"]["max_size"] == 100_000


def test_a_new_policy_class_starts_from_its_own_config():
    # The config override may come before the class: the class is applied first.
    variant = apply_overrides(base(), ["policy_params.config.num_components=2",
                                       "policy_params.class_name=GMMPolicy"])
    from softlearning_tf2.experiments.variants import POLICY_CONFIGS
    assert variant["policy_params"] == {
        "class_name": "GMMPolicy", "config": {**POLICY_CONFIGS["GMMPolicy"], "num_components": 2}}
    sql = get_variant("SQL", "gymnasium", "Pendulum", "v1", seed=0)
    mcmc = keyword_overrides(sql, {"policy_params.class_name": "MCMCSamplerPolicy",
                                   "num_burnin_steps": 7})
    assert mcmc["policy_params"]["config"]["num_burnin_steps"] == 7
    assert "hidden_layer_sizes" not in mcmc["policy_params"]["config"]
    # Setting the class it already has keeps the config as it is.
    same = apply_overrides(base(), ["policy_params.config.hidden_layer_sizes=[8]",
                                    "policy_params.class_name=FeedforwardGaussianPolicy"])
    assert same["policy_params"]["config"]["hidden_layer_sizes"] == [8]


def test_every_policy_class_has_variant_defaults_and_builds_from_them():
    from softlearning_tf2.experiments.variants import ALGORITHM_POLICIES, POLICY_CONFIGS
    from softlearning_tf2.policies.utils import POLICY_CLASSES
    exploration = {"ContinuousUniformPolicy", "DiscreteUniformPolicy"}
    assert set(POLICY_CONFIGS) == set(POLICY_CLASSES) - exploration
    assert {name for names in ALGORITHM_POLICIES.values() for name in names} == set(
        POLICY_CONFIGS)


def test_a_new_sampler_class_starts_from_its_own_config_and_keeps_the_path_length():
    from softlearning_tf2.experiments.variants import SAMPLER_CONFIGS, validate_sampler
    from softlearning_tf2.samplers.utils import SAMPLER_CLASSES
    assert set(SAMPLER_CONFIGS) == set(SAMPLER_CLASSES)
    variant = apply_overrides(base(), ["sampler_params.config.num_workers=3",
                                       "sampler_params.class_name=RemoteSampler"])
    assert variant["sampler_params"] == {
        "class_name": "RemoteSampler",
        "config": {"max_path_length": 200, **SAMPLER_CONFIGS["RemoteSampler"],
                   "num_workers": 3}}
    validate_sampler(variant)
    # Every entry of each class's variant defaults is an argument of the class.
    import inspect
    for name, config in SAMPLER_CONFIGS.items():
        parameters = inspect.signature(SAMPLER_CLASSES[name]).parameters
        assert set(config) <= set(parameters), name
        assert all(parameters[key].default == value for key, value in config.items()), name


def test_the_frontier_algorithms_defaults_are_their_papers_settings():
    tqc = get_variant("TQC", "gymnasium", "Hopper", "v5", seed=0)
    assert tqc["algorithm_params"]["config"]["top_quantiles_to_drop_per_net"] == 2
    assert {key: tqc["Q_params"]["config"][key]
            for key in ("n_critics", "n_quantiles", "hidden_layer_sizes")} == {
        "n_critics": 2, "n_quantiles": 25, "hidden_layer_sizes": [256, 256]}
    for domain, dropped in (("Hopper", 5), ("HalfCheetah", 0), ("Walker2d", 2), ("Ant", 2)):
        paper = get_variant("TQC-paper", "gymnasium", domain, "v5", seed=0)
        assert paper["algorithm_params"]["class_name"] == "TQC"
        assert paper["algorithm_params"]["config"]["top_quantiles_to_drop_per_net"] == dropped
        assert paper["Q_params"]["config"]["n_critics"] == 5
        assert paper["Q_params"]["config"]["hidden_layer_sizes"] == [512, 512, 512]
    redq = get_variant("REDQ", "gymnasium", "Hopper", "v5", seed=0)
    assert redq["Q_params"]["config"]["n_critics"] == 10
    assert {key: redq["algorithm_params"]["config"][key] for key in (
        "subset_size", "n_train_repeat", "policy_update_interval", "train_every_n_steps")} == {
        "subset_size": 2, "n_train_repeat": 20, "policy_update_interval": 20,
        "train_every_n_steps": 1}
    droq = get_variant("DroQ", "gymnasium", "Hopper", "v5", seed=0)
    assert {key: droq["Q_params"]["config"][key] for key in (
        "n_critics", "dropout_rate", "layer_normalization")} == {
        "n_critics": 2, "dropout_rate": 0.01, "layer_normalization": True}
    assert droq["algorithm_params"]["config"]["n_train_repeat"] == 20
    crossq = get_variant("CrossQ", "gymnasium", "Hopper", "v5", seed=0)
    config = crossq["algorithm_params"]["config"]
    assert {key: config[key] for key in ("policy_lr", "Q_lr", "alpha_lr", "adam_beta_1",
                                         "policy_update_interval", "n_train_repeat")} == {
        "policy_lr": 1e-3, "Q_lr": 1e-3, "alpha_lr": 1e-3, "adam_beta_1": 0.5,
        "policy_update_interval": 3, "n_train_repeat": 1}
    for params in (crossq["Q_params"], crossq["policy_params"]):
        assert {key: params["config"][key] for key in (
            "batch_renormalization", "batch_renorm_momentum", "batch_renorm_r_max",
            "batch_renorm_d_max", "batch_renorm_warmup_steps")} == {
            "batch_renormalization": True, "batch_renorm_momentum": 0.99,
            "batch_renorm_r_max": 3.0, "batch_renorm_d_max": 5.0,
            "batch_renorm_warmup_steps": 100_000}
    assert crossq["Q_params"]["config"]["hidden_layer_sizes"] == [1024, 1024]
    assert crossq["policy_params"]["config"]["hidden_layer_sizes"] == [256, 256]
    paper = get_variant("CrossQ-paper", "gymnasium", "Hopper", "v5", seed=0)
    assert paper["algorithm_params"]["class_name"] == "CrossQ"
    assert paper["Q_params"]["config"]["hidden_layer_sizes"] == [2048, 2048]
    with pytest.raises(ValueError, match="unknown algorithm 'SAC-paper'"):
        get_variant("SAC-paper", "gymnasium", "Hopper", "v5", seed=0)
    # SAC's own default: a policy step on every update.
    sac = get_variant("SAC", "gymnasium", "Hopper", "v5", seed=0)
    assert sac["algorithm_params"]["config"]["policy_update_interval"] == 1
