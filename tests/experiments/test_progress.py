"""The one line per trial result that the terminal shows."""
from softlearning_tf2.experiments.progress import format_duration, progress_line, total_timesteps


def test_progress_line_shows_timestep_of_total_evaluation_and_time_left():
    config = {"algorithm_params": {"config": {"n_epochs": 10, "epoch_length": 1000}}}
    total = total_timesteps(config)
    line = progress_line("trial a (seed 0)", {
        "timestep": 2500, "evaluation/episode-reward-mean": -812.44, "time_total_s": 50.0},
        total)
    # 2,500 steps took 50 s: 7,500 more take 150 s.
    assert line == ("trial a (seed 0): timestep 2500/10000 (25%), eval return -812.4, "
                    "left ~2:30")
    assert progress_line("t", {"timestep": 10}, None) == "t: timestep 10"


def test_durations_read_as_clock_times():
    assert (format_duration(59.6), format_duration(61), format_duration(3725)) == (
        "1:00", "1:01", "1:02:05")


def test_an_evaluation_of_several_episodes_shows_their_spread():
    line = progress_line("t", {"timestep": 10, "evaluation/episode-reward-mean": -235.04,
                               "evaluation/episode-reward-std": 54.06,
                               "evaluation/episodes": 10}, 10)
    assert line == "t: timestep 10/10 (100%), eval return -235.0 ± 54.1 (std over 10 episodes)"
    one = progress_line("t", {"timestep": 10, "evaluation/episode-reward-mean": -235.04,
                              "evaluation/episode-reward-std": 0.0,
                              "evaluation/episodes": 1}, 10)
    assert one == "t: timestep 10/10 (100%), eval return -235.0"


def test_time_left_is_at_the_rate_since_an_earlier_result():
    result = {"timestep": 20_000, "time_total_s": 200.0}
    # The whole run: 20,000 steps in 200 s, so 80,000 more in 800 s; since 15,000 steps at
    # 100 s: 5,000 steps in 100 s, so 1,600 s.
    assert progress_line("t", result, 100_000).endswith("left ~13:20")
    assert progress_line("t", result, 100_000, since=(15_000, 100.0)).endswith("left ~26:40")
    # An earlier result that is not earlier (a trial restarted from an older checkpoint):
    # the whole run's rate.
    assert progress_line("t", result, 100_000, since=(25_000, 300.0)).endswith("left ~13:20")


def test_the_reporter_estimates_from_the_last_results_not_the_fast_warm_up(capsys):
    """Ten warm-up epochs of 1,000 steps at 1 s each, then epochs of 10 s: after five of
    those, the time left is at 10 s an epoch, where the whole run's average (2.5 s an epoch
    at 20%) would say a quarter of it."""
    from types import SimpleNamespace

    from softlearning_tf2.experiments.progress import RATE_WINDOW, TrialProgressReporter

    config = {"algorithm_params": {"config": {"n_epochs": 100, "epoch_length": 1000}},
              "run_params": {"seed": 3}}
    trial = SimpleNamespace(trial_id="a", status="RUNNING", config=config, last_result=None)
    reporter = TrialProgressReporter()
    elapsed = 0.0
    for epoch in range(1, 21):
        elapsed += 1.0 if epoch <= 10 else 10.0
        trial.last_result = {"timestep": 1000 * epoch, "time_total_s": elapsed,
                             "training_iteration": epoch}
        reporter.report([trial], False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 and lines[-1].startswith("trial a (seed 3): timestep 20000/100000")
    assert RATE_WINDOW <= 10
    assert lines[-1].endswith(f"left ~{format_duration(80 * 10.0)}")  # 80 epochs at 10 s
    assert lines[0].endswith(f"left ~{format_duration(99 * 1.0)}")  # no earlier result yet
