"""Default variants, and overrides of them: the one place where defaults live.

A variant is a plain dict (JSON-able) that says everything about one trial: the environment,
the policy, the value functions, the algorithm and its training loop, the replay pool, the
sampler and the run's seed and threads. ``get_variant`` gives the defaults: the reference
hyperparameters per algorithm (arXiv:1812.05905, 1801.01290, 1702.08165) and per environment.
``apply_overrides`` sets entries by dotted path (the CLI's ``--set``, which may also hold Tune
search spaces); ``keyword_overrides`` does the same by leaf name for the Python API.
"""
import copy
import json

from softlearning_tf2.algorithms.action_spaces import (
    DEFAULT_TARGET_ENTROPY_RATIO, DISCRETE_COUNTERPARTS_HELP)
from softlearning_tf2.utils.validation import check_ensemble, check_hyperparameters
from softlearning_tf2.environments.utils import has_discrete_actions, observation_kind
from softlearning_tf2.models.defaults import BATCH_RENORM_DEFAULTS
from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import DEFAULT_RELABEL_K

SEARCH_SPACE_PREFIXES = ("grid", "choice", "uniform", "loguniform", "randint")

# Trained from a dataset only (``--dataset``); the others train online, or offline with one.
OFFLINE_ALGORITHMS = ("BC", "CQL", "SAC-N", "EDAC")
ALGORITHMS = ("SAC", "SACV", "SQL", "TQC", "TQC-paper", "REDQ", "DroQ", "CrossQ",
              "CrossQ-paper", *OFFLINE_ALGORITHMS)

TRAINING_LOOP_PARAMS = {
    "batch_size": 256,
    "n_train_repeat": 1,
    "train_every_n_steps": 1,
    "eval_n_episodes": 1,
    # The last epoch's evaluation: a mean and a spread to end the run with (Pendulum's
    # returns vary by hundreds between episodes; one episode is no result to trust).
    "final_eval_n_episodes": 10,
    "eval_deterministic": True,
    "fuse_train_repeats": True,
    "fuse_environment_steps": True,
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
    # None: the networks' own (SimBa's AdamW decay 1e-2; none for an MLP).
    "weight_decay": None,
}

# REDQ's and DroQ's G: critic updates per environment step, then one policy update.
HIGH_UTD_UPDATES = 20

ALGORITHM_PARAMS_BASE = {
    # arXiv:1812.05905: learned temperature, reward scale 1.
    "SAC": {"class_name": "SAC",
            "config": {**SAC_PARAMS, "policy_update_interval": 1, **TRAINING_LOOP_PARAMS}},
    # arXiv:2005.04269 with sb3-contrib's and SBX's lighter default: 2 critics of 25
    # quantiles (Q_PARAMS), the top 2 of each dropped. "TQC-paper" is the paper's setting.
    "TQC": {"class_name": "TQC",
            "config": {**SAC_PARAMS, "policy_update_interval": 1,
                       "top_quantiles_to_drop_per_net": 2, **TRAINING_LOOP_PARAMS}},
    # arXiv:2101.05982: N = 10 (Q_PARAMS), M = 2, G = 20.
    "REDQ": {"class_name": "REDQ",
             "config": {**SAC_PARAMS, "subset_size": 2, **TRAINING_LOOP_PARAMS,
                        "n_train_repeat": HIGH_UTD_UPDATES,
                        "policy_update_interval": HIGH_UTD_UPDATES}},
    # arXiv:2110.02034: two dropout Q functions (Q_PARAMS), M = N = 2, G = 20.
    "DroQ": {"class_name": "DroQ",
             "config": {**SAC_PARAMS, "subset_size": 2, **TRAINING_LOOP_PARAMS,
                        "n_train_repeat": HIGH_UTD_UPDATES,
                        "policy_update_interval": HIGH_UTD_UPDATES}},
    # arXiv:1902.05605 (and SBX's CrossQ): learning rates 1e-3, Adam's beta_1 = 0.5, the
    # policy and temperature every third update, no target networks (tau is unused).
    "CrossQ": {"class_name": "CrossQ",
               "config": {**{name: value for name, value in SAC_PARAMS.items()
                             if name not in ("tau", "target_update_interval")},
                          "policy_lr": 1e-3, "Q_lr": 1e-3, "alpha_lr": 1e-3,
                          "adam_beta_1": 0.5, "policy_update_interval": 3,
                          **TRAINING_LOOP_PARAMS}},
    # Offline (arXiv:2006.04779 with CORL's MuJoCo settings): the conservative penalty's
    # weight 10, 10 sampled actions per source, the policy's and the temperature's learning
    # rates 3e-5 (CORL's temperature Adam takes the policy's), no entropy term in the target.
    "CQL": {"class_name": "CQL",
            "config": {**SAC_PARAMS, "policy_lr": 3e-5, "alpha_lr": 3e-5,
                       "policy_update_interval": 1,
                       "cql_alpha": 10.0, "cql_n_actions": 10, "cql_temperature": 1.0,
                       "cql_lagrange": False, "cql_target_action_gap": 10.0,
                       "cql_alpha_prime_lr": 3e-4, "backup_entropy": False,
                       **TRAINING_LOOP_PARAMS}},
    # Offline (arXiv:2110.01548): SAC over N = 10 critics (Q_PARAMS); EDAC adds eta = 1.
    "SAC-N": {"class_name": "SAC",
              "config": {**SAC_PARAMS, "policy_update_interval": 1, **TRAINING_LOOP_PARAMS}},
    "EDAC": {"class_name": "EDAC",
             "config": {**SAC_PARAMS, "policy_update_interval": 1, "eta": 1.0,
                        **TRAINING_LOOP_PARAMS}},
    # Offline: the likelihood of the dataset's actions (no value function).
    "BC": {"class_name": "BehaviorCloning",
           "config": {"policy_lr": 3e-4, **TRAINING_LOOP_PARAMS}},
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

# Every policy class's variant defaults: ``--set policy_params.class_name=NAME`` starts the
# policy's config from NAME's entry here (then ``policy_params.config.*`` overrides apply).
POLICY_CONFIGS = {
    # network "simba": SimBa's residual network (the actor's 128 wide, 1 block where the
    # simba_* entries are null); hidden_layer_sizes is then unused.
    "FeedforwardGaussianPolicy": {"hidden_layer_sizes": [256, 256], "activation": "relu",
                                  "squash": True, "network": "mlp", "simba_width": None,
                                  "simba_blocks": None},
    # The first SAC code's mixture: 4 components (arXiv:1801.01290, Sec. 6).
    "GMMPolicy": {"num_components": 4, "hidden_layer_sizes": [256, 256], "activation": "relu",
                  "squash": True},
    # arXiv:1804.02808 used two coupling layers per level.
    "RealNVPPolicy": {"num_coupling_layers": 2, "hidden_layer_sizes": [256, 256],
                      "activation": "relu", "squash": True},
    "LatentSpacePolicy": {"num_coupling_layers": 2, "hidden_layer_sizes": [256, 256],
                          "activation": "relu", "squash": True},
    "AmortizedSamplerPolicy": {"hidden_layer_sizes": [128, 128], "activation": "relu"},
    "MCMCSamplerPolicy": {"kernel": "langevin", "temperature": 1.0, "step_size": 0.1,
                          "num_steps": 10, "num_burnin_steps": 100, "num_leapfrog_steps": 3,
                          "warm_start": True},
    "CategoricalPolicy": {"hidden_layer_sizes": [256, 256], "activation": "relu"},
    "BoltzmannPolicy": {"temperature": 1.0},
}
# The policies each algorithm class trains (or acts with), its default first.
ALGORITHM_POLICIES = {
    "SAC": ("FeedforwardGaussianPolicy", "GMMPolicy", "RealNVPPolicy", "LatentSpacePolicy"),
    "SACV": ("FeedforwardGaussianPolicy", "GMMPolicy", "RealNVPPolicy", "LatentSpacePolicy"),
    "SQL": ("AmortizedSamplerPolicy", "MCMCSamplerPolicy"),
    **{name: ("FeedforwardGaussianPolicy", "GMMPolicy", "RealNVPPolicy", "LatentSpacePolicy")
       for name in ("TQC", "REDQ", "DroQ", "CQL", "EDAC")},
    "BehaviorCloning": ("FeedforwardGaussianPolicy", "GMMPolicy", "RealNVPPolicy"),
    # Its Batch Renormalization runs in training mode in the policy step: the Gaussian's MLP.
    "CrossQ": ("FeedforwardGaussianPolicy",),
    "DiscreteSAC": ("CategoricalPolicy",),
    "DiscreteSQL": ("BoltzmannPolicy",),
}


# Each sampler's config beside max_path_length (``--set sampler_params.class_name=NAME``
# starts from these). RemoteSampler's: see softlearning_tf2/samplers/remote_sampler.py.
SAMPLER_CONFIGS = {
    "SimpleSampler": {"drop_nonfinite_transitions": False},
    "VectorSampler": {"num_envs": 4, "vectorization_mode": "sync"},
    "RemoteSampler": {"num_workers": 2, "envs_per_worker": 1, "vectorization_mode": "sync",
                      "steps_per_request": 10, "asynchronous": False,
                      "weights_push_interval": 1, "worker_cpus": 1.0, "worker_timeout": 60.0},
}


def policy_params_of(class_name):
    return {"class_name": class_name, "config": copy.deepcopy(POLICY_CONFIGS[class_name])}


# On Discrete action spaces (``--algorithm SAC`` / ``SQL`` pick these there).
DISCRETE_ALGORITHM_PARAMS_BASE = {
    # arXiv:1910.07207 with SAC's targets and temperature step; learning rates 1e-3 (measured
    # on CartPole-v1 against 3e-4: benchmarks/README.md); see action_spaces.py on the target
    # entropy.
    # The temperature starts at 0.1: from 1, with rewards of about 1 per step, the entropy
    # bonus outweighs the reward for the ~10k updates alpha needs to fall, and on Acrobot-v1
    # the near-uniform policy never reached the goal.
    "SAC": {"class_name": "DiscreteSAC",
            "config": {**SAC_PARAMS, "policy_lr": 1e-3, "Q_lr": 1e-3, "initial_alpha": 0.1,
                       "target_entropy_ratio": DEFAULT_TARGET_ENTROPY_RATIO,
                       **TRAINING_LOOP_PARAMS}},
    # arXiv:1702.08165 with the exact soft value of a finite action set: no sampler.
    "SQL": {"class_name": "DiscreteSQL",
            "config": {"Q_lr": 1e-3, "reward_scale": 1.0, "discount": 0.99, "tau": 5e-3,
                       "target_update_interval": 1, **TRAINING_LOOP_PARAMS}},
}
DISCRETE_POLICY_PARAMS = {"SAC": policy_params_of("CategoricalPolicy"),
                          "SQL": policy_params_of("BoltzmannPolicy")}
DISCRETE_Q_PARAMS = {
    "SAC": {"class_name": "double_discrete_Q_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu"}},
    # Twin Q functions and their minimum (the paper's SQL has one Q): on CartPole-v1 one Q
    # rose and fell between 150 and 500, two held 500 (benchmarks/README.md).
    "SQL": {"class_name": "double_discrete_Q_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu"}},
}
# Reward scales of discrete SQL (temperature 1), per domain. An entropy bonus of up to log|A|
# per step is a reward for staying in the episode: where the task is to end it (Acrobot reaches
# its goal, LunarLander lands), the scaled reward must outweigh it, or the soft-optimal policy
# avoids the goal (1 on Acrobot: log 3 > 1 per step). CartPole's bonus rewards staying alive.
DISCRETE_SQL_REWARD_SCALES = {"Acrobot": 10.0, "LunarLander": 10.0}
# DiscreteSAC per domain: CartPole learned fastest with a high target entropy from alpha = 1.
DISCRETE_SAC_DOMAIN_CONFIG = {"CartPole": {"target_entropy_ratio": 0.89, "initial_alpha": 1.0}}

# The policy and Q functions each algorithm trains.
POLICY_PARAMS = {algorithm: policy_params_of(ALGORITHM_POLICIES[algorithm][0])
                 for algorithm in ("SAC", "SACV", "SQL", "TQC", "REDQ", "DroQ", "CrossQ")}
# The offline algorithms' networks: three hidden layers of 256 (CORL's CQL, SAC-N and EDAC);
# CORL's behaviour cloning has two.
OFFLINE_HIDDEN_LAYER_SIZES = [256, 256, 256]
for _algorithm in OFFLINE_ALGORITHMS:
    POLICY_PARAMS[_algorithm] = policy_params_of("FeedforwardGaussianPolicy")
    if _algorithm != "BC":
        POLICY_PARAMS[_algorithm]["config"]["hidden_layer_sizes"] = list(
            OFFLINE_HIDDEN_LAYER_SIZES)
# CrossQ's Batch Renormalization settings, spelled out so that --set can change each.
BATCH_RENORM_CONFIG = {"batch_renormalization": True,
                       **{f"batch_renorm_{name}": value
                          for name, value in BATCH_RENORM_DEFAULTS.items() if name != "epsilon"}}
POLICY_PARAMS["CrossQ"]["config"].update(BATCH_RENORM_CONFIG)
# Where SimBa's residual network can replace the MLP (``network``: "mlp" or "simba", the
# critic's 512 wide with 2 blocks where the simba_* entries are null).
SIMBA_CONFIG = {"network": "mlp", "simba_width": None, "simba_blocks": None}
Q_PARAMS = {
    "SAC": {"class_name": "double_feedforward_Q_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu",
                       **SIMBA_CONFIG}},
    "SQL": {"class_name": "feedforward_Q_function",
            "config": {"hidden_layer_sizes": [128, 128], "activation": "relu"}},
}
Q_PARAMS["SACV"] = Q_PARAMS["SAC"]


def Q_ensemble_params(n_critics, n_quantiles=1, hidden_layer_sizes=(256, 256),
                      dropout_rate=0.0, layer_normalization=False, batch_renormalization=False):
    return {"class_name": "feedforward_Q_ensemble",
            "config": {"n_critics": n_critics, "n_quantiles": n_quantiles,
                       "hidden_layer_sizes": list(hidden_layer_sizes), "activation": "relu",
                       "dropout_rate": dropout_rate,
                       "layer_normalization": layer_normalization,
                       **(BATCH_RENORM_CONFIG if batch_renormalization
                          else {"batch_renormalization": False, **SIMBA_CONFIG})}}


Q_PARAMS.update({
    "TQC": Q_ensemble_params(2, n_quantiles=25),
    "REDQ": Q_ensemble_params(10),
    "DroQ": Q_ensemble_params(2, dropout_rate=0.01, layer_normalization=True),
    # SBX's and sb3-contrib's critic width, 1024; "CrossQ-paper" has the paper's 2048.
    "CrossQ": Q_ensemble_params(2, hidden_layer_sizes=(1024, 1024), batch_renormalization=True),
})
Q_PARAMS.update({
    "CQL": {"class_name": "double_feedforward_Q_function",
            "config": {**Q_PARAMS["SAC"]["config"],
                       "hidden_layer_sizes": list(OFFLINE_HIDDEN_LAYER_SIZES)}},
    # N = 10: the papers' choice on HalfCheetah and Walker2d (Hopper's were 500 for SAC-N
    # and 50 for EDAC: too slow for this CPU; ``--set Q_params.config.n_critics=50``).
    "SAC-N": Q_ensemble_params(10, hidden_layer_sizes=OFFLINE_HIDDEN_LAYER_SIZES),
    "EDAC": Q_ensemble_params(10, hidden_layer_sizes=OFFLINE_HIDDEN_LAYER_SIZES),
})

# Offline training (``dataset``): an epoch is 5000 gradient updates, run 1000 to a compiled
# call, then 10 evaluation episodes (CORL's protocol); 60 epochs make 300k updates (CORL
# trains CQL for 1M and EDAC for 3M: set n_epochs for those budgets).
# The pool is the dataset, which checkpoints leave out (it is read again on restore).
OFFLINE_LOOP_PARAMS = {"epoch_length": 5000, "n_epochs": 60, "n_train_repeat": 1000,
                       "train_every_n_steps": 1, "n_initial_exploration_steps": 0,
                       "min_pool_size": 0, "eval_n_episodes": 10, "final_eval_n_episodes": 10}

CROSSQ_PAPER_Q_PARAMS = Q_ensemble_params(2, hidden_layer_sizes=(2048, 2048),
                                          batch_renormalization=True)

# TQC as its authors ran it (arXiv:2005.04269; their code's defaults): 5 critics of 25 quantiles,
# three hidden layers of 512, and d, the atoms dropped per critic, per task (2 elsewhere).
TQC_PAPER_Q_PARAMS = Q_ensemble_params(5, n_quantiles=25, hidden_layer_sizes=(512, 512, 512))
TQC_PAPER_DROPPED_QUANTILES = {"Hopper": 5, "HalfCheetah": 0, "Walker2d": 2, "Ant": 2,
                               "Humanoid": 2}
TQC_PAPER_DEFAULT_DROPPED_QUANTILES = 2

# Reward scales of arXiv:1702.08165 (Appendix D) for SQL; Pendulum is not in the paper.
# GoalPoint is not either: at scale 1 the entropy bonus outweighs its -1/0 rewards and SQL with
# relabelling stalls near 30% success; at 10 it reaches 100% (benchmarks/README.md).
SQL_REWARD_SCALES = {"Swimmer": 30.0, "Hopper": 30.0, "HalfCheetah": 30.0, "Walker2d": 10.0,
                     "Ant": 300.0, "Humanoid": 100.0, "MultiGoal": 0.1, "Pendulum": 10.0,
                     "GoalPoint": 10.0}
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
    ("gymnasium", "PointTargets"): {"max_path_length": 30, "n_epochs": 30, "epoch_length": 100},
    # The level above a frozen latent-space policy on MultiGoal (environments/latent_space.py).
    ("gymnasium", "LatentSpace"): {"max_path_length": 30, "n_epochs": 100,
                                   "epoch_length": 100},
    # Discrete actions: the step counts of README's discrete results (50k and 200k steps).
    ("gymnasium", "CartPole"): {"max_path_length": 500, "n_epochs": 50},
    ("gymnasium", "Acrobot"): {"max_path_length": 500, "n_epochs": 50},
    ("gymnasium", "LunarLander"): {"max_path_length": 1000, "n_epochs": 200},
    ("gymnasium", "PixelPoint"): {"max_path_length": 50, "n_epochs": 20,
                                  "n_initial_exploration_steps": 500},
    # Goal tasks (hindsight relabelling, below): 30k steps solve GoalPoint (benchmarks/README.md).
    ("gymnasium", "GoalPoint"): {"max_path_length": 50, "n_epochs": 30,
                                 "n_initial_exploration_steps": 1000},
    ("gymnasium", "PointMaze_UMaze"): {"max_path_length": 300, "n_epochs": 100},
    ("gymnasium", "FetchReach"): {"max_path_length": 50, "n_epochs": 20},
    # dm_control: 1000-step episodes; a 5000-step random warm-up (pytorch_sac's seed steps,
    # behind the DrQ paper's SAC-from-states row).
    ("dm_control", None): {"max_path_length": 1000, "n_epochs": 100,
                           "n_initial_exploration_steps": 5000},
}

# The suite's tasks take their temperature from a start of 0.1 (DrQ and CURL's settings):
# rewards are in [0, 1] per step, and from alpha = 1 the entropy bonus outweighs them.
DM_CONTROL_SAC_CONFIG = {"initial_alpha": 0.1}

# Pixel observations (``pixels=True``): DrQ / CURL's settings (arXiv:2004.13649, 2004.04136)
# where they fit this package's SAC: 3 stacked 84x84 frames, action repeat 8 on cartpole
# (4 on cheetah, 2 on walker, per PlaNet's protocol), random shifts of 4 pixels, an encoder
# shared by actor and critics that only the critics' loss trains, batch 128, lr 1e-3, a 1000
# agent-step warm-up. One conv layer fewer than DrQ's four, for this CPU (benchmarks/README.md).
PIXEL_ACTION_REPEAT = {"cartpole": 8, "cheetah": 4, "walker": 2, "finger": 2,
                       "ball_in_cup": 4, "reacher": 4}
PIXEL_PARAMS = {"width": 84, "height": 84, "camera_id": 0, "pixels_only": True}
PIXEL_FRAME_STACK = 3
CONVNET_PARAMS = {"class_name": "convnet",
                  "config": {"conv_filters": [32, 32, 32], "conv_kernel_sizes": [3, 3, 3],
                             "conv_strides": [2, 2, 1], "normalization": None,
                             "output_size": 50}}
OBSERVATION_PARAMS = {
    "observation_keys": None,  # every key of a dict observation, sorted
    "preprocessors": {},  # per key; an image key without one: convnet's defaults
    "encoder_sharing": "critic",  # or "separate": each network its own encoders
    "random_shift": 0,  # DrQ's augmentation: pad by this many pixels, crop back at random
}
PIXEL_ALGORITHM_CONFIG = {"batch_size": 128, "policy_lr": 1e-3, "Q_lr": 1e-3,
                          "alpha_lr": 1e-3, "initial_alpha": 0.1}

# Goal tasks (GoalEnv convention, ``is_goal_environment``): hindsight relabelling with the
# paper's strategy, "future" with k = 4 relabelled goals per real one (arXiv:1707.01495); the
# success rate is measured over 10 evaluation episodes.
HINDSIGHT_POOL_CONFIG = {"relabel_strategy": "future", "relabel_k": DEFAULT_RELABEL_K,
                         "relabel_probability": None}  # a probability, where set, replaces k
GOAL_EVAL_EPISODES = 10

DEFAULT_TASKS = {
    ("gymnasium", "Pendulum"): "v1",
    ("gymnasium", "HalfCheetah"): "v5",
    ("gymnasium", "Hopper"): "v5",
    ("gymnasium", "Walker2d"): "v5",
    ("gymnasium", "Ant"): "v5",
    ("gymnasium", "Humanoid"): "v5",
    ("gymnasium", "MultiGoal"): "Default-v0",
    ("gymnasium", "LatentSpace"): "MultiGoal-v0",
    ("gymnasium", "PointTargets"): "Default-v0",
    ("gymnasium", "CartPole"): "v1",
    ("gymnasium", "Acrobot"): "v1",
    ("gymnasium", "LunarLander"): "v3",
    ("gymnasium", "PixelPoint"): "Reach-v0",
    ("gymnasium", "GoalPoint"): "Reach-v0",
    ("gymnasium", "PointMaze_UMaze"): "v3",
    ("gymnasium", "FetchReach"): "v4",
    ("dm_control", "cartpole"): "swingup",
    ("dm_control", "cheetah"): "run",
    ("dm_control", "walker"): "walk",
}


def default_task(universe, domain):
    return DEFAULT_TASKS.get((universe, domain), "v0")


def get_variant(algorithm, universe, domain, task, seed, trial_cpus=1,
                checkpoint_frequency=1, pixels=False, dataset=None):
    """The resolved default variant (no search spaces) of one trial.

    ``pixels``: observe 84x84 rendered images (3 stacked frames) instead of states, with the
    pixel settings above (``PIXEL_*``).

    On a Discrete action space, ``SAC`` and ``SQL`` are their discrete versions (DiscreteSAC,
    DiscreteSQL) with a categorical / Boltzmann policy and Q networks with one output per
    action.

    ``TQC-paper`` is TQC with its paper's critics and per-task d (``TQC_PAPER_*``);
    ``CrossQ-paper`` is CrossQ with its paper's critics, 2048 wide.

    ``dataset``: a Minari dataset id to train from, offline (``OFFLINE_LOOP_PARAMS``; the
    ``OFFLINE_ALGORITHMS`` need one, and the others train offline with one too).
    """
    paper_setting = algorithm in ("TQC-paper", "CrossQ-paper")
    if paper_setting:
        algorithm = algorithm[:-len("-paper")]
    if algorithm not in ALGORITHM_PARAMS_BASE:
        raise ValueError(f"unknown algorithm {algorithm!r}; valid choices: "
                         f"{', '.join(ALGORITHMS)}")
    discrete = has_discrete_actions(universe, domain, task)
    check_offline_request(algorithm, universe, domain, task, dataset, discrete, pixels)
    if discrete and algorithm not in DISCRETE_ALGORITHM_PARAMS_BASE:
        raise ValueError(f"{algorithm} trains on Box action spaces; {domain}-{task} has "
                         f"Discrete actions ({DISCRETE_COUNTERPARTS_HELP})")
    domain_params = DOMAIN_PARAMS.get((universe, domain), DOMAIN_PARAMS.get((universe, None), {}))
    max_path_length = domain_params.get("max_path_length", DEFAULT_MAX_PATH_LENGTH)
    n_initial_exploration_steps = domain_params.get(
        "n_initial_exploration_steps", 10 * max_path_length if domain != "Pendulum" else 1000)
    action_repeat = (PIXEL_ACTION_REPEAT.get(domain, 1) if pixels and universe == "dm_control"
                     else 1)
    if action_repeat > 1:  # path lengths and step counts in agent steps
        max_path_length = -(-max_path_length // action_repeat)
        n_initial_exploration_steps = 1000
    algorithm_params = copy.deepcopy((DISCRETE_ALGORITHM_PARAMS_BASE if discrete
                                      else ALGORITHM_PARAMS_BASE)[algorithm])
    algorithm_params["config"].update({
        "n_epochs": domain_params.get("n_epochs", 1000),
        "epoch_length": domain_params.get("epoch_length", 1000),
        "n_initial_exploration_steps": n_initial_exploration_steps,
        "min_pool_size": n_initial_exploration_steps,
    })
    if algorithm == "SACV":
        algorithm_params["config"]["reward_scale"] = SACV_REWARD_SCALES.get(domain, 1.0)
    if algorithm == "SAC" and discrete:
        algorithm_params["config"].update(DISCRETE_SAC_DOMAIN_CONFIG.get(domain, {}))
    if universe == "dm_control" and algorithm in ("SAC", "TQC", "REDQ", "DroQ"):
        algorithm_params["config"].update(DM_CONTROL_SAC_CONFIG)
    if pixels:
        algorithm_params["config"].update(
            {key: value for key, value in PIXEL_ALGORITHM_CONFIG.items()
             if key in algorithm_params["config"]})
    observations = observation_kind(universe, domain, task)
    goal_task = not discrete and observations == "goal"
    if goal_task:
        algorithm_params["config"]["eval_n_episodes"] = GOAL_EVAL_EPISODES
        algorithm_params["config"]["final_eval_n_episodes"] = max(
            GOAL_EVAL_EPISODES, TRAINING_LOOP_PARAMS["final_eval_n_episodes"])
    if algorithm == "SQL" and discrete:
        algorithm_params["config"]["reward_scale"] = DISCRETE_SQL_REWARD_SCALES.get(domain, 1.0)
    elif algorithm == "SQL":
        algorithm_params["config"]["reward_scale"] = SQL_REWARD_SCALES.get(domain, 1.0)
        algorithm_params["config"]["kernel_n_particles"] = SQL_KERNEL_PARTICLES.get(domain, 16)
    environment = {"universe": universe, "domain": domain, "task": task, "kwargs": {},
                   "pixels": dict(PIXEL_PARAMS) if pixels else None,
                   "frame_stack": PIXEL_FRAME_STACK if pixels else 1, "step_delay": 0.0}
    if universe == "dm_control":
        environment["kwargs"] = {"observation": "states", "action_repeat": action_repeat}
    observation_params = copy.deepcopy(OBSERVATION_PARAMS)
    if pixels:
        observation_params.update(random_shift=4,
                                  preprocessors={"pixels": copy.deepcopy(CONVNET_PARAMS)})
    variant = {
        "environment_params": {
            "training": environment,
            "evaluation": copy.deepcopy(environment),
        },
        "policy_params": copy.deepcopy(
            (DISCRETE_POLICY_PARAMS if discrete else POLICY_PARAMS)[algorithm]),
        "exploration_policy_params": {
            "class_name": "DiscreteUniformPolicy" if discrete else "ContinuousUniformPolicy",
            "config": {}},
        # Behaviour cloning has no Q functions.
        "Q_params": copy.deepcopy((DISCRETE_Q_PARAMS if discrete else Q_PARAMS).get(algorithm)),
        "algorithm_params": algorithm_params,
        "observation_params": observation_params,
        "replay_pool_params": (
            {"class_name": "HindsightExperienceReplayPool",
             "config": {"max_size": int(1e6), **HINDSIGHT_POOL_CONFIG}} if goal_task else
            {"class_name": "SimpleReplayPool", "config": {"max_size": int(1e5)}} if pixels else
            # Flat observations: the pool in TensorFlow variables, one compiled call per step.
            {"class_name": "TensorReplayPool" if observations == "flat" else "SimpleReplayPool",
             "config": {"max_size": int(1e6)}}),
        "sampler_params": {"class_name": "SimpleSampler",
                           "config": {"max_path_length": max_path_length,
                                      **SAMPLER_CONFIGS["SimpleSampler"]}},
        "run_params": {
            "seed": int(seed),
            "checkpoint_frequency": int(checkpoint_frequency),
            "checkpoint_at_end": True,
            "checkpoint_replay_pool": True,
            # A checkpoint whose networks (and temperature) start this run: an offline run's,
            # to fine-tune online. Optimizers, pool and counters start fresh.
            "initialize_from": None,
            # One thread per op, as many ops at once as the trial has CPUs (the twin Q
            # functions run side by side); from pixels the convolutions dominate and take the
            # CPUs within each op instead. Measured in benchmarks/README.md.
            "tf_intra_op_threads": int(trial_cpus) if pixels else 1,
            "tf_inter_op_threads": 1 if pixels else int(trial_cpus),
        },
    }
    if paper_setting and algorithm == "TQC":
        variant["Q_params"] = copy.deepcopy(TQC_PAPER_Q_PARAMS)
        algorithm_params["config"]["top_quantiles_to_drop_per_net"] = (
            TQC_PAPER_DROPPED_QUANTILES.get(domain, TQC_PAPER_DEFAULT_DROPPED_QUANTILES))
    elif paper_setting:
        variant["Q_params"] = copy.deepcopy(CROSSQ_PAPER_Q_PARAMS)
    if variant["Q_params"] is None:
        del variant["Q_params"]
    if dataset is not None:
        algorithm_params["config"].update(OFFLINE_LOOP_PARAMS)
        # root: the Minari directory (None: the reading process's; the CLI fixes it).
        variant["dataset_params"] = {"dataset_id": str(dataset), "root": None}
        variant["run_params"]["checkpoint_replay_pool"] = False
    if algorithm == "SACV":
        variant["V_params"] = {
            "class_name": "feedforward_V_function",
            "config": {"hidden_layer_sizes": [256, 256], "activation": "relu"},
        }
    return variant


def check_offline_request(algorithm, universe, domain, task, dataset, discrete, pixels):
    """Offline algorithms need a dataset; datasets are of flat observations and Box actions."""
    if dataset is None:
        if algorithm in OFFLINE_ALGORITHMS:
            raise ValueError(f"{algorithm} trains from a dataset: give --dataset ID (a Minari "
                             f"dataset; softlearning make_dataset records one)")
        return
    if discrete or pixels or observation_kind(universe, domain, task) != "flat":
        raise ValueError(f"offline training takes flat observations and Box actions; "
                         f"{domain}-{task}{' from pixels' if pixels else ''} has other spaces")


def _parse_scalar(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_override_value(text):
    """A plain JSON value (a bare word is a string), or a Tune search space ``kind:a,b,...``."""
    kind, separator, rest = text.partition(":")
    if not separator or kind not in SEARCH_SPACE_PREFIXES:
        return _parse_scalar(text)
    from ray import tune

    values = [_parse_scalar(item) for item in rest.split(",") if item != ""]
    if kind == "grid":
        return tune.grid_search(values)
    if kind == "choice":
        return tune.choice(values)
    if len(values) != 2 or not all(isinstance(value, (int, float)) for value in values):
        raise ValueError(f"{kind}: takes two numbers LOW,HIGH, got {rest!r}")
    low, high = values
    if not low < high:
        raise ValueError(f"{kind}: needs LOW < HIGH, got {rest!r}")
    if kind == "uniform":
        return tune.uniform(low, high)
    if kind == "loguniform":
        if low <= 0:
            raise ValueError(f"loguniform: needs LOW > 0, got {rest!r}")
        return tune.loguniform(low, high)
    return tune.randint(int(low), int(high))


def set_entry(variant, path, value):
    """Sets ``variant[a][b][c] = value`` for ``path = 'a.b.c'`` in place.

    The path must name an existing entry (new keys only inside a ``kwargs`` dict), so a typo
    is an error rather than a surprise inside a trial.
    """
    keys = path.split(".")
    node = variant
    for depth, key in enumerate(keys[:-1]):
        if not isinstance(node, dict) or key not in node:
            where = ".".join(keys[:depth]) or "the variant"
            choices = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
            raise ValueError(f"--set {path}: {where} has no entry {key!r}; "
                             f"valid choices: {choices}")
        node = node[key]
    last = keys[-1]
    if not isinstance(node, dict) or (last not in node and keys[-2:-1] != ["kwargs"]):
        choices = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
        raise ValueError(f"--set {path}: no entry {last!r} there; valid choices: {choices}")
    if (path == POLICY_CLASS_PATH and isinstance(value, str) and value in POLICY_CONFIGS
            and value != node[last]):
        node["config"] = copy.deepcopy(POLICY_CONFIGS[value])  # the new class's defaults
    candidates = value.get("grid_search") if isinstance(value, dict) else None
    if (path == POLICY_CLASS_PATH and isinstance(candidates, list)
            and all(candidate in POLICY_CONFIGS for candidate in candidates)):
        # A grid over policy classes: the entries every candidate takes (each class keeps its
        # own defaults for the rest; the Gaussian's network entries are not the mixture's).
        node["config"] = {name: copy.deepcopy(setting)
                          for name, setting in POLICY_CONFIGS[candidates[0]].items()
                          if all(name in POLICY_CONFIGS[other] for other in candidates)}
    if (path == SAMPLER_CLASS_PATH and isinstance(value, str) and value in SAMPLER_CONFIGS
            and value != node[last]):
        node["config"] = {"max_path_length": node["config"]["max_path_length"],
                          **copy.deepcopy(SAMPLER_CONFIGS[value])}
    node[last] = value


POLICY_CLASS_PATH = "policy_params.class_name"
SAMPLER_CLASS_PATH = "sampler_params.class_name"


def _policy_class_first(paths_and_values):
    """Overrides in an order where a new policy or sampler class comes before its config
    entries."""
    return sorted(paths_and_values,
                  key=lambda item: item[0] not in (POLICY_CLASS_PATH, SAMPLER_CLASS_PATH))


def apply_overrides(variant, overrides):
    """A copy of ``variant`` with each ``'dotted.path=value'`` (the CLI's ``--set``) applied."""
    variant = copy.deepcopy(variant)
    parsed = []
    for override in overrides:
        path, separator, text = override.partition("=")
        if not separator or not path:
            raise ValueError(f"--set expects KEY=VALUE, got {override!r}")
        parsed.append((path, parse_override_value(text)))
    for path, value in _policy_class_first(parsed):
        set_entry(variant, path, value)
    return variant


def leaf_paths(variant, prefix=""):
    """The dotted path of every entry that is not itself a dict."""
    paths = []
    for key, value in variant.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and key != "kwargs":
            paths.extend(leaf_paths(value, path))
        else:
            paths.append(path)
    return paths


def keyword_overrides(variant, overrides):
    """A copy of ``variant`` with each ``name=value`` set where ``name`` is a dotted path or
    the last part of exactly one path (``n_epochs`` is ``algorithm_params.config.n_epochs``)."""
    variant = copy.deepcopy(variant)
    for name, value in _policy_class_first(overrides.items()):
        paths = leaf_paths(variant)  # a new policy class brings its own config entries
        matches = [name] if name in paths else [
            path for path in paths if path.rsplit(".", 1)[-1] == name]
        if len(matches) != 1:
            problem = "names several entries" if matches else "names no entry"
            choices = matches or sorted({path.rsplit(".", 1)[-1] for path in paths})
            raise ValueError(f"override {name!r} {problem} of the variant; "
                             f"{'use one of' if matches else 'valid names'}: "
                             f"{', '.join(choices)}")
        set_entry(variant, matches[0], value)
    return variant


def validate_variant_spec(variant_spec):
    """Checks the hyperparameter ranges of every value a trial could get (each grid value;
    sampled search spaces are checked when the trial builds its algorithm)."""
    for section in ("algorithm_params", "replay_pool_params", "sampler_params", "Q_params",
                    "policy_params"):
        if section not in variant_spec:  # behaviour cloning has no Q functions
            continue
        for name, value in variant_spec[section]["config"].items():
            for candidate in _grid_candidates(value):
                if not is_sampled_search_space(candidate):
                    check_hyperparameters(**{name: candidate})
    validate_policy_class(variant_spec)
    validate_sampler(variant_spec)
    validate_ensemble(variant_spec)
    validate_networks(variant_spec)


# What a SimBa network cannot take: the MLP's own regularizers (its blocks normalize).
SIMBA_EXCLUDES = ("dropout_rate", "layer_normalization", "batch_renormalization")


def validate_networks(variant_spec):
    """A SimBa network (each grid value of ``network``) on flat observations, without the
    MLP's dropout, layer or batch normalization."""
    environment = variant_spec["environment_params"]["training"]
    algorithm = variant_spec["algorithm_params"]["class_name"]
    for section in ("Q_params", "policy_params"):
        config = variant_spec.get(section, {}).get("config", {})
        renormalized = [value for value in _grid_candidates(
            config.get("batch_renormalization", False)) if value is True]
        if algorithm != "CrossQ" and renormalized:
            raise ValueError(f"{section}.config.batch_renormalization needs --algorithm "
                             f"CrossQ: {algorithm}'s updates would not run it in the modes "
                             f"its statistics need (its targets are Polyak copies)")
        if algorithm == "CrossQ" and False in _grid_candidates(
                config.get("batch_renormalization", False)):
            raise ValueError(f"CrossQ normalizes its critics and actor: {section}.config."
                             f"batch_renormalization must be true")
        if "simba" not in _grid_candidates(config.get("network", "mlp")):
            continue
        for name in SIMBA_EXCLUDES:
            for value in _grid_candidates(config.get(name, False)):
                if value not in (None, False, 0, 0.0) and not is_sampled_search_space(value):
                    raise ValueError(f"{section}.config.network simba takes no {name} (its "
                                     f"blocks have their own layer normalization); use "
                                     f"network mlp")
        if (observation_kind(environment["universe"], environment["domain"],
                             environment["task"]) != "flat" or environment.get("pixels")):
            raise ValueError(f"{section}.config.network simba normalizes flat observations; "
                             f"{environment['domain']}-{environment['task']}'s are a dict "
                             f"(images or goals): use network mlp")


def validate_ensemble(variant_spec):
    """What the algorithm asks of its critic ensemble (each grid value): REDQ's subset no
    larger than the ensemble, TQC's dropped quantiles fewer than each critic's."""
    algorithm_config = variant_spec["algorithm_params"]["config"]
    if "Q_params" not in variant_spec:
        return
    Q_params = variant_spec["Q_params"]
    Q_config = Q_params["config"]
    # What SAC's own builders give: one Q value per critic, two critics for "double_*".
    defaults = {"n_critics": 2 if str(Q_params["class_name"]).startswith("double") else 1,
                "n_quantiles": 1}
    if variant_spec["algorithm_params"]["class_name"] != "TQC":
        for value in _grid_candidates(Q_config.get("n_quantiles", 1)):
            if not is_sampled_search_space(value) and value != 1:
                raise ValueError(f"n_quantiles {value} needs --algorithm TQC: "
                                 f"{variant_spec['algorithm_params']['class_name']}'s critics "
                                 f"give one Q value each")
    for algorithm_name, Q_name in (("subset_size", "n_critics"),
                                   ("top_quantiles_to_drop_per_net", "n_quantiles")):
        if algorithm_name not in algorithm_config:
            continue
        for algorithm_value in _grid_candidates(algorithm_config[algorithm_name]):
            for Q_value in _grid_candidates(Q_config.get(Q_name, defaults[Q_name])):
                if not (is_sampled_search_space(algorithm_value)
                        or is_sampled_search_space(Q_value)):
                    check_ensemble(**{algorithm_name: algorithm_value, Q_name: Q_value})


def _grid_candidates(value):
    return (value["grid_search"] if isinstance(value, dict) and set(value) == {"grid_search"}
            else [value])


def validate_policy_class(variant_spec):
    """The policy class (each grid value) must exist and suit the algorithm."""
    algorithm = variant_spec["algorithm_params"]["class_name"]
    for class_name in _grid_candidates(variant_spec["policy_params"]["class_name"]):
        if is_sampled_search_space(class_name):
            continue
        if class_name not in POLICY_CONFIGS:
            raise ValueError(f"unknown policy class_name {class_name!r}; valid choices: "
                             f"{', '.join(sorted(POLICY_CONFIGS))}")
        suitable = ALGORITHM_POLICIES.get(algorithm, ())
        if class_name not in suitable:
            raise ValueError(f"{algorithm} does not train {class_name}; its policies: "
                             f"{', '.join(suitable)}")


def validate_sampler(variant_spec):
    """The sampler class must exist and its config (each grid value) be in range."""
    params = variant_spec["sampler_params"]
    class_name = params["class_name"]
    if not isinstance(class_name, str):
        raise ValueError("sampler_params.class_name cannot be searched over (each sampler "
                         "has its own config, and a RemoteSampler sizes the trial's resources)")
    if class_name not in SAMPLER_CONFIGS:
        raise ValueError(f"unknown sampler_params.class_name {class_name!r}; valid choices: "
                         f"{', '.join(SAMPLER_CONFIGS)}")
    config = {name: value for name, value in params["config"].items()
              if name != "max_path_length"}
    unknown = sorted(set(config) - set(SAMPLER_CONFIGS[class_name]))
    if unknown:
        raise ValueError(f"{class_name} has no config entry {', '.join(unknown)}; its "
                         f"entries: {', '.join(['max_path_length', *SAMPLER_CONFIGS[class_name]])}")
    if class_name == "SimpleSampler":
        return
    from softlearning_tf2.samplers.remote_sampler import check_remote_sampler_config
    for name, value in config.items():
        for candidate in _grid_candidates(value):
            if not is_sampled_search_space(candidate):
                check_remote_sampler_config(**{name: candidate})


def is_sampled_search_space(value):
    """A Tune ``Domain`` (uniform, choice, ...), told apart without importing Ray."""
    return type(value).__module__.startswith("ray.tune.search")
