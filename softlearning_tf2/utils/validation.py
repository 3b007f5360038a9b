"""Range checks of hyperparameters, shared by the algorithms, the networks, the replay pools
and the CLI (below all of them: storage and models do not import the learners).

The algorithms check their arguments when they are built; the CLI checks the same rules on the
variant before it starts anything, so a bad value is an immediate one-line error (exit 2)
rather than a failed trial.
"""
import math
from numbers import Number

POSITIVE_INTEGERS = ("n_epochs", "epoch_length", "n_train_repeat", "train_every_n_steps",
                     "batch_size", "target_update_interval", "value_n_particles",
                     "kernel_n_particles", "max_size", "max_path_length",
                     "policy_update_interval", "n_critics", "n_quantiles", "subset_size",
                     "simba_width", "simba_blocks", "cql_n_actions")
NON_NEGATIVE_INTEGERS = ("n_initial_exploration_steps", "eval_n_episodes",
                         "final_eval_n_episodes", "min_pool_size", "relabel_k",
                         "top_quantiles_to_drop_per_net", "batch_renorm_warmup_steps")
POSITIVE_NUMBERS = ("policy_lr", "Q_lr", "alpha_lr", "V_lr", "initial_alpha",
                    "cql_temperature", "cql_alpha_prime_lr")
RULES = {
    "discount": ("in [0, 1)", lambda value: 0.0 <= value < 1.0),
    "tau": ("in (0, 1]", lambda value: 0.0 < value <= 1.0),
    "kernel_update_ratio": ("in (0, 1)", lambda value: 0.0 < value < 1.0),
    "target_entropy_ratio": ("in (0, 1]", lambda value: 0.0 < value <= 1.0),
    "fixed_alpha": (">= 0 or null", lambda value: value is None or value >= 0.0),
    "reward_scale": ("finite", math.isfinite),
    "relabel_probability": ("in [0, 1]", lambda value: 0.0 <= value <= 1.0),
    "dropout_rate": ("in [0, 1)", lambda value: 0.0 <= value < 1.0),
    # Batch Renormalization (arXiv:1702.03275): r in [1 / r_max, r_max] needs r_max >= 1.
    "batch_renorm_r_max": (">= 1", lambda value: math.isfinite(value) and value >= 1.0),
    "batch_renorm_d_max": (">= 0", lambda value: math.isfinite(value) and value >= 0.0),
    "batch_renorm_momentum": ("in [0, 1)", lambda value: 0.0 <= value < 1.0),
    "adam_beta_1": ("in [0, 1)", lambda value: 0.0 <= value < 1.0),
    "weight_decay": (">= 0 or null", lambda value: math.isfinite(value) and value >= 0.0),
    # CQL's alpha (the penalty's weight) and EDAC's eta (the diversity term's).
    "cql_alpha": (">= 0", lambda value: math.isfinite(value) and value >= 0.0),
    "cql_target_action_gap": ("finite", math.isfinite),
    "eta": (">= 0", lambda value: math.isfinite(value) and value >= 0.0),
    **{name: ("a positive integer", lambda value: float(value).is_integer() and value > 0)
       for name in POSITIVE_INTEGERS},
    **{name: ("a non-negative integer",
              lambda value: float(value).is_integer() and value >= 0)
       for name in NON_NEGATIVE_INTEGERS},
    **{name: ("positive", lambda value: math.isfinite(value) and value > 0.0)
       for name in POSITIVE_NUMBERS},
}


# Switches: true or false (a bare word such as False would be the string "False").
BOOLEANS = ("fuse_train_repeats", "fuse_environment_steps", "eval_deterministic",
            "layer_normalization", "batch_renormalization", "cql_lagrange",
            "backup_entropy")

# Settings that take one of a few names.
RELABEL_STRATEGIES = ("future", "final", "episode", "random")
NETWORKS = ("mlp", "simba")  # an MLP, or SimBa's residual network (models/simba.py)
CHOICES = {"relabel_strategy": RELABEL_STRATEGIES, "network": NETWORKS}


def check_hyperparameters(**values):
    """Raises ValueError naming the first value outside its range.

    Unknown names pass, and None (an argument's "use the default") passes.
    """
    for name, value in values.items():
        if name in BOOLEANS and not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        if name in CHOICES and value not in CHOICES[name]:
            raise ValueError(f"unknown {name} {value!r}; valid choices: "
                             f"{', '.join(CHOICES[name])}")
        if name not in RULES or value is None:
            continue
        description, valid = RULES[name]
        if isinstance(value, bool) or not isinstance(value, Number):
            raise ValueError(f"{name} must be a number ({description}), got {value!r}")
        if not valid(value):
            raise ValueError(f"{name} must be {description}, got {value!r}")


def check_ensemble(n_critics=None, n_quantiles=None, dropout_rate=None, subset_size=None,
                   top_quantiles_to_drop_per_net=None):
    """The ranges above, then what the critic ensemble and the algorithm must agree on:
    REDQ's target subset drawn from the ensemble (``subset_size <= n_critics``), TQC's atoms
    left after dropping the top ``top_quantiles_to_drop_per_net`` of each critic's
    ``n_quantiles`` (at least one). None skips a value."""
    check_hyperparameters(n_critics=n_critics, n_quantiles=n_quantiles,
                          dropout_rate=dropout_rate, subset_size=subset_size,
                          top_quantiles_to_drop_per_net=top_quantiles_to_drop_per_net)
    if subset_size is not None and n_critics is not None and subset_size > n_critics:
        raise ValueError(f"subset_size {subset_size} is larger than the ensemble's "
                         f"n_critics {n_critics}")
    if (top_quantiles_to_drop_per_net is not None and n_quantiles is not None
            and top_quantiles_to_drop_per_net >= n_quantiles):
        raise ValueError(f"top_quantiles_to_drop_per_net {top_quantiles_to_drop_per_net} of "
                         f"n_quantiles {n_quantiles} leaves no atom for the target")
