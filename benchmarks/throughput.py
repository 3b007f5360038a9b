"""Training throughput of an algorithm at reference settings, against this CPU's matmul roofline.

    python -m benchmarks.throughput --algorithm SAC --env HalfCheetah-v5 --steps 3000 [--fuse K]

Builds the experiment from the development example's default variant (SAC: 256x256 networks,
batch 256; SQL: 128x128, batch 128), fills the pool with ``--warmup`` uniformly random steps,
then measures

* the training loop: ``--steps`` environment steps with the variant's updates per step (one
  for SAC and TQC, G = 20 for REDQ and DroQ, fused into one compiled call per step; ``--fuse
  K``: K updates fused into one compiled call every K steps instead; 1 = the plain loop),
* the update alone on pre-drawn batches, in the same fused or plain form (updates_per_s),
* the roofline: TensorFlow's fp32 matmul rate at the networks' shapes with every core busy
  (one independent chain of matmuls per core), divided by the FLOPs of one update counted
  from the layer sizes (roofline_updates_per_s),

and prints a summary followed by one JSON line. ``--phases`` also times each piece of the
training loop (``phase_ms_per_step``), in milliseconds per environment step: with one
compiled call per step (the default on flat observations), acting outside it (at a path's
start), the environment step, adding to the pool and the step call; with separate calls
(``--set algorithm_params.config.fuse_environment_steps=false``), acting, the environment
step, adding to the pool, gathering a batch, turning it into tensors and the update call.
``python_glue`` is the loop's Python around them. "The update alone" is the step graph
without storing or acting (one call per step), or the update on pre-drawn batches. Compare
with SB3's SAC run right before or after (benchmarks/README.md, "the peers"), as a ratio.
"""
import argparse
import json
import os
import resource
import time

from tqdm import tqdm

from benchmarks.learning import apply_fuse
from softlearning_tf2.experiments.variants import ALGORITHMS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algorithm", default="SAC", choices=ALGORITHMS)
    parser.add_argument("--env", default="HalfCheetah-v5", help="gymnasium id DOMAIN-TASK")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--fuse", type=int, default=None,
                        help="K updates fused into one compiled call every K steps "
                             "(train_every_n_steps = n_train_repeat = K); default: the "
                             "variant's own (1 for SAC, G = 20 per step for REDQ and DroQ)")
    parser.add_argument("--threads", type=int, default=2,
                        help="CPUs of the trial; the variant derives TF's thread pools from it")
    parser.add_argument("--intra-op-threads", type=int, default=None,
                        help="override the variant's run_params.tf_intra_op_threads")
    parser.add_argument("--inter-op-threads", type=int, default=None,
                        help="override the variant's run_params.tf_inter_op_threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override, as in the CLI's --set")
    parser.add_argument("--phases", action="store_true",
                        help="time each piece of the training loop (phase_ms_per_step)")
    return parser.parse_args(argv)


def instrument_phases(algorithm):
    """Wraps the pieces of the training loop with timers; returns {phase: seconds}, filled as
    the loop runs. ``batch`` is the whole batch preparation, ``batch_gather`` its numpy part."""
    seconds = {}

    def timed(phase, function):
        seconds.setdefault(phase, 0.0)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[phase] += time.perf_counter() - start
        return wrapper

    policy, pool, sampler = algorithm.policy, algorithm.pool, algorithm.sampler
    policy.action = timed("act", policy.action)
    sampler.environment.step = timed("env_step", sampler.environment.step)
    pool.add_sample = timed("pool_add", pool.add_sample)
    if algorithm._fuse_environment_steps:  # one call per step: store, update, next action
        algorithm._environment_step_call = timed("step_call",
                                                 algorithm._environment_step_call)
        return seconds
    pool.random_batch = timed("batch_gather", pool.random_batch)
    algorithm._training_batch = timed("batch", algorithm._training_batch)
    algorithm._stacked_training_batches = timed("batch", algorithm._stacked_training_batches)
    algorithm._compiled = (timed("update_call", algorithm._update),
                           timed("update_call", algorithm._fused_update))
    return seconds


def phase_breakdown(seconds, loop_wall, steps):
    """Milliseconds per environment step of each phase, ``batch_to_tensors`` split off
    ``batch``, and ``python_glue``: the loop's time outside every phase."""
    phases = dict(seconds)
    if "batch" in phases:
        phases["batch_to_tensors"] = phases.pop("batch") - phases["batch_gather"]
    outside = loop_wall - sum(phases.values())
    phases["python_glue"] = outside
    return {phase: round(1000.0 * value / steps, 3) for phase, value in phases.items()}


def dense_flops(rows, layer_sizes):
    """Multiply-adds x 2 of an MLP's forward pass on ``rows`` inputs."""
    return 2 * rows * sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def flops_per_update(algorithm, config, policy_hidden, Q_hidden, observation_size,
                     action_size, Q_config=None):
    """FLOPs of one update from the layer sizes; a backward pass costs two forward passes.

    Input-gradient-only passes (the actor loss through Q, the SVGD score) count one extra
    forward pass: they need no weight gradients.
    """
    batch = config["batch_size"]
    Q_config = Q_config or {}
    Q_layers = [observation_size + action_size, *Q_hidden, 1]
    if algorithm == "SQL":
        policy_layers = [observation_size + action_size, *policy_hidden, action_size]
        particles = config["kernel_n_particles"]
        fixed = int(particles * config["kernel_update_ratio"])
        return (dense_flops(batch * config["value_n_particles"], Q_layers)  # soft value
                + 3 * dense_flops(batch, Q_layers)  # Q regression
                + 3 * dense_flops(batch * particles, policy_layers)  # sampler fwd + bwd
                + 2 * dense_flops(batch * fixed, Q_layers))  # score of the fixed particles
    policy_layers = [observation_size, *policy_hidden, 2 * action_size]
    num_Qs = Q_config.get("n_critics", 2)
    Q_layers[-1] = Q_config.get("n_quantiles", 1)
    # The policy and temperature step runs on every policy_update_interval-th update only.
    policy_share = 1.0 / config.get("policy_update_interval", 1)
    flops = (dense_flops(batch, policy_layers)  # a' for the target
             + num_Qs * 3 * dense_flops(batch, Q_layers)  # Q regression
             + policy_share * (3 * dense_flops(batch, policy_layers)  # policy fwd + bwd
                               + num_Qs * 2 * dense_flops(batch, Q_layers)))  # Q(s, a~), input grads
    if algorithm != "SACV":  # target Qs at s': REDQ's subset, the others all of them
        flops += config.get("subset_size", num_Qs) * dense_flops(batch, Q_layers)
    else:  # SACV: V target from a fresh sample, V regression, target V at s'
        V_layers = [observation_size, *Q_hidden, 1]
        flops += (dense_flops(batch, policy_layers) + num_Qs * dense_flops(batch, Q_layers)
                  + 4 * dense_flops(batch, V_layers))
    return flops


def matmul_gflops(rows, width, chains=1, rounds=40, unrolled=25):
    """TensorFlow's fp32 matmul rate on [rows, width] x [width, width], in GFLOP/s.

    ``chains`` independent chains of ``unrolled`` matmuls per loop iteration (so that the
    loop's own overhead does not count against the matmuls) run side by side in one graph:
    one chain measures what a single dependent sequence of matmuls gets, one chain per core
    what the whole CPU gets through TF's inter-op pool (TF does not split one matmul of these
    shapes across cores). The best of three timings.
    """
    import tensorflow as tf
    inputs = [tf.random.normal((rows, width)) for _ in range(chains)]
    weights = [tf.random.normal((width, width)) / width ** 0.5 for _ in range(chains)]

    @tf.function
    def run(inputs):
        outputs = []
        for x, w in zip(inputs, weights):
            for _ in tf.range(rounds):
                for _ in range(unrolled):
                    x = tf.matmul(x, w)
            outputs.append(x)
        return outputs

    [output.numpy() for output in run(inputs)]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        [output.numpy() for output in run(inputs)]
        best = min(best, time.perf_counter() - start)
    return 2.0 * rows * width * width * rounds * unrolled * chains / best / 1e9


def build_experiment(args):
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    domain, task = args.env.split("-", 1)
    variant = apply_overrides(get_variant(args.algorithm, "gymnasium", domain, task, args.seed,
                                          trial_cpus=args.threads), args.overrides)
    config = variant["algorithm_params"]["config"]
    config.update(n_initial_exploration_steps=args.warmup, min_pool_size=args.warmup,
                  fuse_train_repeats=True)
    apply_fuse(config, args.fuse)
    for key, value in (("tf_intra_op_threads", args.intra_op_threads),
                       ("tf_inter_op_threads", args.inter_op_threads)):
        if value is not None:
            variant["run_params"][key] = value
    configure_tensorflow_threads(variant["run_params"])
    return variant, Experiment(variant)


def timed_steps(algorithm, steps, chunk=100):
    sample_time = train_time = 0.0
    with tqdm(total=steps, desc="training loop", unit="step", leave=False,
              disable=None) as progress:
        for done in range(0, steps, chunk):
            count = min(chunk, steps - done)
            sampled, trained = algorithm.train_steps(count)
            sample_time, train_time = sample_time + sampled, train_time + trained
            progress.update(count)
    return sample_time, train_time


def main(argv=None):
    import tensorflow as tf

    args = parse_args(argv)
    variant, experiment = build_experiment(args)
    algorithm = experiment.algorithm
    algorithm.train_steps(args.warmup)  # random actions; the first update compiles here
    repeat, every = algorithm._n_train_repeat, algorithm._train_every_n_steps
    algorithm.train_steps(2 * every)  # and the acting function here

    phase_seconds = instrument_phases(algorithm) if args.phases else None
    start = time.perf_counter()
    sample_time, train_time = timed_steps(algorithm, args.steps)
    loop_wall = time.perf_counter() - start
    phase_seconds = dict(phase_seconds) if phase_seconds is not None else None  # the loop's

    calls = max(1, args.steps // (4 * every))
    if algorithm._fuse_environment_steps:  # the step graph without storing or acting
        update = algorithm._environment_step_function(store=False, train=True, act=False)
        feeds = [() for _ in range(calls)]
    elif repeat > 1:
        feeds = [(algorithm._stacked_training_batches(repeat),) for _ in range(calls)]
        update = algorithm._fused_update
    else:
        feeds = [(algorithm._training_batch(),) for _ in range(calls)]
        update = algorithm._update
    tf.nest.flatten(update(*feeds[0]))[0].numpy()  # traced outside the timing
    start = time.perf_counter()
    for feed in feeds:
        outputs = update(*feed)
    tf.nest.flatten(outputs)[0].numpy()
    updates_per_s = calls * repeat / (time.perf_counter() - start)

    observation_size = experiment.training_environment.observation_size
    action_size = experiment.training_environment.action_size
    flops = flops_per_update(args.algorithm, variant["algorithm_params"]["config"],
                             variant["policy_params"]["config"]["hidden_layer_sizes"],
                             variant["Q_params"]["config"]["hidden_layer_sizes"],
                             observation_size, action_size, variant["Q_params"]["config"])
    width = variant["Q_params"]["config"]["hidden_layer_sizes"][0]
    batch_size = variant["algorithm_params"]["config"]["batch_size"]
    single_chain_gflops = matmul_gflops(batch_size, width)
    gflops = max(single_chain_gflops, matmul_gflops(batch_size, width, chains=os.cpu_count()))
    roofline = gflops * 1e9 / flops

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    figures = {
        "algorithm": args.algorithm,
        "env": args.env,
        "fuse": args.fuse,
        "n_train_repeat": repeat,
        "train_every_n_steps": every,
        "overrides": args.overrides,
        "threads": args.threads,
        "intra_op_threads": variant["run_params"]["tf_intra_op_threads"],
        "inter_op_threads": variant["run_params"]["tf_inter_op_threads"],
        "steps": args.steps,
        "wall_s": round(loop_wall, 2),
        "env_steps_per_s": round(args.steps / loop_wall, 1),
        "sample_s": round(sample_time, 2),
        "train_s": round(train_time, 2),
        "updates_per_s": round(updates_per_s, 1),
        "gflop_per_update": round(flops / 1e9, 3),
        "matmul_gflops": round(gflops, 1),
        "matmul_gflops_one_chain": round(single_chain_gflops, 1),
        "roofline_updates_per_s": round(roofline, 1),
        "roofline_fraction": round(updates_per_s / roofline, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "cpus": os.cpu_count(),
    }
    if phase_seconds is not None:
        figures["phase_ms_per_step"] = phase_breakdown(phase_seconds, loop_wall, args.steps)
    print(f"{args.algorithm} on {args.env} ({repeat} updates every {every} steps): "
          f"{figures['env_steps_per_s']} "
          f"env steps/s in the training loop ({figures['sample_s']} s sampling, "
          f"{figures['train_s']} s updates); {figures['updates_per_s']} updates/s alone = "
          f"{figures['roofline_fraction']:.0%} of the roofline {figures['roofline_updates_per_s']}"
          f"/s ({figures['gflop_per_update']} GFLOP/update at {figures['matmul_gflops']} "
          f"GFLOP/s); peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
