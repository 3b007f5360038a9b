"""Where a pixel SAC step spends its time: one update, one batch, one action, one env step.

    python -m benchmarks.pixel_update [--set KEY=VALUE ...]

Builds SAC on dm_control cartpole-swingup from pixels (the ``--pixels`` defaults: 84x84x9
frame-stacked images, batch 128, the shared encoder), collects ``--warmup`` random agent steps,
then times ``--updates`` compiled updates on pool batches (after one compiling call), the
batch gathering alone, the policy's action and the environment's step (rendered in its child
process), and prints one JSON line in milliseconds. ``--set`` changes the variant (e.g.
``observation_params.encoder_sharing=separate``, ``run_params.tf_intra_op_threads=2``).
"""
import argparse
import json
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE")
    args = parser.parse_args(argv)

    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    variant = apply_overrides(
        get_variant("SAC", "dm_control", "cartpole", "swingup", 0, trial_cpus=args.threads,
                    pixels=True),
        [f"replay_pool_params.config.max_size={args.warmup}", *args.overrides])
    configure_tensorflow_threads(variant["run_params"])
    experiment = Experiment(variant)
    algorithm = experiment.algorithm
    start = time.perf_counter()
    algorithm.train_steps(args.warmup)  # uniform random actions: no updates yet
    step_ms = (time.perf_counter() - start) / args.warmup * 1000

    start = time.perf_counter()
    algorithm._checked_call(algorithm._update, algorithm._training_batch(), 1)
    compile_s = time.perf_counter() - start
    batches = [algorithm._training_batch() for _ in range(args.updates)]
    start = time.perf_counter()
    for batch in batches:
        algorithm._checked_call(algorithm._update, batch, 1)
    update_ms = (time.perf_counter() - start) / args.updates * 1000
    start = time.perf_counter()
    for _ in range(args.updates):
        algorithm._training_batch()
    batch_ms = (time.perf_counter() - start) / args.updates * 1000
    observation, _ = experiment.training_environment.reset(seed=0)
    experiment.policy.action(observation)
    start = time.perf_counter()
    for _ in range(50):
        experiment.policy.action(observation)
    act_ms = (time.perf_counter() - start) / 50 * 1000
    experiment.close()
    print(json.dumps({"overrides": args.overrides, "threads": args.threads,
                      "update_ms": round(update_ms, 1), "batch_ms": round(batch_ms, 2),
                      "act_ms": round(act_ms, 2), "random_env_step_ms": round(step_ms, 2),
                      "compile_s": round(compile_s, 1)}), flush=True)


if __name__ == "__main__":
    main()
