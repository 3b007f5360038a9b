"""N critics as N separate networks against one stacked network, on this CPU.

    python -m benchmarks.ensemble_forms [--critics 2 5 10] [--batch 256] [--width 256]

The cost that decides REDQ's and TQC's speed: one critic step of an ensemble of N Q functions
(forward pass of every member on one batch, the gradient of the summed squared error, one
Adam step per variable), compiled with ``tf.function``, in two forms:

* ``separate``: N Keras MLPs, as ``feedforward_Q_ensemble`` builds them (N chains of small
  matmuls that TensorFlow's inter-op pool can run side by side);
* ``stacked``: one set of weights [N, in, out] per layer, every member at once by batched
  matmuls (``tf.linalg.matmul`` on [N, batch, in] x [N, in, out]).

Prints the steps per second of each and their ratio, one line per N, then one JSON line. Run
it on an idle machine; compare forms within one run.
"""
import argparse
import json
import time

import numpy as np
import tensorflow as tf


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--critics", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--inputs", type=int, default=23, help="observation + action size")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    # As a 2-CPU trial's default variant runs flat observations: one thread per op, two ops
    # side by side (run_params in softlearning_tf2/experiments/variants.py).
    parser.add_argument("--intra-op-threads", type=int, default=1)
    parser.add_argument("--inter-op-threads", type=int, default=2)
    return parser.parse_args(argv)


def separate_step(num_critics, inputs, width):
    from softlearning_tf2.algorithms.common import Adam
    from softlearning_tf2.models.feedforward import feedforward_model

    models = [feedforward_model([inputs], 1, (width, width), seed=index)
              for index in range(num_critics)]
    variables = [variable for model in models for variable in model.trainable_variables]
    optimizer = Adam(learning_rate=3e-4)
    optimizer.build(variables)

    @tf.function
    def step(features, targets):
        with tf.GradientTape() as tape:
            loss = tf.add_n([0.5 * tf.reduce_mean(tf.square(model(features)[:, 0] - targets))
                             for model in models])
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    return step


def stacked_step(num_critics, inputs, width):
    from softlearning_tf2.algorithms.common import Adam

    rng = np.random.default_rng(0)
    sizes = [inputs, width, width, 1]
    kernels = [tf.Variable((rng.uniform(-1, 1, (num_critics, fan_in, fan_out))
                            * np.sqrt(6.0 / (fan_in + fan_out))).astype(np.float32))
               for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    biases = [tf.Variable(np.zeros((num_critics, 1, fan_out), np.float32))
              for fan_out in sizes[1:]]
    variables = kernels + biases
    optimizer = Adam(learning_rate=3e-4)
    optimizer.build(variables)

    @tf.function
    def step(features, targets):
        with tf.GradientTape() as tape:
            hidden = tf.tile(features[None], [num_critics, 1, 1])
            for index, (kernel, bias) in enumerate(zip(kernels, biases)):
                hidden = tf.linalg.matmul(hidden, kernel) + bias
                if index < len(kernels) - 1:
                    hidden = tf.nn.relu(hidden)
            errors = hidden[:, :, 0] - targets[None]
            loss = num_critics * 0.5 * tf.reduce_mean(tf.square(errors))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    return step


def steps_per_second(step, features, targets, steps, repeats):
    step(features, targets).numpy()  # traced outside the timing
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            loss = step(features, targets)
        loss.numpy()
        best = min(best, time.perf_counter() - start)
    return steps / best


def main(argv=None):
    args = parse_args(argv)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    except RuntimeError:  # TensorFlow already started in this process: its pools stay
        pass
    rng = np.random.default_rng(1)
    features = tf.constant(rng.normal(size=(args.batch, args.inputs)).astype(np.float32))
    targets = tf.constant(rng.normal(size=(args.batch,)).astype(np.float32))
    figures = []
    for num_critics in args.critics:
        separate = steps_per_second(separate_step(num_critics, args.inputs, args.width),
                                    features, targets, args.steps, args.repeats)
        stacked = steps_per_second(stacked_step(num_critics, args.inputs, args.width),
                                   features, targets, args.steps, args.repeats)
        figures.append({"critics": num_critics, "separate_steps_per_s": round(separate, 1),
                        "stacked_steps_per_s": round(stacked, 1),
                        "stacked_over_separate": round(stacked / separate, 3)})
        print(f"{num_critics} critics: separate {separate:.1f} steps/s, stacked "
              f"{stacked:.1f} steps/s ({stacked / separate:.2f}x)", flush=True)
    print(json.dumps({"batch": args.batch, "width": args.width, "inputs": args.inputs,
                      "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
                      "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
                      "figures": figures}))


if __name__ == "__main__":
    main()
