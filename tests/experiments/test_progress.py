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
