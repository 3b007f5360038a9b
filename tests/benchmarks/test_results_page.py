"""The results page: its table agrees with the committed CSVs; collecting, summarizing and
marking rows (running, resumed, outside the published figure) do what the page says."""
import csv
import json
import os
import signal

import numpy as np
import pytest

from benchmarks import results_page, results_table
from benchmarks.results_page import ROWS, Row, command, finished, trial_progress

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                       "benchmarks", "results")
HOPPER = next(row for row in ROWS if row.name == "SAC-Hopper-v5-tianshou-300k")


def generated_block(readme_path):
    text = open(readme_path).read()
    start, end = (text.index(marker) for marker in results_table.MARKERS)
    return text[start:end + len(results_table.MARKERS[1])]


def test_committed_table_is_the_one_the_committed_csvs_give():
    committed = generated_block(os.path.join(RESULTS, "README.md"))
    assert committed == results_table.table_markdown(os.path.join(RESULTS, "mujoco"))


def test_committed_frontier_table_is_the_one_the_committed_csvs_give():
    from benchmarks import frontier_table

    text = open(os.path.join(RESULTS, "README.md")).read()
    start, end = (text.index(marker) for marker in frontier_table.MARKERS)
    assert (text[start:end + len(frontier_table.MARKERS[1])]
            == frontier_table.table_markdown(RESULTS))


def write_row_csv(directory, row, returns_by_seed, warmup=10_000):
    """returns_by_seed: {seed: [return at 1k, 2k, ... after warm-up]}."""
    with open(os.path.join(directory, f"{row.name}.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(results_page.RESULT_COLUMNS)
        for seed, returns in returns_by_seed.items():
            for index, value in enumerate(returns):
                after = 1000 * (index + 1)
                writer.writerow([seed, after + warmup, after, value])


def test_figures_at_a_step_are_numpy_s_over_seeds(tmp_path):
    rng = np.random.default_rng(0)
    returns = {seed: rng.normal(1000, 300, size=100).round(2) for seed in (0, 1, 2)}
    write_row_csv(tmp_path, HOPPER, returns)
    figures = results_table.figures_at(
        results_table.read_curves(tmp_path / f"{HOPPER.name}.csv"), 100_000)
    at_100k = np.array([returns[seed][99] for seed in (0, 1, 2)])
    assert figures["mean"] == pytest.approx(at_100k.mean())
    assert figures["std"] == pytest.approx(at_100k.std())
    assert figures["per_seed"] == pytest.approx(list(at_100k))
    last_five = np.array([returns[seed][95:] for seed in (0, 1, 2)])
    assert figures["last_evaluations"] == pytest.approx(last_five.mean())
    # A step some seed has not reached has no figures.
    assert results_table.figures_at(
        results_table.read_curves(tmp_path / f"{HOPPER.name}.csv"), 101_000) is None


def test_rows_say_running_resumed_and_which_way_they_miss(tmp_path):
    # Seeds at 2,000-2,500 at 100k: Tianshou's 2,613 is above the best seed.
    write_row_csv(tmp_path, HOPPER, {seed: [2000.0 + 250 * seed] * 100 for seed in (0, 1, 2)})
    with open(tmp_path / results_page.SITTINGS_FILE, "w") as file:
        for action in ("start", "restore"):
            file.write(json.dumps({"row": HOPPER.name, "action": action}) + "\n")
    lines = [line for line in results_table.table_rows(str(tmp_path))
             if line["row"] == HOPPER.name]
    at_100k, at_300k = lines
    assert at_100k["ours"] == "2,250 ± 204 (2,000, 2,250, 2,500)"
    assert at_100k["verdict"] == "published above our best seed"
    assert at_100k["cause"] == results_table.CAUSES.get((HOPPER.name, 100_000),
                                                        "not checked yet")
    assert at_100k["status"] == "in progress: the slowest seed at 100,000 steps after warm-up"
    assert at_100k["resumed"] == "yes (1 restore)"
    assert at_300k["ours"] == "" and at_300k["status"] == at_100k["status"]
    others = [line for line in results_table.table_rows(str(tmp_path))
              if line["row"] != HOPPER.name]
    assert {line["status"] for line in others} == {"not started"}
    # Within: 2,613 inside the seeds' range.
    write_row_csv(tmp_path, HOPPER, {seed: [2400.0 + 200 * seed] * 300 for seed in (0, 1, 2)})
    at_100k = results_table.table_rows(str(tmp_path))[0]
    assert at_100k["verdict"] == "within our seeds' range" and at_100k["status"] == "finished"


def write_trial(experiment, name, seed, timesteps_and_returns):
    trial = experiment / name
    trial.mkdir(parents=True)
    (trial / "params.json").write_text(json.dumps({"run_params": {"seed": seed}}))
    with open(trial / "progress.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", "timestep", "evaluation/episode-reward-mean"])
        writer.writerows((index, step, value)
                         for index, (step, value) in enumerate(timesteps_and_returns))


def test_collect_keeps_the_epochs_a_restored_trial_ran_again(tmp_path):
    row = Row("SAC", "Hopper-v5", 2_000, "tianshou", (2_000,))
    experiment = tmp_path / "runs" / "gymnasium" / "Hopper" / "v5" / f"2026-01-01T00-00-00-{row.name}"
    # Seed 0 reported 11k and 12k, was cut off, restored from its 11k checkpoint, and ran
    # 12k again: the second report of 12k is the run that went on.
    write_trial(experiment, "id=a-seed=0", 0,
                [(11_000, 1.0), (12_000, 2.0), (12_000, 5.0)])
    write_trial(experiment, "id=b-seed=1", 1, [(11_000, 3.0), (12_000, 4.0)])
    assert trial_progress(str(experiment)) == {0: {11_000: 1.0, 12_000: 5.0},
                                                1: {11_000: 3.0, 12_000: 4.0}}
    assert not finished(row, trial_progress(str(experiment)))  # seed 2 missing
    page = tmp_path / "page"
    page.mkdir()
    just_started = Row("SAC", "Hopper-v5", 2_000, "reference", (2_000,))
    write_trial(tmp_path / "runs" / "gymnasium" / "Hopper" / "v5"
                / f"2026-01-01T00-00-00-{just_started.name}", "id=a-seed=0", 0, [])
    assert results_page.collect([just_started], str(tmp_path / "runs"), str(page)) == []
    assert os.listdir(page) == []  # no CSV without an evaluation (the figure would have none)
    write_trial(experiment, "id=c-seed=2", 2, [(11_000, 0.0), (12_000, 6.0)])
    assert finished(row, trial_progress(str(experiment)))
    [path] = results_page.collect([row], str(tmp_path / "runs"), str(page))
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["seed"], r["steps_after_warmup"], r["evaluation_return"]) for r in rows] == [
        ("0", "1000", "1.0"), ("0", "2000", "5.0"), ("1", "1000", "3.0"),
        ("1", "2000", "4.0"), ("2", "1000", "0.0"), ("2", "2000", "6.0")]


def test_render_rewrites_only_the_generated_blocks_and_draws_each_task(tmp_path):
    from benchmarks import frontier_table

    page = tmp_path / "mujoco"
    page.mkdir()
    (tmp_path / "frontier").mkdir()
    baselines = os.path.join(RESULTS, "frontier", frontier_table.BASELINES_FILE)
    (tmp_path / "frontier" / frontier_table.BASELINES_FILE).write_text(open(baselines).read())
    write_row_csv(page, HOPPER, {seed: [100.0 * seed + step for step in range(20)]
                                 for seed in (0, 1, 2)})
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{results_table.MARKERS[0]}\nstale\n{results_table.MARKERS[1]}\n"
                      f"middle\n{frontier_table.MARKERS[0]}\nstale\n{frontier_table.MARKERS[1]}"
                      "\nend\n")
    results_table.render_page(str(tmp_path))
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\nend\n") and "stale" not in text
    assert "\nmiddle\n" in text
    assert generated_block(readme) == results_table.table_markdown(str(page))
    assert sorted(os.listdir(page)) == ["Hopper-v5.png", f"{HOPPER.name}.csv"]
    # No frontier run yet: no frontier figure, and the block says every row is not started.
    assert os.listdir(tmp_path / "frontier") == [frontier_table.BASELINES_FILE]
    frontier = text[text.index(frontier_table.MARKERS[0]):]
    assert frontier.count("| not started |") == sum(len(row.report_at) for row in ROWS
                                                     if row.page == "frontier")


def test_each_row_s_command_builds_the_variant_it_names():
    from examples.development import get_parser
    from examples.development.variants import get_variant_spec

    for row, (name, seeds) in [(row, launch) for row in ROWS for launch in row.launches()]:
        arguments = command(row, name, seeds)
        assert arguments[:3] == ["softlearning", "run_example_local", "examples.development"]
        args = get_parser().parse_args(arguments[3:])
        assert args.exp_name == name and args.trial_cpus == row.trial_cpus
        spec = get_variant_spec(args)
        config = spec["algorithm_params"]["config"]
        counted_after_warmup = 10_000 if row.steps_from == "warmup" else 0
        assert config["n_epochs"] * config["epoch_length"] == row.steps + counted_after_warmup
        assert args.num_samples == len(seeds) and args.seed == seeds[0]
        assert spec["algorithm_params"]["class_name"] == row.algorithm
        assert config["eval_n_episodes"] == results_page.EVAL_EPISODES
        if row.preset == "tianshou":
            assert (config["policy_lr"], config["Q_lr"], config["fixed_alpha"]) == (1e-3, 1e-3, 0.2)


def test_each_page_lists_its_rows_once_grouped_by_algorithm():
    listed = results_table.page_rows("mujoco") + results_table.page_rows("frontier")
    assert sorted(row.name for row in listed) == sorted(row.name for row in ROWS)
    assert len({row.name for row in ROWS}) == len(ROWS)
    for page in results_page.PAGES:
        algorithms = [row.algorithm for row in results_table.page_rows(page)]
        # each algorithm's rows are contiguous, and keep the training order among themselves
        assert algorithms == sorted(algorithms, key=algorithms.index)
        for algorithm in set(algorithms):
            assert ([row for row in results_table.page_rows(page) if row.algorithm == algorithm]
                    == [row for row in ROWS if row.algorithm == algorithm and row.page == page])


def test_an_unknown_row_is_named_in_one_line_with_exit_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        results_page.select_rows(["SAC-Hoper"])
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("results_page: unknown row SAC-Hoper; rows: ")
    assert {row.page for row in results_page.select_rows([], ["frontier"])} == {"frontier"}


def test_the_committed_page_has_a_figure_for_each_task_with_a_csv():
    for row in ROWS:
        page = row.page_directory(RESULTS)
        if os.path.exists(os.path.join(page, f"{row.name}.csv")):
            assert os.path.exists(os.path.join(page, f"{row.env}.png")), row.env


def record_launches(monkeypatch, during_wait=lambda: None):
    """Replaces the runner's Popen: each launch's arguments go to the returned list, and the
    fake process calls ``during_wait`` while the runner waits on it, then exits 0."""
    launched = []

    class FakeProcess:
        def __init__(self, arguments):
            launched.append(arguments)

        def wait(self):
            during_wait()
            return 0

    monkeypatch.setattr(results_page.subprocess, "Popen", FakeProcess)
    return launched


def test_run_starts_restores_or_skips_each_row_and_logs_the_sittings(tmp_path, monkeypatch):
    launched = record_launches(monkeypatch)
    row = Row("SAC", "Hopper-v5", 2_000, "tianshou", (2_000,))
    runs, results = tmp_path / "runs", tmp_path / "results"
    page = results / "mujoco"
    assert results_page.run_rows([row], str(runs), str(results)) == 0
    assert launched[-1][:3] == ["softlearning", "run_example_local", "examples.development"]
    assert launched[-1][-2:] == ["--local-dir", str(runs)]  # a new experiment
    experiment = runs / "gymnasium" / "Hopper" / "v5" / f"2026-01-01T00-00-00-{row.name}"
    for seed in (0, 1, 2):
        write_trial(experiment, f"id={seed}-seed={seed}", seed, [(11_000, 1.0)])
    # Without Tune's experiment state there is nothing to restore: set aside, started anew.
    results_page.run_rows([row], str(runs), str(results))
    assert launched[-1][-2:] == ["--local-dir", str(runs)]
    assert os.path.isdir(f"{experiment}.unstarted") and not experiment.exists()
    os.rename(f"{experiment}.unstarted", experiment)
    (experiment / "experiment_state-2026-01-01.json").write_text("{}")
    results_page.run_rows([row], str(runs), str(results))
    assert launched[-1][3:5] == ["--restore", str(experiment)]  # cut off: continued
    assert launched[-1][launched[-1].index("--cpus") + 1] == "3"
    for seed in (0, 1, 2):
        with open(experiment / f"id={seed}-seed={seed}" / "progress.csv", "a") as file:
            file.write(f"1,12000,{seed}\n")
    results_page.run_rows([row], str(runs), str(results))
    assert len(launched) == 3  # finished: nothing launched
    sittings = [json.loads(line) for line in (page / results_page.SITTINGS_FILE).open()]
    assert [entry["action"] for entry in sittings] == ["start", "start", "restore"]
    assert sittings[2]["timestep_before"] == {"0": 11_000, "1": 11_000, "2": 11_000}


def test_sigusr1_lets_the_running_row_finish_and_starts_no_further_row(tmp_path, monkeypatch):
    # The signal arrives while the first row trains.
    launched = record_launches(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGUSR1))
    rows = [Row("SAC", "Hopper-v5", 2_000, "tianshou", (2_000,)),
            Row("SAC", "Walker2d-v5", 2_000, "tianshou", (2_000,))]
    page = tmp_path / "mujoco"
    handler_before = signal.getsignal(signal.SIGUSR1)
    assert results_page.run_rows(rows, str(tmp_path / "runs"), str(tmp_path)) == 0
    assert len(launched) == 1 and "Hopper" in launched[0]
    assert signal.getsignal(signal.SIGUSR1) == handler_before  # the runner's handler is gone
    sittings = [json.loads(line) for line in (page / results_page.SITTINGS_FILE).open()]
    assert [entry["row"] for entry in sittings] == [rows[0].name]


def test_a_seed_by_seed_row_launches_each_seed_alone_and_commits_it_when_it_ends(
        tmp_path, monkeypatch):
    row = Row("DroQ", "Hopper-v5", 3_000, "reference", (3_000,), steps_from="first",
              page="frontier", seed_by_seed=True, trial_cpus=2)
    runs, results = tmp_path / "runs", tmp_path / "results"
    page = results / "frontier"

    def seed_trains_to_the_end():  # the launched seed writes its trial, as Tune would
        arguments = launched[-1]
        seed, name = (int(arguments[arguments.index("--seed") + 1]),
                      arguments[arguments.index("--exp-name") + 1])
        experiment = runs / "gymnasium" / "Hopper" / "v5" / f"2026-01-01T00-00-0{seed}-{name}"
        write_trial(experiment, f"id=a-seed={seed}", seed,
                    [(step, 10.0 * seed + step / 1_000) for step in (1_000, 2_000, 3_000)])
        (experiment / "experiment_state-2026-01-01.json").write_text("{}")

    launched = record_launches(monkeypatch, seed_trains_to_the_end)
    assert results_page.run_rows([row], str(runs), str(results)) == 0
    assert [arguments[arguments.index("--exp-name") + 1] for arguments in launched] == [
        f"{row.name}-seed{seed}" for seed in (0, 1, 2)]
    for arguments in launched:
        assert arguments[arguments.index("--num-samples") + 1] == "1"
        assert arguments[arguments.index("--cpus") + 1] == "2"
        assert arguments[arguments.index("--trial-cpus") + 1] == "2"
    # Each finished seed went into the CSV as it ended; a fresh machine has only the CSV.
    committed = results_page.committed_progress(row, str(results))
    assert committed == {seed: {1_000: 10.0 * seed + 1, 2_000: 10.0 * seed + 2,
                                3_000: 10.0 * seed + 3} for seed in (0, 1, 2)}
    # A fresh machine where seed 0 landed: seeds 1 and 2 start there, seed 0 is kept.
    with open(page / f"{row.name}.csv", "w", newline="") as file:
        csv.writer(file).writerows([results_page.RESULT_COLUMNS, [0, 3_000, -7_000, 4.5]])
    fresh = tmp_path / "fresh-runs"
    runs = fresh
    launched.clear()
    results_page.run_rows([row], str(fresh), str(results))
    assert [arguments[arguments.index("--seed") + 1] for arguments in launched] == ["1", "2"]
    committed = results_page.committed_progress(row, str(results))
    assert committed[0] == {3_000: 4.5} and set(committed) == {0, 1, 2}
    sittings = [json.loads(line) for line in (page / results_page.SITTINGS_FILE).open()]
    assert [entry["seeds"] for entry in sittings] == [[0], [1], [2], [1], [2]]


def test_a_row_with_seeds_still_to_run_shows_the_ones_it_has_and_how_many():
    curves = {0: {1_000: 1.0, 2_000: 3.0}, 1: {1_000: 2.0}}
    status, ours, _ = results_table.run_cells(curves, 2_000, (0, 1, 2), 2_000, "steps")
    assert status == "in progress: 1 of 3 seeds finished, the slowest of the others at 1,000 steps"
    assert ours == "3 ± 0 (3) (1 of 3 seeds)"
    status, ours, _ = results_table.run_cells(curves, 1_000, (0, 1), 1_000, "steps")
    assert status == "finished" and ours == "2 ± 0 (1, 2)"
    assert results_table.run_cells({}, 1_000, (0,), 1_000, "steps") == ("not started", "", "")


def test_the_figures_trailing_mean_is_each_seed_s_last_five_evaluations():
    returns = np.random.default_rng(1).normal(size=(3, 40))
    direct = np.array([[returns[seed, max(0, index - 4):index + 1].mean()
                        for index in range(40)] for seed in range(3)])
    np.testing.assert_allclose(results_table.trailing_mean(returns, 5), direct)


def test_a_row_counted_from_the_first_step_ends_there_and_a_committed_csv_finishes_it(
        tmp_path, monkeypatch):
    launched = record_launches(monkeypatch)
    row = Row("TQC", "Hopper-v5", 3_000, "reference", (3_000,), steps_from="first",
              page="frontier")
    warmup, epoch_length, epochs = results_page.warmup_and_epochs(row)
    assert (warmup, epochs * epoch_length) == (10_000, 3_000)  # the warm-up is inside them
    assert not finished(row, {seed: {2_000: 1.0} for seed in row.seeds})
    assert finished(row, {seed: {3_000: 1.0} for seed in row.seeds})
    with pytest.raises(ValueError, match="steps_from"):
        Row("TQC", "Hopper-v5", 3_000, "reference", (3_000,), steps_from="after")
    # No experiment on this machine, and the committed CSV has every seed at 3k: not rerun.
    page = tmp_path / "results" / "frontier"
    page.mkdir(parents=True)
    with open(page / f"{row.name}.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(results_page.RESULT_COLUMNS)
        writer.writerows((seed, step, step - warmup, 1.0) for seed in row.seeds
                         for step in (1_000, 2_000, 3_000))
    results_page.run_rows([row], str(tmp_path / "runs"), str(tmp_path / "results"))
    assert launched == []
    # One seed short of the end: started (with the sitting logged on the row's own page).
    with open(page / f"{row.name}.csv", "w", newline="") as file:
        csv.writer(file).writerows([results_page.RESULT_COLUMNS, [0, 3_000, -7_000, 1.0]])
    results_page.run_rows([row], str(tmp_path / "runs"), str(tmp_path / "results"))
    assert len(launched) == 1 and launched[0][launched[0].index("--algorithm") + 1] == "TQC"
    assert [json.loads(line)["row"] for line in open(page / results_page.SITTINGS_FILE)] == [
        row.name]


def test_every_committed_row_that_reached_its_end_is_finished_without_its_runs():
    # What keeps `run` on a fresh clone (no runs/ directory) from training them again.
    for row in ROWS:
        curves = results_page.committed_progress(row, RESULTS)
        if row.page == "mujoco":
            assert curves and finished(row, curves), row.name
        elif curves:
            warmup, _, _ = results_page.warmup_and_epochs(row)
            reached = min(max(curve) for curve in curves.values())
            assert finished(row, curves) == (set(curves) >= set(row.seeds)
                                             and reached >= row.timestep(row.steps, warmup))


def test_a_leftover_experiment_directory_does_not_restart_a_committed_row(tmp_path,
                                                                          monkeypatch):
    launched = record_launches(monkeypatch)
    row = Row("SAC", "Hopper-v5", 2_000, "tianshou", (2_000,))
    page = tmp_path / "results" / "mujoco"
    page.mkdir(parents=True)
    with open(page / f"{row.name}.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(results_page.RESULT_COLUMNS)
        writer.writerows((seed, 12_000, 2_000, 1.0) for seed in row.seeds)
    experiment = tmp_path / "runs" / "gymnasium" / "Hopper" / "v5" / f"2026-01-01T00-00-00-{row.name}"
    write_trial(experiment, "id=a-seed=0", 0, [(11_000, 1.0)])  # no Tune state, one seed
    results_page.run_rows([row], str(tmp_path / "runs"), str(tmp_path / "results"))
    assert launched == [] and experiment.exists()


def frontier_results(tmp_path, returns):
    """A results directory with the committed baselines and, for each (row name, task) of
    ``returns``, a frontier CSV of {seed: return at every 1,000 steps to 50k}."""
    from benchmarks import frontier_table

    (tmp_path / "frontier").mkdir()
    (tmp_path / "mujoco").mkdir()
    (tmp_path / "frontier" / frontier_table.BASELINES_FILE).write_text(
        open(os.path.join(RESULTS, "frontier", frontier_table.BASELINES_FILE)).read())
    for (name, directory), per_seed in returns.items():
        with open(tmp_path / directory / f"{name}.csv", "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(results_page.RESULT_COLUMNS)
            for seed, value in per_seed.items():
                writer.writerows((seed, step, step - 10_000, value)
                                 for step in range(1_000, 50_001, 1_000))
    return str(tmp_path)


def test_frontier_rows_against_the_published_spread_our_sac_and_their_targets(tmp_path):
    from benchmarks import frontier_table

    results = frontier_results(tmp_path, {
        # published DroQ HalfCheetah at 50k: 6,383 ± 798; REDQ Hopper 2,485 ± 1,035
        ("DroQ-HalfCheetah-v5-reference-50k", "frontier"): {0: 5_500.0, 1: 6_000.0, 2: 7_000.0},
        ("REDQ-Hopper-v5-reference-50k", "frontier"): {0: 900.0, 1: 1_000.0, 2: 1_100.0},
        ("TQC-Hopper-v5-reference-100k", "frontier"): {0: 700.0, 1: 800.0, 2: 900.0},
        ("SAC-Hopper-v5-tianshou-300k", "mujoco"): {0: 500.0, 1: 600.0, 2: 1_000.0}})
    lines = {(line["row"], line["step"]): line for line in frontier_table.table_rows(results)}
    droq = lines[("DroQ-HalfCheetah-v5-reference-50k", 50_000)]
    assert droq["ours"] == "6,167 ± 624 (5,500, 6,000, 7,000)"
    assert droq["published"] == "6,383 ± 798"
    assert droq["versus"] == "within the published mean ± std"
    assert droq["target"] == ">= 6,000: met" and droq["status"] == "finished"
    redq = lines[("REDQ-Hopper-v5-reference-50k", 50_000)]
    assert redq["versus"] == "below the published mean - std"  # 1,000 < 2,485 - 1,035
    assert redq["target"] == ">= 2,000: missed"
    tqc_50k = lines[("TQC-Hopper-v5-reference-100k", 50_000)]
    assert tqc_50k["versus"] == "at or above our SAC at Tianshou's settings (700)"
    assert tqc_50k["status"] == "in progress: the slowest seed at 50,000 steps"
    assert lines[("TQC-Hopper-v5-reference-100k", 100_000)]["ours"] == ""
    # On HalfCheetah our SAC ran at both settings: the row's own settings come first.
    with open(os.path.join(results, frontier_table.OUR_SAC[("HalfCheetah-v5", "reference")]),
              "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(results_page.RESULT_COLUMNS)
        writer.writerows((seed, 50_000, 40_000, 3_000.0 + seed) for seed in (0, 1, 2))
    with open(os.path.join(results, "frontier", "TQC-HalfCheetah-v5-reference-100k.csv"), "w",
              newline="") as file:
        writer = csv.writer(file)
        writer.writerow(results_page.RESULT_COLUMNS)
        writer.writerows((seed, 50_000, 40_000, 3_500.0) for seed in (0, 1, 2))
    lines = {(line["row"], line["step"]): line for line in frontier_table.table_rows(results)}
    assert lines[("TQC-HalfCheetah-v5-reference-100k", 50_000)]["versus"] == (
        "at or above our SAC at the reference settings, as this row (3,001)")
    assert lines[("REDQ-HalfCheetah-v5-reference-50k", 50_000)]["status"] == "not started"


def test_the_iqm_is_numpy_s_middle_half_of_returns_over_published_sac(tmp_path):
    from benchmarks import frontier_table

    droq = {"HalfCheetah": {0: 5_000.0, 1: 6_000.0, 2: 9_000.0},
            "Hopper": {0: 200.0, 1: 1_500.0, 2: 2_500.0}}
    results = frontier_results(tmp_path, {
        (f"DroQ-{task}-v5-reference-50k", "frontier"): per_seed
        for task, per_seed in droq.items()})
    scores = frontier_table.iqm_scores(results, 50_000)
    # REDQ, TQC and our SAC have no runs on both tasks here
    assert list(scores) == ["DroQ (reference)"]
    published_sac = {"HalfCheetah": 4212.3, "Hopper": 529.8}  # the baseline CSV at 50k
    expected = np.array([[droq[task][seed] / published_sac[task] for task in droq]
                         for seed in (0, 1, 2)])
    np.testing.assert_allclose(scores["DroQ (reference)"], expected)
    # IQM of 6 scores: the middle 4 (one cut from each end), the interval around it.
    middle = np.sort(expected.ravel())[1:-1].mean()
    point, low, high = frontier_table.interval_estimates(scores)["DroQ (reference)"]
    assert point == pytest.approx(middle)
    assert low < point < high
    state = np.random.get_state()
    assert frontier_table.interval_estimates(scores)["DroQ (reference)"] == (point, low, high)
    after = np.random.get_state()  # the global generator rliable draws from is put back
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]
    # Each algorithm's interval is its own: another algorithm beside it changes nothing.
    both = frontier_table.interval_estimates({"A first": scores["DroQ (reference)"] * 2,
                                              **scores})
    assert both["DroQ (reference)"] == (point, low, high)
    published = frontier_table.published_normalized(results, 50_000)
    assert published["DroQ (published)"] == pytest.approx(
        (6383.1 / 4212.3 + 1568.8 / 529.8) / 2)
    assert frontier_table.plot_iqm(results).endswith("iqm.png")
    assert frontier_table.plot_tasks(results) == [
        os.path.join(results, "frontier", f"{task}-v5.png") for task in droq]


@pytest.mark.parametrize("seed_by_seed", [False, True])
def test_every_finished_launch_is_collected_at_once(tmp_path, monkeypatch, seed_by_seed):
    # A row that runs its seeds side by side lands in its CSV when the launch ends, as a
    # seed-by-seed row's seed does: the next machine may not have the runs.
    row = Row("SAC", "Hopper-v5", 3000, "tianshou", (3000,), label="collect-check",
              seed_by_seed=seed_by_seed)
    collected, launched = [], []

    class FinishedProcess:
        def wait(self):
            return 0

    original = results_page.subprocess.Popen

    def popen(arguments, *options, **keywords):  # only the runner's launch is faked
        if list(arguments)[:1] != ["softlearning"]:
            return original(arguments, *options, **keywords)
        launched.append(arguments)
        return FinishedProcess()

    monkeypatch.setattr(results_page.subprocess, "Popen", popen)
    monkeypatch.setattr(results_page, "collect",
                        lambda rows, *directories: collected.append([r.name for r in rows]))
    monkeypatch.setattr(results_page, "log_sitting", lambda *arguments: None)
    name, seeds = row.launches()[0]
    code = results_page._run_launch(row, name, seeds, {}, str(tmp_path / "runs"),
                                    str(tmp_path / "results"))
    assert code == 0 and len(launched) == 1 and collected == [[row.name]]
