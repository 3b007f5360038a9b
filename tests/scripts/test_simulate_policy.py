"""``simulate_policy``: rollouts of a checkpoint or an export, with optional video."""
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from softlearning_tf2.policies.export import export_policy
from softlearning_tf2.scripts import simulate_policy
from tests.policies.test_export import make_checkpoint
from tests.conftest import PROJECT_ROOT

EPISODE = re.compile(r"^episode (\d+): return (\S+), length (\d+)$")
SUMMARY = re.compile(r"^mean return (\S+) .*mean length (\S+) over (\d+) episodes$")
HALF_CHEETAH_RUN = ["algorithm_params.config.epoch_length=40",
                    "algorithm_params.config.n_initial_exploration_steps=20",
                    "algorithm_params.config.min_pool_size=20",
                    "sampler_params.config.max_path_length=20"]


def run(*args, module="softlearning_tf2.scripts.console_scripts", timeout=300):
    command = [sys.executable, "-m", module, *map(str, args)]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def parse(stdout):
    episodes = [EPISODE.match(line) for line in stdout.splitlines()]
    episodes = [(float(m.group(2)), int(m.group(3))) for m in episodes if m]
    summaries = [SUMMARY.match(line) for line in stdout.splitlines()]
    summaries = [m for m in summaries if m]
    assert len(summaries) == 1, stdout
    return episodes, float(summaries[0].group(1)), int(summaries[0].group(3))


def error_lines(stderr):
    return [line for line in stderr.splitlines() if "error:" in line]


@pytest.fixture(scope="module")
def sac(tmp_path_factory):
    checkpoint_dir, _ = make_checkpoint("SAC")
    export_dir = str(tmp_path_factory.mktemp("simulate") / "exported")
    export_policy(checkpoint_dir, export_dir)
    return checkpoint_dir, export_dir


def test_checkpoint_and_export_give_the_same_deterministic_returns(sac, capsys):
    from examples.development import simulate_policy as example_simulate_policy

    checkpoint_dir, export_dir = sac
    flags = ["--num-rollouts", "3", "--max-path-length", "50", "--seed", "3"]
    results = []
    for main, argv in ((example_simulate_policy.main, [checkpoint_dir, *flags]),
                       (simulate_policy.main, [export_dir, *flags, "--deterministic"])):
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 0, captured.err[-3000:]
        episodes, mean_return, count = parse(captured.out)
        assert count == 3 and [length for _, length in episodes] == [50, 50, 50]
        returns = np.array([value for value, _ in episodes])
        assert mean_return == pytest.approx(returns.mean(), abs=1e-5)
        results.append(returns)
    # The Keras policy against its SavedModel: actions may differ in their last bits, and each
    # one moves the pendulum the later actions see, so 50-step returns agree to rtol 1e-5.
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)
    assert len(set(results[0])) == 3  # later episodes start elsewhere (the env's own stream)


def simulate(capsys, *argv):
    code = simulate_policy.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured


@pytest.mark.parametrize("which", ["checkpoint", "export"])
def test_seeded_stochastic_rollouts_repeat(sac, capsys, which):
    path = sac[0] if which == "checkpoint" else sac[1]
    flags = ["--num-rollouts", 2, "--max-path-length", 20, "--seed", 7]
    runs = [simulate(capsys, path, *flags, "--stochastic") for _ in range(2)]
    deterministic = simulate(capsys, path, *flags)
    for code, captured in runs + [deterministic]:
        assert code == 0, captured.err
    first, second = (parse(captured.out)[0] for _, captured in runs)
    assert first == second  # the same policy, seed and shapes twice in one process
    assert parse(deterministic[1].out)[0] != first


@pytest.mark.parametrize("argv, message", [
    (["{tmp}/nope"], "no such directory"),
    (["{tmp}"], "is not a checkpoint directory"),
    (["{checkpoint}", "--num-rollouts", "0"], "must be a positive integer"),
    (["{checkpoint}", "--video-save-path", "{tmp}/out.avi"], "use a .mp4 or .gif"),
    (["{checkpoint}", "--video-save-path", "{tmp}/missing/out.gif"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(sac, tmp_path, capsys, argv, message):
    argv = [arg.format(tmp=tmp_path, checkpoint=sac[0]) for arg in argv]
    code, captured = simulate(capsys, *argv)
    assert code == 2
    lines = error_lines(captured.err)
    assert len(lines) == 1 and message in lines[0], captured.err
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(importlib.util.find_spec("imageio_ffmpeg") is not None,
                    reason="imageio-ffmpeg is installed: .mp4 works")
def test_mp4_without_imageio_ffmpeg_suggests_gif(sac, tmp_path, capsys):
    code, captured = simulate(capsys, sac[0], "--video-save-path", tmp_path / "out.mp4")
    assert code == 2
    line, = error_lines(captured.err)
    assert "imageio-ffmpeg" in line and ".gif" in line
    assert os.listdir(tmp_path) == []


@pytest.mark.integration
def test_pendulum_video_or_a_clear_error(sac, tmp_path):
    video = tmp_path / "pendulum.gif"
    result = run("simulate_policy", sac[1], "--num-rollouts", 1, "--max-path-length", 5,
                 "--seed", 0, "--video-save-path", video)
    if importlib.util.find_spec("pygame") is None:  # classic-control rendering needs pygame
        assert result.returncode == 2
        line, = error_lines(result.stderr)
        assert "cannot render Pendulum-v1" in line and "pygame" in line
        assert not video.exists()
    else:
        assert result.returncode == 0, result.stderr[-3000:]
        assert video.is_file()


def simulate_with_video(checkpoint_dir, video, *flags):
    """``simulate_policy`` writing ``video`` (seed 1); skips where no headless GL works, after
    checking that the error says how to get one."""
    result = run("simulate_policy", checkpoint_dir, *flags, "--seed", 1,
                 "--video-save-path", video)
    if result.returncode == 2 and "cannot render" in result.stderr:
        line, = error_lines(result.stderr)
        assert "MUJOCO_GL" in line
        pytest.skip(f"no headless GL here: {line}")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.integration
def test_mujoco_video_is_rendered_apart_from_tensorflow(tmp_path):
    """TensorFlow and Mesa's GL crash in one process: the frames come from a replay."""
    imageio = pytest.importorskip("imageio")
    checkpoint_dir, _ = make_checkpoint("SAC", "HalfCheetah", "v5", extra=HALF_CHEETAH_RUN)
    video = tmp_path / "cheetah.gif"
    result = simulate_with_video(checkpoint_dir, video, "--num-rollouts", 2,
                                 "--max-path-length", 5)
    episodes, _, _ = parse(result.stdout)
    assert [length for _, length in episodes] == [5, 5]
    assert "warning" not in result.stderr  # the replay reproduced the rollouts
    frames = imageio.v3.imread(video, index=None)
    assert frames.shape[0] == 2 * (5 + 1) and frames.shape[-1] == 3
    assert frames.std() > 0


@pytest.mark.integration
def test_dm_control_video_comes_from_the_suite_renderer(tmp_path):
    imageio = pytest.importorskip("imageio")
    from softlearning_tf2 import Experiment

    experiment = Experiment.from_defaults(
        "SAC", universe="dm_control", domain="cartpole", seed=0, n_epochs=1, epoch_length=40,
        n_initial_exploration_steps=20, min_pool_size=20, batch_size=16)
    experiment.train()
    checkpoint_dir = str(tmp_path / "checkpoint_000001")
    experiment.save(checkpoint_dir)
    video = tmp_path / "cartpole.gif"
    result = simulate_with_video(checkpoint_dir, video, "--num-rollouts", 1,
                                 "--max-path-length", 6)
    assert "warning" not in result.stderr  # the replay reproduced the rollout
    frames = imageio.v3.imread(video, index=None)
    # 7 frames written; the GIF writer merges consecutive identical ones (the pole hangs still)
    assert 2 <= frames.shape[0] <= 6 + 1 and frames.shape[-1] == 3 and frames.std() > 0
