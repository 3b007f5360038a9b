"""Environment steps and updates per second with each sampler: the learner's own environment,
vector environments, and 1, 2, 4 Ray workers (synchronous and asynchronous).

    python -m benchmarks.sampler_throughput --env HalfCheetah-v5 [--step-delay 0.002]
        [--configurations simple,vector-sync-4,remote-async-2,...] [--steps 2000]

Each configuration runs in a process of its own (its own TensorFlow, its own Ray where it
uses one): the development example's SAC variant (one update per environment step), a
uniform warm-up of ``--warmup`` steps, one untimed stretch of ``--compile-steps`` (tracing, the
workers' start), then ``--steps`` timed environment steps. ``--step-delay`` adds that many
seconds of CPU work to every training-environment step (``environment_params.training.
step_delay``): a simulator costlier than the task's own. Prints one JSON line per
configuration and a Markdown table; ratios are to the ``simple`` row of the same run.
"""
import argparse
import json
import subprocess
import sys
import time

CONFIGURATIONS = {
    "simple": [],
    "vector-sync-4": ["sampler_params.class_name=VectorSampler",
                      "sampler_params.config.num_envs=4"],
    "vector-async-4": ["sampler_params.class_name=VectorSampler",
                       "sampler_params.config.num_envs=4",
                       "sampler_params.config.vectorization_mode=async"],
}
for _workers in (1, 2, 4):
    for _mode in ("sync", "async"):
        CONFIGURATIONS[f"remote-{_mode}-{_workers}"] = [
            "sampler_params.class_name=RemoteSampler",
            f"sampler_params.config.num_workers={_workers}",
            f"sampler_params.config.asynchronous={'true' if _mode == 'async' else 'false'}"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="HalfCheetah-v5")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--compile-steps", type=int, default=200)
    parser.add_argument("--step-delay", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=2, help="the learner's trial CPUs")
    parser.add_argument("--configurations", default=",".join(CONFIGURATIONS))
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override for every configuration")
    parser.add_argument("--output", default=None, help="append the JSON lines to this file")
    parser.add_argument("--measure-one", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def measure(args, name):
    """One configuration's figures (runs in a fresh process)."""
    from softlearning_tf2.experiments.launcher import configure_local_ray_environment
    configure_local_ray_environment()
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    domain, task = args.env.split("-", 1)
    variant = apply_overrides(
        get_variant("SAC", "gymnasium", domain, task, 0, trial_cpus=args.threads),
        CONFIGURATIONS[name] + args.overrides + [
            f"environment_params.training.step_delay={args.step_delay}",
            f"algorithm_params.config.n_initial_exploration_steps={args.warmup}",
            f"algorithm_params.config.min_pool_size={args.warmup}"])
    if name.startswith("remote"):  # the learner's own CPUs plus one per worker, logical
        variant["sampler_params"]["config"]["worker_cpus"] = 1.0
    configure_tensorflow_threads(variant["run_params"])
    experiment = Experiment(variant)
    algorithm = experiment.algorithm
    try:
        algorithm.train_steps(args.warmup + args.compile_steps)
        updates_before = algorithm.num_train_steps
        start = time.perf_counter()
        sample_seconds, train_seconds = algorithm.train_steps(args.steps)
        wall = time.perf_counter() - start
        updates = algorithm.num_train_steps - updates_before
        sampler = experiment.sampler.get_diagnostics()
    finally:
        experiment.close()
    return {"configuration": name, "env": args.env, "step_delay_s": args.step_delay,
            "env_steps_per_s": round(args.steps / wall, 1),
            "updates_per_s": round(updates / wall, 1),
            "learner_waiting_share": round(sample_seconds / wall, 3),
            "updates_share": round(train_seconds / wall, 3),
            "transitions_lost": sampler.get("transitions-lost", 0),
            "steps": args.steps, "wall_s": round(wall, 2)}


def table(rows):
    baseline = next((row for row in rows if row["configuration"] == "simple"), None)
    lines = ["| sampler | env steps/s | updates/s | x simple | learner's time acting or "
             "waiting |", "|---|---|---|---|---|"]
    for row in rows:
        ratio = (f"{row['env_steps_per_s'] / baseline['env_steps_per_s']:.2f}"
                 if baseline else "")
        lines.append(f"| {row['configuration']} | {row['env_steps_per_s']:.0f} | "
                     f"{row['updates_per_s']:.0f} | {ratio} | "
                     f"{100 * row['learner_waiting_share']:.0f}% |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    names = args.configurations.split(",")
    unknown = [name for name in names if name not in CONFIGURATIONS]
    if unknown:
        raise SystemExit(f"unknown configuration {', '.join(unknown)}; choices: "
                         f"{', '.join(CONFIGURATIONS)}")
    if args.measure_one:
        print("RESULT " + json.dumps(measure(args, args.measure_one)), flush=True)
        return None
    forwarded = sys.argv[1:] if argv is None else list(argv)
    rows = []
    for name in names:
        # A fresh process each: its own TensorFlow and Ray (and children of its own).
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.sampler_throughput", *forwarded,
             "--measure-one", name], capture_output=True, text=True)
        results = [line[len("RESULT "):] for line in child.stdout.splitlines()
                   if line.startswith("RESULT ")]
        if child.returncode != 0 or not results:
            raise SystemExit(f"{name} failed:\n{child.stdout[-2000:]}{child.stderr[-3000:]}")
        row = json.loads(results[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.output:
            with open(args.output, "a") as file:
                file.write(json.dumps(row) + "\n")
    print(table(rows), flush=True)
    return rows


if __name__ == "__main__":
    main()
