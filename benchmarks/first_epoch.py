"""What a fresh process pays before its first epoch is done: importing the package, building
an experiment, and the first epoch (which traces the compiled step functions).

    python -m benchmarks.first_epoch [--algorithm SAC] [--domain Pendulum] [--epoch-length 200]

Every Ray trial and every CLI process pays these once; the suite's integration tier runs dozens
of them. Prints the three times in seconds and one JSON line. Run it in a new process each
time (a second epoch in the same process traces nothing).
"""
import argparse
import json
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithm", default="SAC")
    parser.add_argument("--domain", default="Pendulum")
    parser.add_argument("--epoch-length", type=int, default=200,
                        help="environment steps of the epoch (half of them a random warm-up)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    from softlearning_tf2.experiments.experiment import Experiment
    imported = time.perf_counter()
    warmup = args.epoch_length // 2
    experiment = Experiment.from_defaults(
        args.algorithm, args.domain, n_epochs=1, epoch_length=args.epoch_length,
        n_initial_exploration_steps=warmup, min_pool_size=warmup, batch_size=64,
        final_eval_n_episodes=1)
    built = time.perf_counter()
    experiment.train()
    trained = time.perf_counter()
    experiment.close()
    figures = {"algorithm": args.algorithm, "domain": args.domain,
               "import_s": round(imported - start, 2), "build_s": round(built - imported, 2),
               "first_epoch_s": round(trained - built, 2)}
    print(f"{args.algorithm} on {args.domain}: import {figures['import_s']:.1f} s, build "
          f"{figures['build_s']:.1f} s, first epoch ({args.epoch_length} steps) "
          f"{figures['first_epoch_s']:.1f} s")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
