"""Default variants: the reference hyperparameters per algorithm and per environment.

The variant is the one place where defaults live. ``get_variant_spec(args)`` turns the CLI
arguments into a variant (possibly holding Tune search spaces); each trial's resolved variant
is passed to the ``*_from_variant`` builders. Figures follow ../shared/reference/README.md.
"""
import copy

from ray import tune

ALGORITHMS = ("SAC", "SACV", "SQL")

TRAINING_LOOP_PARAMS = {
    "batch_size": 256,
    "n_train_repeat": 1,
    "train_every_n_steps": 1,
    "eval_n_episodes": 1,
    "eval_deterministic": True,
    "fuse_train_repeats": True,
}

SAC_PARAMS = {
    "policy_lr": 3e-4,
    "Q_lr": 3e-4,
    "alpha_lr": 3e-4,
    "reward_scale": 1.0,
    "target_entropy": "auto",
    "initial_alpha": 1.0,
    "fixed_alpha": None,
    "discount": 0.99,
    "tau": 5e-3,
    "target_update_interval": 1,
}

ALGORITHM_PARAMS_BASE = {
    # arXiv:1812.05905: learned temperature, reward scale 1.
    "SAC": {"class_name": "SAC", "config": {**SAC_PARAMS, **TRAINING_LOOP_PARAMS}},
    # arXiv:1801.01290: temperature fixed at 1, the reward scale (per domain, below) sets the
    # balance between reward and entropy.
    "SACV": {"class_name": "SACV",
             "config": {**SAC_PARAMS, "V_lr": 3e-4, "fixed_alpha": 1.0,
                        **TRAINING_LOOP_PARAMS}},
    # arXiv:1702.08165: temperature 1, reward scale per domain (below), batch 128.
    "SQL": {"class_name": "SQL",
            "config": {"policy_lr": 3e-4, "Q_lr": 3e-4, "reward_scale": 1.0, "discount": 0.99,
                       "tau": 5e-3, "target_update_interval": 1, "value_n_particles": 16,
                       "kernel_n_particles": 16, "kernel_update_ratio": 0.5,
                       **TRAINING_LOOP_PARAMS, "batch_size": 128}},
}

# The policy and Q functions each algorithm trains.
POLICY_PARAMS = {
    "SAC": {"class_name": "FeedforwardGaussianPolicy",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu", "squash": True}},
    "SQL": {"class_name": "AmortizedSamplerPolicy",
            "config": {"hidden_layer_sizes": [128, 128], "activation": "relu"}},
}
POLICY_PARAMS["SACV"] = POLICY_PARAMS["SAC"]
Q_PARAMS = {
    "SAC": {"class_name": "double_feedforward_Q_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu"}},
    "SQL": {"class_name": "feedforward_Q_function",
            "config": {"hidden_layer_sizes": [128, 128], "activation": "relu"}},
}
Q_PARAMS["SACV"] = Q_PARAMS["SAC"]

# Reward scales of arXiv:1702.08165 (Appendix D) for SQL; Pendulum is not in the paper.
SQL_REWARD_SCALES = {"Swimmer": 30.0, "Hopper": 30.0, "HalfCheetah": 30.0, "Walker2d": 10.0,
                     "Ant": 300.0, "Humanoid": 100.0, "MultiGoal": 0.1, "Pendulum": 10.0}
SQL_KERNEL_PARTICLES = {"MultiGoal": 32}

# Reward scales of arXiv:1801.01290 (Appendix D) for the fixed-temperature algorithms.
# Pendulum is not in the paper: 5 makes alpha = 1 act like alpha = 0.2 at scale 1.
SACV_REWARD_SCALES = {"Hopper": 5.0, "Walker2d": 5.0, "HalfCheetah": 5.0, "Ant": 5.0,
                      "Humanoid": 20.0, "Pendulum": 5.0}

DEFAULT_MAX_PATH_LENGTH = 1000

# Per (universe, domain): path length, number of epochs, epoch length (default 1000).
DOMAIN_PARAMS = {
    ("gymnasium", "Pendulum"): {"max_path_length": 200, "n_epochs": 10},
    ("gymnasium", "HalfCheetah"): {"max_path_length": 1000, "n_epochs": 3000},
    ("gymnasium", "Hopper"): {"max_path_length": 1000, "n_epochs": 1000},
    ("gymnasium", "Walker2d"): {"max_path_length": 1000, "n_epochs": 1000},
    ("gymnasium", "Ant"): {"max_path_length": 1000, "n_epochs": 1000},
    ("gymnasium", "Humanoid"): {"max_path_length": 1000, "n_epochs": 3000},
    ("gymnasium", "MultiGoal"): {"max_path_length": 30, "n_epochs": 100, "epoch_length": 100},
}

DEFAULT_TASKS = {
    ("gymnasium", "Pendulum"): "v1",
    ("gymnasium", "HalfCheetah"): "v5",
    ("gymnasium", "Hopper"): "v5",
    ("gymnasium", "Walker2d"): "v5",
    ("gymnasium", "Ant"): "v5",
    ("gymnasium", "Humanoid"): "v5",
    ("gymnasium", "MultiGoal"): "Default-v0",
}


def default_task(universe, domain):
    return DEFAULT_TASKS.get((universe, domain), "v0")


def get_variant(algorithm, universe, domain, task, seed, trial_cpus=1,
                checkpoint_frequency=1):
    """The resolved default variant (no search spaces) of one trial."""
    if algorithm not in ALGORITHM_PARAMS_BASE:
        raise ValueError(f"unknown algorithm {algorithm!r}; valid choices: "
                         f"{', '.join(ALGORITHMS)}")
    domain_params = DOMAIN_PARAMS.get((universe, domain), {})
    max_path_length = domain_params.get("max_path_length", DEFAULT_MAX_PATH_LENGTH)
    n_initial_exploration_steps = 10 * max_path_length if domain != "Pendulum" else 1000
    algorithm_params = copy.deepcopy(ALGORITHM_PARAMS_BASE[algorithm])
    algorithm_params["config"].update({
        "n_epochs": domain_params.get("n_epochs", 1000),
        "epoch_length": domain_params.get("epoch_length", 1000),
        "n_initial_exploration_steps": n_initial_exploration_steps,
        "min_pool_size": n_initial_exploration_steps,
    })
    if algorithm == "SACV":
        algorithm_params["config"]["reward_scale"] = SACV_REWARD_SCALES.get(domain, 1.0)
    if algorithm == "SQL":
        algorithm_params["config"]["reward_scale"] = SQL_REWARD_SCALES.get(domain, 1.0)
        algorithm_params["config"]["kernel_n_particles"] = SQL_KERNEL_PARTICLES.get(domain, 16)
    environment = {"universe": universe, "domain": domain, "task": task, "kwargs": {}}
    variant = {
        "environment_params": {
            "training": environment,
            "evaluation": copy.deepcopy(environment),
        },
        "policy_params": copy.deepcopy(POLICY_PARAMS[algorithm]),
        "exploration_policy_params": {"class_name": "ContinuousUniformPolicy", "config": {}},
        "Q_params": copy.deepcopy(Q_PARAMS[algorithm]),
        "algorithm_params": algorithm_params,
        "replay_pool_params": {"class_name": "SimpleReplayPool",
                               "config": {"max_size": int(1e6)}},
        "sampler_params": {"class_name": "SimpleSampler",
                           "config": {"max_path_length": max_path_length,
                                      "drop_nonfinite_transitions": False}},
        "run_params": {
            "seed": int(seed),
            "checkpoint_frequency": int(checkpoint_frequency),
            "checkpoint_at_end": True,
            "checkpoint_replay_pool": True,
            # One thread per op, as many ops at once as the trial has CPUs: TF does not split
            # one matmul of these sizes across cores, but the twin Q functions' ops (and SQL's
            # particles) run side by side. Measured faster than intra = inter = CPUs for SAC
            # and SQL (benchmarks/throughput.py).
            "tf_intra_op_threads": 1,
            "tf_inter_op_threads": int(trial_cpus),
        },
    }
    if algorithm == "SACV":
        variant["V_params"] = {
            "class_name": "feedforward_V_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu"},
        }
    return variant


def get_variant_spec(args, **extra_run_params):
    """The variant spec of an experiment from the parsed CLI arguments.

    ``extra_run_params`` are an example's own run settings, added before the ``--set``
    overrides so that those can change them too.

    ``--num-samples K`` becomes a grid over K consecutive seeds, so every trial's seed is
    known in advance and written into its saved variant.
    """
    from examples.utils import apply_overrides, validate_variant_spec
    from softlearning_tf2.environments.utils import validate_environment_name

    task = args.task or default_task(args.universe, args.domain)
    validate_environment_name(args.universe, args.domain, task)
    variant = get_variant(args.algorithm, args.universe, args.domain, task, args.seed,
                          trial_cpus=args.trial_cpus,
                          checkpoint_frequency=args.checkpoint_frequency)
    variant["run_params"].update(extra_run_params)
    if args.checkpoint_replay_pool is not None:
        variant["run_params"]["checkpoint_replay_pool"] = args.checkpoint_replay_pool
    variant = apply_overrides(variant, args.overrides)
    validate_variant_spec(variant)
    if args.num_samples > 1:
        variant["run_params"]["seed"] = tune.grid_search(
            [args.seed + index for index in range(args.num_samples)])
    return variant
