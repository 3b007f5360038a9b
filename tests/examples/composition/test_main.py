"""The composition example's --quick run writes its tables and figure; the composed task's
reward is the sum of the parts'."""
import csv
import os

import numpy as np
import pytest

from examples.composition.main import COLUMNS, TASKS, main

pytestmark = pytest.mark.integration


def test_quick_run_writes_tables_and_figure(tmp_path):
    main(["--quick", "--output-dir", str(tmp_path)])
    with open(tmp_path / "composition.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 1
    assert int(rows[0]["steps_on_parts"]) == 600
    assert np.isfinite(float(rows[0]["composed_deterministic_return"]))
    with open(tmp_path / "curves.csv", newline="") as file:
        curve = list(csv.DictReader(file))
    assert [int(row["environment_steps"]) for row in curve] == list(range(100, 700, 100))
    assert os.path.getsize(tmp_path / "composition.png") > 10_000


def test_the_combined_task_is_the_sum_of_its_parts():
    from softlearning_tf2.environments.point_targets import PointTargetsEnv

    environments = {name: PointTargetsEnv(**kwargs) for name, kwargs in TASKS.items()}
    for environment in environments.values():
        environment.reset(seed=1)
    for action in np.random.default_rng(2).uniform(-1, 1, (10, 2)):
        rewards = {name: env.step(action)[1] for name, env in environments.items()}
        assert rewards["A+B"] == pytest.approx(rewards["A"] + rewards["B"])
