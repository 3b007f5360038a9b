"""Which subpackages may import which: storage (checkpoints, replay pools) and the networks
(models, value functions, policies) never import the learners (algorithms) or the runner
(experiments), and samplers do not import the runner; what several layers need lives below
them (``utils``). Imports inside functions count: they are arrows too."""
import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "softlearning_tf2")
LEARNERS_AND_RUNNER = ("algorithms", "experiments", "scripts")
FORBIDDEN = {
    # Checkpoints store and verify arrays; a pool's chunks are flattened as the pool lays
    # out its fields (replay_pools, storage beside them).
    "checkpoints": LEARNERS_AND_RUNNER + ("environments", "models", "policies",
                                          "value_functions", "samplers"),
    "replay_pools": LEARNERS_AND_RUNNER,
    # Datasets are storage too: they fill pools and check environments' spaces, and record
    # episodes of any function from observations to actions (the CLI brings the policy).
    "datasets": LEARNERS_AND_RUNNER + ("models", "value_functions", "policies", "samplers"),
    "models": LEARNERS_AND_RUNNER,
    "value_functions": LEARNERS_AND_RUNNER,
    "policies": LEARNERS_AND_RUNNER,
    "samplers": ("experiments", "scripts"),
    "utils": LEARNERS_AND_RUNNER,
    "environments": LEARNERS_AND_RUNNER,
}


def imported_subpackages(path):
    """(line, subpackage) of every ``softlearning_tf2`` import in the file; "" for the root."""
    tree = ast.parse(open(path).read(), path)
    found = []
    for node in ast.walk(tree):
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                 else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "softlearning_tf2":
                found.append((node.lineno, parts[1] if len(parts) > 1 else ""))
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_runs_up_the_layers(layer):
    wrong = []
    for directory, _, files in os.walk(os.path.join(PACKAGE, layer)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                for line, target in imported_subpackages(path):
                    if target in FORBIDDEN[layer] or target == "":
                        wrong.append(f"{os.path.relpath(path, PACKAGE)}:{line} imports "
                                     f"softlearning_tf2{'.' + target if target else ''}")
    assert not wrong, "\n".join(wrong)


def test_building_a_variant_and_parsing_the_command_start_no_tensorflow():
    # The command checks its flags and variant (one line, exit 2) before any trial; that must
    # not cost a TensorFlow start, and the trackers' and searches' packages load lazily too
    # (Ray is the example's: its variant spec holds Tune search spaces).
    import subprocess
    import sys

    code = ("import sys; import examples.development.variants, "
            "softlearning_tf2.experiments.launcher, softlearning_tf2.experiments.tracking, "
            "softlearning_tf2.experiments.search, softlearning_tf2.models.defaults; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'mlflow', 'wandb', 'optuna')"
            " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=os.path.dirname(PACKAGE), timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
