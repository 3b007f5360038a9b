"""The command line of the example modules: flags -> variant spec -> Tune search spaces.

An example module (``examples.development``, ``examples.multi_goal``) gives ``get_parser``
(built here), ``get_variant_spec(args)``, ``get_trainable_class()`` and
``get_experiment_class()``; ``softlearning_tf2.experiments.launcher`` runs it.
"""
import argparse
import json

from softlearning_tf2.utils.cli import OneLineErrorParser, non_negative_int, positive_int


def get_parser(algorithms=("SAC",), default_domain="Pendulum", prog="softlearning"):
    parser = OneLineErrorParser(prog=prog, allow_abbrev=False)
    parser.add_argument("--algorithm", choices=algorithms, default=algorithms[0])
    parser.add_argument("--universe", default="gymnasium")
    parser.add_argument("--domain", default=default_domain)
    parser.add_argument("--task", default=None,
                        help="default: the domain's usual task (Pendulum: v1, MuJoCo: v5)")
    parser.add_argument("--pixels", action="store_true",
                        help="observe 84x84 rendered images (3 stacked frames, DrQ's settings: "
                             "softlearning_tf2/experiments/variants.py) instead of states")
    parser.add_argument("--dataset", default=None, metavar="ID",
                        help="train offline from this Minari dataset (a local id, e.g. "
                             "softlearning/hopper/medium-v0; softlearning make_dataset writes "
                             "them): no environment steps, 5000 updates an epoch")
    parser.add_argument("--initialize-from", default=None, metavar="CHECKPOINT",
                        help="start the networks and temperature from this checkpoint (an "
                             "offline run's, to fine-tune it online); optimizers, pool and "
                             "counters start fresh, and the networks must be the same sizes")
    parser.add_argument("--exp-name", default=None,
                        help="experiment name (default: the algorithm's name)")
    parser.add_argument("--num-samples", type=positive_int, default=1,
                        help="trials per configuration, each with its own seed")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first trial (default: random, printed)")
    parser.add_argument("--checkpoint-frequency", type=non_negative_int, default=10,
                        help="checkpoint every N epochs (0: only at the end)")
    parser.add_argument("--checkpoint-replay-pool", default=None,
                        action=argparse.BooleanOptionalAction,
                        help="save the replay pool in checkpoints (default: on)")
    parser.add_argument("--local-dir", default="~/ray_results",
                        help="results go to LOCAL_DIR/<universe>/<domain>/<task>/")
    parser.add_argument("--cpus", type=positive_int, default=None,
                        help="CPUs for the local Ray instance (default: all)")
    parser.add_argument("--trial-cpus", type=positive_int, default=1,
                        help="CPUs per trial; TensorFlow runs that many ops at once in the trial")
    parser.add_argument("--resources-per-trial", type=resources_json, default=None,
                        metavar="JSON", help='Tune resources of each trial, e.g. '
                        '\'{"cpu": 2}\'; overrides --trial-cpus')
    parser.add_argument("--max-concurrent-trials", type=positive_int, default=None)
    parser.add_argument("--max-failures", type=non_negative_int, default=0,
                        help="restart a failed trial from its last checkpoint up to N times")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="override a variant entry by dotted path, e.g. "
                             "algorithm_params.config.tau=0.01; VALUE may be a search space "
                             "grid:a,b | choice:a,b | uniform:lo,hi | loguniform:lo,hi | "
                             "randint:lo,hi")
    parser.add_argument("--search", choices=("grid", "optuna"), default="grid",
                        help="grid: Tune's grid and random sampling of the --set spaces; "
                             "optuna: Optuna's TPE sampler (seeded with --seed), which "
                             "learns from the finished trials where to sample next")
    parser.add_argument("--num-trials", type=positive_int, default=None,
                        help="--search optuna: how many trials it samples (default 10)")
    parser.add_argument("--scheduler", choices=("fifo", "asha", "median"), default="fifo",
                        help="asha: stop weak trials early (asynchronous successive halving); "
                             "median: Tune's median stopping rule, its version of Optuna's "
                             "median pruning: stop a trial whose best result is below the "
                             "median of the other trials' running averages at that epoch")
    parser.add_argument("--mlflow", nargs="?", const="mlruns", default=None,
                        metavar="TRACKING_URI",
                        help="log every trial to MLflow: parameters, metrics per epoch, the "
                             "final checkpoint as an artifact; TRACKING_URI: a directory "
                             "(default ./mlruns), sqlite:///PATH.db or http://HOST:PORT")
    parser.add_argument("--wandb", nargs="?", const="softlearning", default=None,
                        metavar="PROJECT",
                        help="log every trial to Weights & Biases project PROJECT (default "
                             "softlearning); WANDB_MODE=offline writes the runs locally, "
                             "inside the experiment directory, for `wandb sync` later")
    parser.add_argument("--metric", default="evaluation/episode-reward-mean",
                        help="the result that ranks trials (ASHA, best trial)")
    parser.add_argument("--mode", choices=("max", "min"), default="max")
    parser.add_argument("--grace-period", type=positive_int, default=1,
                        help="ASHA: epochs every trial runs before it can be stopped")
    parser.add_argument("--reduction-factor", type=positive_int, default=2,
                        help="ASHA: keep the best 1/N of trials at each rung")
    parser.add_argument("--restore", default=None, metavar="EXPERIMENT_DIR",
                        help="continue an interrupted experiment from its directory")
    parser.add_argument("--address", default=None, metavar="HOST:PORT",
                        help="run_example_ray: the existing Ray cluster's address")
    parser.add_argument("--storage-path", default=None,
                        help="run_example_ray: where results go when the cluster needs shared "
                             "storage (a shared filesystem path or s3://...); default: "
                             "--local-dir")
    parser.add_argument("--run-eagerly", action="store_true",
                        help="run_example_debug only: turn tf.function off")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's and Ray's own log lines and Tune's status table "
                             "(default: one progress line per trial and errors)")
    return parser


def resources_json(text):
    try:
        resources = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON ({error.msg} at character "
                                         f"{error.pos}): {text}")
    if not isinstance(resources, dict) or not all(
            isinstance(value, (int, float)) and value >= 0 for value in resources.values()):
        raise argparse.ArgumentTypeError(f"must be a JSON object of non-negative amounts, "
                                         f"e.g. '{{\"cpu\": 2}}', got {text}")
    return resources


def search_space_entries(variant_spec):
    """(dotted path, description) of every search space in the spec, Tune's parse of it."""
    from ray.tune.search.variant_generator import parse_spec_vars

    _, domain_vars, grid_vars = parse_spec_vars(variant_spec)
    entries = [(path, f"grid_search({grid.categories})") for path, grid in grid_vars]
    entries += [(path, f"{type(domain.get_sampler()).__name__.strip('_').lower()} "
                       f"{type(domain).__name__.lower()} {domain.domain_str}")
                for path, domain in domain_vars]
    return sorted((".".join(map(str, path)), description) for path, description in entries)


def count_trials(variant_spec, num_samples=1):
    """Trials Tune will run: the product of every grid's size, times ``num_samples``."""
    from ray.tune.search.variant_generator import parse_spec_vars

    _, _, grid_vars = parse_spec_vars(variant_spec)
    count = num_samples
    for _, grid in grid_vars:
        count *= len(grid.categories)
    return count


def to_json(variant_spec):
    return json.dumps(variant_spec, indent=2, default=repr)
