"""The throughput benchmark runs and reports every figure (its speeds are not asserted)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.throughput import dense_flops, flops_per_update
from tests.scripts.test_console_scripts import PROJECT_ROOT


def test_dense_flops_counts_multiply_adds():
    assert dense_flops(10, [3, 4, 1]) == 2 * 10 * (3 * 4 + 4 * 1)


def test_sac_update_flops_at_halfcheetah_sizes():
    # 4 policy passes (a', forward + backward) and 12 Q passes, HalfCheetah 17/6, batch 256:
    # 0.59 GFLOP, between the 0.58 (no critic weight gradients in the actor loss)
    # and 0.655 (with them).
    flops = flops_per_update("SAC", {"batch_size": 256}, [256, 256], [256, 256], 17, 6)
    assert 0.58e9 <= flops <= 0.655e9


STEP_CALL_PHASES = {"act", "env_step", "pool_add", "step_call", "python_glue"}
SEPARATE_CALL_PHASES = {"act", "env_step", "pool_add", "batch_gather", "batch_to_tensors",
                        "update_call", "python_glue"}


@pytest.mark.integration
@pytest.mark.parametrize("fuse_environment_steps", [True, False])
def test_benchmark_prints_its_figures(fuse_environment_steps):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.throughput", "--algorithm", "SAC",
         "--env", "Pendulum-v1", "--steps", "40", "--warmup", "100", "--fuse", "4",
         "--set", "Q_params.config.hidden_layer_sizes=[32,32]",
         "--set", "policy_params.config.hidden_layer_sizes=[32,32]",
         "--set", "algorithm_params.config.batch_size=32",
         "--set", f"algorithm_params.config.fuse_environment_steps={str(fuse_environment_steps).lower()}",
         "--intra-op-threads", "2", "--inter-op-threads", "1", "--phases"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("env_steps_per_s", "updates_per_s", "roofline_updates_per_s",
                "roofline_fraction", "peak_rss_mb"):
        assert figures[key] > 0, key
    assert figures["fuse"] == 4
    assert (figures["intra_op_threads"], figures["inter_op_threads"]) == (2, 1)
    # The roofline counts every core: never below what one chain of matmuls gets.
    assert figures["matmul_gflops"] >= figures["matmul_gflops_one_chain"] > 0
    # The phases of the loop add up to the loop's wall time (python_glue is the rest).
    phases = figures["phase_ms_per_step"]
    assert set(phases) == (STEP_CALL_PHASES if fuse_environment_steps else SEPARATE_CALL_PHASES)
    assert all(value >= 0 for name, value in phases.items() if name != "python_glue")
    update = "step_call" if fuse_environment_steps else "update_call"
    assert phases[update] > 0 and phases["env_step"] > 0
    # The policy acts in the step call; separately only at a path's start.
    assert phases["act"] > 0 or fuse_environment_steps
    assert sum(phases.values()) * 40 / 1000 == pytest.approx(figures["wall_s"], abs=0.02)


@pytest.mark.integration
def test_learning_benchmark_writes_its_csv_and_plot(tmp_path, capsys):
    from benchmarks import learning

    small = "algorithm_params.config"
    learning.main(["--algorithm", "SAC", "--env", "Pendulum-v1", "--steps", "200",
                   "--seeds", "2", "--eval-episodes", "1", "--output-dir", str(tmp_path),
                   "--set", f"{small}.epoch_length=200",
                   "--set", f"{small}.n_initial_exploration_steps=200",
                   "--set", f"{small}.min_pool_size=200", "--set", f"{small}.batch_size=32",
                   "--set", "policy_params.config.hidden_layer_sizes=[16]",
                   "--set", "Q_params.config.hidden_layer_sizes=[16]"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["seeds"] == 2 and (tmp_path / "learning.png").stat().st_size > 0
    rows = (tmp_path / "learning.csv").read_text().strip().splitlines()
    # --steps counts steps after the 200-step random warm-up, as the published curve counts
    # them: 400 environment steps in all, two epochs of 200.
    assert rows[0] == "seed,timestep,steps_after_warmup,evaluation_return"
    table = np.array([[float(value) for value in row.split(",")] for row in rows[1:]])
    assert table[:, 1].tolist() == [200, 400] * 2 and table[:, 2].tolist() == [0, 200] * 2
    assert (figures["steps_after_warmup"], figures["env_steps"]) == (200, 400)
    returns = table[:, 3].reshape(2, 2)
    assert figures["final_return_mean"] == pytest.approx(returns[:, -1].mean(), abs=0.1)
    assert figures["last_5_evaluations_mean"] == pytest.approx(returns.mean(), abs=0.1)
    assert figures["peak_rss_mb"] > 0
    assert figures["versus_published"] == {}  # no published Pendulum curve
