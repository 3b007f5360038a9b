"""Prints the speed tables of issue 20 from a sweeps file written by the sweep commands in
benchmarks/README.md: one column per sweep, each run's environment steps/s as a multiple of the
mean of Stable-Baselines3's runs in the same sweep, and the updates/s of the update alone.

    python benchmarks/results/speed_issue20/summarize.py [sweeps_final.jsonl]
"""
import json
import os
import sys


def read_sweeps(path):
    sweeps = []
    with open(path) as file:
        for line in file:
            record = json.loads(line)
            if "sweep" in record:
                sweeps.append({"sb3": [], "runs": []})
            elif record.get("peer") == "stable-baselines3":
                sweeps[-1]["sb3"].append(record["env_steps_per_s"])
            else:
                sweeps[-1]["runs"].append(record)
    return sweeps


def label(run):
    overrides = " ".join(run["overrides"])
    if "class_name=SimpleReplayPool" in overrides:
        loop = "previous design (numpy pool, separate calls)"
    elif "fuse_environment_steps=false" in overrides:
        loop = "separate calls over TensorReplayPool"
    else:
        loop = "one call per step (default)"
    return f"{run['algorithm']}, {loop}, fuse {run['fuse']}"


def main(path):
    sweeps = read_sweeps(path)
    labels = []
    for sweep in sweeps:
        for run in sweep["runs"]:
            if label(run) not in labels:
                labels.append(label(run))
    header = " | ".join(f"sweep {index + 1}" for index in range(len(sweeps)))
    print(f"| env steps/s on {sweeps[0]['runs'][0]['env']} (x SB3; updates/s alone) | {header} |")
    print("|---" * (len(sweeps) + 1) + "|")
    print("| Stable-Baselines3 SAC (before / after) | " + " | ".join(
        " / ".join(f"{value:.1f}" for value in sweep["sb3"]) for sweep in sweeps) + " |")
    for name in labels:
        cells = []
        for sweep in sweeps:
            runs = [run for run in sweep["runs"] if label(run) == name]
            sb3 = sum(sweep["sb3"]) / len(sweep["sb3"]) if sweep["sb3"] else None
            cells.append(", ".join(
                f"{run['env_steps_per_s']:.1f} ("
                + (f"{run['env_steps_per_s'] / sb3:.2f}x; " if sb3 else "")
                + f"{run['updates_per_s']:.0f}/s)" for run in runs))
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                              "sweeps_final.jsonl"))
