"""One seed of a learning benchmark, trained through ``Experiment`` so that it survives a crash.

A checkpoint (incremental pool chunks) is saved after every epoch under
``{directory}/checkpoints/seed{N}``; calling ``train_seed`` again continues from the newest
readable one, or starts over where none is readable. After every epoch one row goes into
``seed{N}.csv``; at the end ``seed{N}.json`` holds wall time, environment steps/s while
learning and peak resident memory (its presence marks the seed finished).
"""
import argparse
import csv
import json
import os
import resource
import shutil
import time

from examples.common import write_csv


def train_seed(variant, directory, seed, columns, row_of, repeat=1, notes=None):
    """Trains (or continues) one seed of ``variant``; returns the figures of ``seed{N}.json``.

    ``columns``: the CSV header, ``environment_steps`` first; ``row_of(diagnostics)``: the
    values of the other columns after an epoch. ``repeat``: environment steps per agent step
    (an action repeat)."""
    from softlearning_tf2.checkpoints import CheckpointError
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads

    configure_tensorflow_threads(variant["run_params"])
    checkpoints = os.path.join(directory, "checkpoints", f"seed{seed}")
    csv_path = os.path.join(directory, f"seed{seed}.csv")
    existing = sorted(os.listdir(checkpoints)) if os.path.isdir(checkpoints) else []
    experiment, rows, resumed_from = None, [], None
    if existing:
        try:
            experiment = Experiment(variant)
            resumed_from = experiment.restore_newest_readable(
                os.path.join(checkpoints, existing[-1]), report=print)
            rows = [row for row in read_rows(csv_path)
                    if row[0] <= experiment.sampler.total_samples * repeat]
        except (CheckpointError, OSError) as error:
            print(f"seed {seed}: starting over ({error})", flush=True)
            experiment = None
    if experiment is None:
        shutil.rmtree(checkpoints, ignore_errors=True)
        experiment, rows = Experiment(variant), []
    config = variant["algorithm_params"]["config"]
    learning_seconds = learning_steps = 0.0
    start = time.perf_counter()
    while not experiment.algorithm.done:
        diagnostics = experiment.train_epoch()
        environment_steps = diagnostics["timestep"] * repeat
        if diagnostics["timestep"] - config["epoch_length"] > config["min_pool_size"]:
            learning_steps += config["epoch_length"] * repeat  # compiling epoch left out
            learning_seconds += diagnostics["times/sample"] + diagnostics["times/train"]
        rows.append((environment_steps, *row_of(diagnostics)))
        write_rows(csv_path, columns, rows)
        experiment.save(os.path.join(checkpoints, f"checkpoint_{experiment.algorithm.epoch:06d}"))
        print(json.dumps({"seed": seed, **dict(zip(columns, rows[-1])),
                          "wall_s": round(time.perf_counter() - start, 1)}), flush=True)
    experiment.close()
    figures = {"wall_s_this_sitting": time.perf_counter() - start,
               "resumed_from": resumed_from,
               "environment_steps_per_s_while_learning":
                   learning_steps / learning_seconds if learning_seconds else None,
               "action_repeat": repeat,
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
               **(notes or {})}
    with open(os.path.join(directory, f"seed{seed}.json"), "w") as file:
        json.dump(figures, file, indent=1)
    return figures


write_rows = write_csv  # the header, then the rows


def read_rows(path):
    """The CSV's rows as tuples: the step count an int, the other columns floats."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as file:
        reader = csv.reader(file)
        next(reader)
        return [(int(row[0]), *map(float, row[1:])) for row in reader]


def finished_seeds(directory, seeds):
    return [seed for seed in range(seeds)
            if os.path.exists(os.path.join(directory, f"seed{seed}.json"))]


def save_figure(figure, ax, path, *, title, xlabel, ylabel, legend_location="best"):
    """The benchmarks' figure finish: labels, grid, legend, saved at 100 dpi and closed."""
    import matplotlib.pyplot as plt

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc=legend_location)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def learning_benchmark_parser(description, *, steps, eval_every, output_dir, figure,
                              steps_help="environment steps"):
    """The flags every learning benchmark shares: steps, seeds, evaluation, overrides,
    output directory, and ``--redraw`` (rebuild the summary and ``figure`` only)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=steps, help=steps_help)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--eval-every", type=int, default=eval_every)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override, as in the CLI's --set")
    parser.add_argument("--output-dir", default=output_dir)
    parser.add_argument("--redraw", action="store_true",
                        help=f"train nothing: rebuild summary.json and {figure}")
    return parser
