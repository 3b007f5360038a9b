"""Gradient updates per second of the offline algorithms, and what 300k updates cost.

    python -m benchmarks.offline_throughput --env HalfCheetah-v5 --updates 2000 \
        [--algorithm BC --algorithm CQL ...] [--set KEY=VALUE ...]

Writes a random-policy dataset of ``--dataset-steps`` transitions for ``--env`` into a
temporary Minari directory, builds each algorithm's default offline variant on it (3 x 256
networks, batch 256, 1000 updates to a compiled call), runs one call to compile, then times
``--updates`` more (a multiple of 1000) and the 10 evaluation episodes of one epoch. Prints
one line per algorithm and a JSON line: updates/s, evaluation seconds per epoch, and the hours
of a 300k-update run (60 epochs of 5000 updates and their evaluations).
"""
import argparse
import json
import os
import tempfile
import time

ALGORITHMS = ("BC", "SAC", "SAC-N", "EDAC", "CQL")
PAPER_UPDATES = 300_000
EPOCH_UPDATES = 5000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="HalfCheetah-v5", help="gymnasium id DOMAIN-TASK")
    parser.add_argument("--algorithm", action="append", default=[], choices=ALGORITHMS)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--dataset-steps", type=int, default=20_000)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override, as in the CLI's --set")
    args = parser.parse_args(argv)
    if args.updates % 1000:
        parser.error(f"--updates must be a multiple of 1000 (one compiled call), got "
                     f"{args.updates}")
    return args


def write_random_dataset(environment_id, steps, dataset_id):
    import gymnasium
    import numpy as np

    from softlearning_tf2.datasets.minari_datasets import record_episodes, write_dataset

    raw = gymnasium.make(environment_id)
    raw.action_space.seed(0)
    episodes = -(-steps // 1000)
    buffers, returns = record_episodes(raw, lambda observation: raw.action_space.sample(),
                                       episodes, seed=0, max_path_length=1000)
    write_dataset(dataset_id, buffers, raw, float(np.mean(returns)),
                  float(np.mean(returns)) + 1000.0, "random", "throughput benchmark")


def measure(algorithm, domain, task, dataset_id, updates, overrides):
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads
    from softlearning_tf2.samplers.utils import evaluation_rollouts
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = get_variant(algorithm, "gymnasium", domain, task, 0, trial_cpus=2,
                          dataset=dataset_id)
    variant = apply_overrides(variant, overrides)
    configure_tensorflow_threads(variant["run_params"])  # as a 2-CPU trial (first call wins)
    experiment = Experiment(variant)
    algorithm_object = experiment.algorithm
    algorithm_object.train_steps(1000)  # compiles the 1000-update call
    start = time.perf_counter()
    algorithm_object.train_steps(updates)
    update_seconds = time.perf_counter() - start
    start = time.perf_counter()
    evaluation_rollouts(experiment.evaluation_environment, experiment.policy,
                        variant["algorithm_params"]["config"]["eval_n_episodes"],
                        variant["sampler_params"]["config"]["max_path_length"])
    evaluation_seconds = time.perf_counter() - start
    experiment.close()
    updates_per_second = updates / update_seconds
    epochs = PAPER_UPDATES // EPOCH_UPDATES
    hours = (PAPER_UPDATES / updates_per_second + epochs * evaluation_seconds) / 3600
    return {"algorithm": algorithm, "updates_per_s": round(updates_per_second, 2),
            "evaluation_s_per_epoch": round(evaluation_seconds, 1),
            "hours_per_300k_updates": round(hours, 2)}


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("MINARI_DATASETS_PATH", tempfile.mkdtemp(prefix="minari_bench_"))
    domain, task = args.env.rsplit("-", 1)
    dataset_id = f"benchmark/{domain.lower()}/random-v0"
    write_random_dataset(args.env, args.dataset_steps, dataset_id)
    results = []
    for algorithm in args.algorithm or ALGORITHMS:
        result = measure(algorithm, domain, task, dataset_id, args.updates, args.overrides)
        results.append(result)
        print(f"{algorithm:6s} {result['updates_per_s']:8.1f} updates/s, evaluation "
              f"{result['evaluation_s_per_epoch']:.1f} s an epoch, 300k updates "
              f"~{result['hours_per_300k_updates']:.1f} h", flush=True)
    print(json.dumps({"env": args.env, "updates": args.updates, "results": results}))


if __name__ == "__main__":
    main()
