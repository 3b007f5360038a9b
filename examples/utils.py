"""The command line of the examples: flags -> variant overrides -> Tune search spaces."""
import argparse
import copy
import json
import sys

import numpy as np

SEARCH_SPACE_PREFIXES = ("grid", "choice", "uniform", "loguniform", "randint")


class OneLineErrorParser(argparse.ArgumentParser):
    """Reports a bad flag in one line (naming the value and the choices) and exits with 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def random_seed():
    return int(np.random.SeedSequence().entropy % (2 ** 31))


def get_parser(algorithms=("SAC",), default_domain="Pendulum", prog="softlearning"):
    parser = OneLineErrorParser(prog=prog, allow_abbrev=False)
    parser.add_argument("--algorithm", choices=algorithms, default=algorithms[0])
    parser.add_argument("--universe", default="gymnasium")
    parser.add_argument("--domain", default=default_domain)
    parser.add_argument("--task", default=None,
                        help="default: the domain's usual task (Pendulum: v1, MuJoCo: v5)")
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
    parser.add_argument("--scheduler", choices=("fifo", "asha"), default="fifo",
                        help="asha: stop weak trials early (asynchronous successive halving)")
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


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def _parse_scalar(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_override_value(text):
    """A plain JSON value (a bare word is a string), or a search space ``kind:a,b,...``."""
    from ray import tune

    kind, separator, rest = text.partition(":")
    if not separator or kind not in SEARCH_SPACE_PREFIXES:
        return _parse_scalar(text)
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


def apply_overrides(variant, overrides):
    """Returns a copy of ``variant`` with each ``dotted.path=value`` set.

    The path must name an existing entry (new keys only inside a ``kwargs`` dict), so a typo
    is an error here rather than a surprise inside a trial.
    """
    variant = copy.deepcopy(variant)
    for override in overrides:
        path, separator, text = override.partition("=")
        if not separator or not path:
            raise ValueError(f"--set expects KEY=VALUE, got {override!r}")
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
        node[last] = parse_override_value(text)
    return variant


def validate_variant_spec(variant_spec):
    """Checks the hyperparameter ranges of every value a trial could get (each grid value;
    sampled search spaces are checked when the trial builds its algorithm)."""
    from ray.tune.search.sample import Domain

    from softlearning_tf2.algorithms.validation import check_hyperparameters

    for section in ("algorithm_params", "replay_pool_params", "sampler_params"):
        for name, value in variant_spec[section]["config"].items():
            candidates = (value["grid_search"] if isinstance(value, dict)
                          and set(value) == {"grid_search"} else [value])
            for candidate in candidates:
                if not isinstance(candidate, Domain):
                    check_hyperparameters(**{name: candidate})


def count_trials(variant_spec, num_samples=1):
    """Trials Tune will run: the product of every grid's size, times ``num_samples``."""
    count = num_samples
    stack = [variant_spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if set(node) == {"grid_search"}:
                count *= len(node["grid_search"])
            else:
                stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return count


def value_at(config, dotted_path):
    """``config['a']['b']`` for ``'a.b'``."""
    for key in dotted_path.split("."):
        config = config[key]
    return config


def search_space_entries(variant_spec, prefix=""):
    """(dotted path, description) of every search space in the spec."""
    from ray.tune.search.sample import Domain

    entries = []
    if isinstance(variant_spec, dict):
        if set(variant_spec) == {"grid_search"}:
            return [(prefix, f"grid_search({variant_spec['grid_search']})")]
        for key, value in variant_spec.items():
            entries += search_space_entries(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(variant_spec, Domain):
        entries.append((prefix, repr(variant_spec)))
    return entries


def to_json(variant_spec):
    return json.dumps(variant_spec, indent=2, default=repr)
