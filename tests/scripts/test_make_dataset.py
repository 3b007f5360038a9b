"""``softlearning make_dataset``: a trained run's policy episodes and replay pool as Minari
datasets, with reference scores; bad input in one line."""
import numpy as np
import pytest

from softlearning_tf2.datasets.minari_datasets import load_dataset, reference_scores
from softlearning_tf2.datasets.utils import OfflineData
from softlearning_tf2.experiments.experiment import Experiment
from softlearning_tf2.scripts import make_dataset
from tests.float_compare import assert_float32_close

pytestmark = pytest.mark.integration  # a trained experiment and its checkpoint files


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = tmp_path_factory.mktemp("run")
    experiment = Experiment.from_defaults(
        "SAC", "Pendulum", seed=0, n_epochs=1, epoch_length=300,
        n_initial_exploration_steps=100, min_pool_size=100, final_eval_n_episodes=1,
        overrides={"policy_params.config.hidden_layer_sizes": [16, 16],
                   "Q_params.config.hidden_layer_sizes": [16, 16]})
    experiment.train()
    experiment.save(str(directory / "checkpoint_000000"))
    return experiment, str(directory / "checkpoint_000000")


@pytest.fixture
def minari_root(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    return tmp_path / "minari"


def run(capsys, *args):
    code = make_dataset.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_policy_episodes_with_reference_scores(trained, minari_root, capsys):
    experiment, checkpoint = trained
    code, out, err = run(capsys, checkpoint, "--dataset-id", "test/pendulum/expert-v0",
                         "--episodes", "2", "--deterministic", "--reference-episodes", "2",
                         "--expert", checkpoint)
    assert code == 0, err
    dataset = load_dataset("test/pendulum/expert-v0")
    episodes = list(dataset.iterate_episodes())
    assert [len(episode.rewards) for episode in episodes] == [200, 200]
    reference_min, reference_max = reference_scores(dataset)
    # The expert (this checkpoint) over 2 episodes of its own, seeded apart from the data's:
    # a deterministic policy, so returns of the same order as the recorded ones.
    recorded = np.mean([episode.rewards.sum() for episode in episodes])
    assert np.isfinite(reference_max) and abs(reference_max - recorded) < 0.5 * abs(recorded)
    assert np.isfinite(reference_min) and reference_min != reference_max
    # The deterministic policy's actions, in the environment's bounds (batches of one in both:
    # the same graph, but another process state; a few ulps).
    first = episodes[0]
    for step in (0, 57, 199):
        assert_float32_close(first.actions[step],
                             experiment.act(np.asarray(first.observations[step], np.float32)),
                             ulps=8, differs="the recorded action against act() later")
    assert "wrote test/pendulum/expert-v0: 2 episodes, 400 steps" in out


def test_the_replay_pool_comes_back_as_the_same_transitions(trained, minari_root, capsys):
    experiment, checkpoint = trained
    code, _, err = run(capsys, checkpoint, "--dataset-id", "test/pendulum/replay-v0",
                       "--replay", "--reference-max-score", "-150", "--reference-min-score",
                       "-1500")
    assert code == 0, err
    data = OfflineData("test/pendulum/replay-v0", experiment.training_environment)
    pool = experiment.pool.last_n_batch(experiment.pool.size)
    assert data.size == experiment.pool.size == 300
    # One whole 200-step episode (truncated by the time limit) and the 100 steps of the next.
    episodes = list(load_dataset("test/pendulum/replay-v0").iterate_episodes())
    assert [len(episode.rewards) for episode in episodes] == [200, 100]
    assert [bool(episode.truncations[-1]) for episode in episodes] == [True, True]
    assert not any(episode.terminations.any() for episode in episodes)
    assert (data.reference_min, data.reference_max) == (-1500.0, -150.0)
    for name in ("observations", "next_observations", "rewards", "terminals"):
        np.testing.assert_array_equal(data.transitions[name], pool[name], err_msg=name)
    # Actions go out in the environment's bounds (x2 on Pendulum) and come back: exact in
    # binary floating point for a factor of two.
    np.testing.assert_array_equal(data.transitions["actions"], pool["actions"])


@pytest.mark.parametrize("arguments, message", [
    (["--replay"], "needs --expert CHECKPOINT (the checkpoint itself for an expert dataset) "
                   "or --reference-max-score"),
    (["--episodes", "1"], "needs --expert CHECKPOINT"),
    (["--reference-max-score", "nan"], "--reference-max-score must be finite"),
    (["--expert", "CHECKPOINT", "--reference-max-score", "1"], "not both"),
])
def test_bad_flags_are_one_line(trained, minari_root, capsys, arguments, message):
    _, checkpoint = trained
    arguments = [checkpoint if argument == "CHECKPOINT" else argument for argument in arguments]
    code, out, err = run(capsys, checkpoint, "--dataset-id", "test/pendulum/x-v0", *arguments)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (minari_root / "test" / "pendulum" / "x-v0").exists()


def test_an_existing_dataset_is_refused_before_anything_is_recorded(trained, minari_root,
                                                                    capsys):
    _, checkpoint = trained
    assert run(capsys, checkpoint, "--dataset-id", "test/pendulum/a-v0", "--episodes", "1",
               "--reference-episodes", "1", "--reference-max-score", "-100")[0] == 0
    before = load_dataset("test/pendulum/a-v0").total_steps
    code, out, err = run(capsys, checkpoint, "--dataset-id", "test/pendulum/a-v0",
                         "--episodes", "3", "--reference-max-score", "-100")
    assert code == 2 and "exists already" in err and "recording" not in out
    assert load_dataset("test/pendulum/a-v0").total_steps == before


def test_a_missing_checkpoint_is_one_line(minari_root, capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope", "--dataset-id", "test/x-v0",
                       "--reference-max-score", "0")
    assert code == 2 and "no such directory" in err


def test_a_pool_of_several_environments_is_refused_for_replay():
    from softlearning_tf2.datasets.minari_datasets import DatasetError

    variant = {"sampler_params": {"class_name": "VectorSampler", "config": {"num_envs": 4}}}
    with pytest.raises(DatasetError, match="interleaves several environments"):
        make_dataset.check_one_environment(variant, "run/checkpoint_000003")
    make_dataset.check_one_environment({"sampler_params": {"class_name": "SimpleSampler"}}, "x")
