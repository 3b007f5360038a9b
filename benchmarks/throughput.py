"""Training throughput of an algorithm at reference settings.

    python -m benchmarks.throughput --algorithm SAC --env HalfCheetah-v5 --steps 3000

Builds the experiment from the development example's default variant (256x256 networks,
batch 256, one gradient update per environment step), fills the pool with ``--warmup``
uniformly random steps, then measures

* the training loop: ``--steps`` environment steps with one update each (env_steps_per_s),
* the update alone on pre-drawn batches (updates_per_s),

and prints a summary followed by one JSON line. Compare with
``../shared/bench/sb3_sac_speed.sh ENV STEPS`` run right before or after, as a ratio.
"""
import argparse
import json
import os
import resource
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--algorithm", default="SAC")
    parser.add_argument("--env", default="HalfCheetah-v5", help="gymnasium id DOMAIN-TASK")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--update-repeats", type=int, default=None,
                        help="updates timed alone (default: --steps)")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow intra/inter-op")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def build_experiment(args):
    from examples.development.main import Experiment, configure_tensorflow_threads
    from examples.development.variants import get_variant

    domain, task = args.env.split("-", 1)
    variant = get_variant(args.algorithm, "gymnasium", domain, task, args.seed,
                          trial_cpus=args.threads)
    config = variant["algorithm_params"]["config"]
    config.update(n_initial_exploration_steps=args.warmup, min_pool_size=args.warmup,
                  n_train_repeat=1, train_every_n_steps=1)
    configure_tensorflow_threads(variant["run_params"])
    return Experiment(variant)


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf

    experiment = build_experiment(args)
    algorithm = experiment.algorithm
    algorithm.train_steps(args.warmup)  # random actions, no updates yet
    algorithm.train_steps(50)  # compiles the update and the acting function

    start = time.perf_counter()
    sample_time, train_time = algorithm.train_steps(args.steps)
    loop_wall = time.perf_counter() - start

    repeats = args.update_repeats or args.steps
    batches = [algorithm._training_batch() for _ in range(repeats)]
    start = time.perf_counter()
    for batch in batches:
        diagnostics = algorithm._update(batch)
    tf.nest.map_structure(lambda tensor: tensor.numpy(), diagnostics)
    update_wall = time.perf_counter() - start

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    figures = {
        "algorithm": args.algorithm,
        "env": args.env,
        "threads": args.threads,
        "steps": args.steps,
        "wall_s": round(loop_wall, 2),
        "env_steps_per_s": round(args.steps / loop_wall, 1),
        "sample_s": round(sample_time, 2),
        "train_s": round(train_time, 2),
        "updates_per_s": round(repeats / update_wall, 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "cpus": os.cpu_count(),
    }
    print(f"{args.algorithm} on {args.env}: {figures['env_steps_per_s']} env steps/s in the "
          f"training loop ({figures['sample_s']} s sampling, {figures['train_s']} s updates), "
          f"{figures['updates_per_s']} updates/s alone, peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
