"""Discrete SAC and SQL beside Stable-Baselines3 DQN (zoo hyperparameters), same protocol.

    python -m benchmarks.discrete --env CartPole-v1 --steps 50000 --seeds 3

For each agent (``--agents``: SAC, SQL, DQN) and seed, trains for ``--steps`` environment steps
(the random warm-up included, as Stable-Baselines3 counts them) and evaluates the deterministic
(greedy) policy on ``--eval-episodes`` episodes every ``--eval-every`` steps. Our agents run
one after another in this process's children; DQN runs in the Stable-Baselines3 virtual
environment (``--sb3-python``; see benchmarks/sb3_dqn.py), never in the project's.

Every (agent, seed) writes ``{output}/{env}/{agent}-seed{N}.csv`` and ``.json`` when it
finishes; a run that is cut off is continued by the same command, which skips what is done.
At the end: ``summary.json`` and ``learning.png`` (mean and spread over seeds per agent) in
``{output}/{env}``, and one JSON line with the final returns and env steps/s of each agent.
``--redraw`` trains nothing and rebuilds the summary and figure from the CSVs.

Speed: ``env_steps_per_s`` is the whole run (warm-up and evaluations included);
``env_steps_per_s_while_learning`` counts only the steps once updates run (after our random
warm-up, after DQN's ``learning_starts``), without evaluation: the figure to compare, on an
otherwise idle machine.
"""
import argparse
import csv
import json
import multiprocessing
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AGENTS = ("SAC", "SQL", "DQN")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--agents", nargs="+", default=list(AGENTS), choices=AGENTS)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--eval-episodes", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of each run (TensorFlow's inter-op pool, or torch's)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="variant override of our agents (--set)")
    parser.add_argument("--tag", default="", help="suffix of the agents' names (sweeps)")
    parser.add_argument("--sb3-python", default=os.environ.get("SB3_PYTHON",
                                                               "/tmp/sb3-venv/bin/python"))
    parser.add_argument("--output-dir", default="benchmark_results/discrete")
    parser.add_argument("--redraw", action="store_true")
    parser.add_argument("--table", action="store_true",
                        help="train nothing: print README's markdown table from every "
                             "summary.json under --output-dir")
    return parser.parse_args(argv)


def run_ours(args, algorithm, seed, csv_path):
    """Trains one of our agents in this process; returns its timing figures."""
    from softlearning_tf2.experiments.experiment import Experiment, configure_tensorflow_threads
    from softlearning_tf2.experiments.variants import apply_overrides, get_variant

    domain, task = args.env.split("-", 1)
    variant = apply_overrides(get_variant(algorithm, "gymnasium", domain, task, seed,
                                          trial_cpus=args.threads), args.overrides)
    config = variant["algorithm_params"]["config"]
    config.update(epoch_length=args.eval_every, n_epochs=-(-args.steps // args.eval_every),
                  eval_n_episodes=args.eval_episodes, final_eval_n_episodes=args.eval_episodes)
    configure_tensorflow_threads(variant["run_params"])
    experiment = Experiment(variant)
    rows, evaluation_seconds, start = [], 0.0, time.perf_counter()
    learning_seconds = learning_steps = 0  # once updates run (after the random warm-up)
    while not experiment.algorithm.done:
        diagnostics = experiment.train_epoch()
        evaluation_seconds += diagnostics["times/evaluation"]
        # The first epoch with updates also compiles them: left out.
        if diagnostics["timestep"] - args.eval_every > config["n_initial_exploration_steps"]:
            learning_steps += args.eval_every
            learning_seconds += diagnostics["times/sample"] + diagnostics["times/train"]
        rows.append((diagnostics["timestep"], diagnostics["evaluation/episode-reward-mean"]))
        print(json.dumps({"agent": algorithm, "seed": seed, "timestep": rows[-1][0],
                          "return": round(rows[-1][1], 1),
                          "wall_s": round(time.perf_counter() - start, 1)}), flush=True)
    wall = time.perf_counter() - start
    write_curve(csv_path, rows)
    return {"wall_s": wall, "evaluation_s": evaluation_seconds,
            "env_steps_per_s": args.steps / wall,
            "env_steps_per_s_without_evaluation": args.steps / (wall - evaluation_seconds),
            "env_steps_per_s_while_learning": learning_steps / max(learning_seconds, 1e-9),
            "algorithm_class": variant["algorithm_params"]["class_name"],
            "overrides": args.overrides}


def _run_ours_in_child(arguments):
    return run_ours(*arguments)


def run_dqn(args, seed, csv_path):
    command = [args.sb3_python, os.path.join(HERE, "sb3_dqn.py"), args.env, str(args.steps),
               str(seed), str(args.eval_every), str(args.eval_episodes), csv_path,
               str(args.threads)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Stable-Baselines3 DQN failed: {result.stderr[-2000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]),
            "command": " ".join(command)}


def write_curve(path, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timestep", "evaluation_return"])
        writer.writerows(rows)


def read_curve(path):
    with open(path, newline="") as file:
        return [(int(row["timestep"]), float(row["evaluation_return"]))
                for row in csv.DictReader(file)]


def summarize(args, directory):
    """Final and last-five-evaluation returns and env steps/s per agent, from the files."""
    import numpy as np

    summary = {}
    for agent in args.agents:
        name = agent + args.tag
        seeds = [seed for seed in range(args.seeds)
                 if os.path.exists(os.path.join(directory, f"{name}-seed{seed}.json"))]
        if not seeds:
            continue
        curves = [read_curve(os.path.join(directory, f"{name}-seed{seed}.csv"))
                  for seed in seeds]
        length = min(len(curve) for curve in curves)
        returns = np.array([[value for _, value in curve[:length]] for curve in curves])
        timing = [json.load(open(os.path.join(directory, f"{name}-seed{seed}.json")))
                  for seed in seeds]
        summary[name] = {
            "seeds": len(seeds),
            "timesteps": [step for step, _ in curves[0][:length]],
            "mean": returns.mean(0).tolist(), "std": returns.std(0).tolist(),
            "final_mean": float(returns[:, -1].mean()), "final_std": float(returns[:, -1].std()),
            "last_5_mean": float(returns[:, -5:].mean()),
            "last_5_std_over_seeds": float(returns[:, -5:].mean(1).std()),
            "env_steps_per_s": float(np.mean([t["env_steps_per_s"] for t in timing])),
            "env_steps_per_s_without_evaluation": float(np.mean(
                [t["env_steps_per_s_without_evaluation"] for t in timing])),
            "env_steps_per_s_while_learning": float(np.mean(
                [t.get("env_steps_per_s_while_learning", float("nan")) for t in timing])),
        }
    return summary


def draw(args, summary, path):
    import numpy as np

    from softlearning_tf2.utils.plotting import plot_curves

    labels = {"SAC": "softlearning_tf2 SAC (DiscreteSAC)",
              "SQL": "softlearning_tf2 SQL (DiscreteSQL)",
              "DQN": "Stable-Baselines3 DQN (zoo hyperparameters)"}
    curves = {labels.get(name, name): {"x": entry["timesteps"], "mean": np.array(entry["mean"]),
                                       "std": np.array(entry["std"]),
                                       "num_trials": entry["seeds"]}
              for name, entry in summary.items()}
    plot_curves(curves, f"evaluation return (greedy, {args.eval_episodes} episodes)", path,
                "environment steps (random warm-up included)", title=args.env)


NAMES = {"SAC": "DiscreteSAC", "SQL": "DiscreteSQL", "DQN": "SB3 DQN (zoo)"}


def markdown_table(output_dir):
    """One row per environment and agent: final and last-five returns (speed is measured on
    an idle machine apart: the sweeps run two jobs at once)."""
    lines = ["| task (steps) | agent | final return, mean ± std over seeds | mean of the last 5 "
             "evaluations |", "|---|---|---|---|"]
    for env in sorted(os.listdir(output_dir)):
        path = os.path.join(output_dir, env, "summary.json")
        if not os.path.exists(path):
            continue
        with open(path) as file:
            summary = json.load(file)
        for name in AGENTS:
            entry = summary["agents"].get(name)
            if entry is None:
                continue
            lines.append(
                f"| {env} ({summary['steps'] // 1000}k) | {NAMES[name]} ({entry['seeds']} "
                f"seeds) | {entry['final_mean']:.1f} ± {entry['final_std']:.1f} | "
                f"{entry['last_5_mean']:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        table = markdown_table(args.output_dir)
        print(table)
        return table
    directory = os.path.join(args.output_dir, args.env)
    os.makedirs(directory, exist_ok=True)
    if not args.redraw:
        for agent in args.agents:
            for seed in range(args.seeds):
                stem = os.path.join(directory, f"{agent}{args.tag}-seed{seed}")
                if os.path.exists(stem + ".json"):
                    continue  # done in an earlier sitting
                if agent == "DQN":
                    figures = run_dqn(args, seed, stem + ".csv")
                else:  # a fresh process per run: TensorFlow's threads are set at start-up
                    with multiprocessing.get_context("spawn").Pool(1) as pool:
                        figures = pool.map(_run_ours_in_child,
                                           [(args, agent, seed, stem + ".csv")])[0]
                with open(stem + ".json", "w") as file:
                    json.dump(figures, file, indent=1)
                print(json.dumps({"agent": agent + args.tag, "seed": seed, **figures}),
                      flush=True)
    summary = summarize(args, directory)
    with open(os.path.join(directory, f"summary{args.tag}.json"), "w") as file:
        json.dump({"env": args.env, "steps": args.steps, "agents": summary}, file, indent=1)
    png = os.path.join(directory, f"learning{args.tag}.png")
    if summary:
        draw(args, summary, png)
    print(json.dumps({"env": args.env, "png": png, **{
        name: {key: round(entry[key], 1) for key in
               ("final_mean", "final_std", "last_5_mean", "env_steps_per_s")}
        for name, entry in summary.items()}}), flush=True)
    return summary


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
