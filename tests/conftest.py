"""Test settings: Ray on loopback only, one Ray instance shared by the in-process CLI tests.

Tiers: ``python3 -m pytest -q`` runs every test but the ``slow`` learning runs (CI);
``python3 -m pytest -q -m "not integration and not slow"`` is the fast tier for development
(no Ray, no CLI processes, no Tune experiments).
"""
import os
import sys

import pytest

# Before anything imports ray: keep every Ray server on 127.0.0.1 (see
# softlearning_tf2/experiments/launcher.py).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every line of a trial reaches the driver as it was printed: tests look for lines trials
# print, and Ray's deduplication holds back a line that another trial process printed in the
# last seconds (words with digits, such as checkpoint names, left out of the comparison).
os.environ.setdefault("RAY_DEDUP_LOGS", "0")

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)


def pytest_configure(config):
    """``SOFTLEARNING_TEST_INTRA_OP_THREADS=N`` runs this process's TensorFlow ops on N threads
    each, to check the suite under another kernel split (benchmarks/README.md, issue 32). One
    op right after fixes the setting: TensorFlow's thread pools start with the first op, and an
    Experiment built later cannot change them. CLI processes and Ray trials keep their own
    ``run_params`` threads."""
    threads = os.environ.get("SOFTLEARNING_TEST_INTRA_OP_THREADS")
    if threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.constant(0.0) + 0.0
        assert tf.config.threading.get_intra_op_parallelism_threads() == int(threads)


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray instance (2 CPUs, every server on 127.0.0.1) for the whole session:
    ``softlearning run_example_local`` run in-process uses it instead of starting its own."""
    import ray

    # Trial processes import examples.* and tests.* from the project root.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # as run_example_local sets it for its trials
    ray.init(address="local", num_cpus=2, include_dashboard=False,
             _node_ip_address="127.0.0.1", log_to_driver=True, logging_level="ERROR")
    forward_trial_output_to_file_descriptors()
    yield
    ray.shutdown()


def forward_trial_output_to_file_descriptors():
    """Trials' stdout and stderr written to file descriptors 1 and 2, where ``capfd`` reads
    them. Ray's own forwarder prints to ``sys.stdout``, which in a test is pytest's capture
    file: a line that arrives while pytest closes that file at a test's end raises in Ray's
    forwarding thread, the thread dies, and no trial line of any later test in this process
    reaches the driver (CI, stop 43: a restore test found none of its trial's lines). File
    descriptors 1 and 2 stay open for the whole session."""
    from ray._private.ray_logging import global_worker_stdstream_dispatcher

    def write(data):
        if data.get("pid") in ("autoscaler", "raylet"):
            prefix = ""
        else:
            name = data.get("actor_name") or data.get("task_name")
            prefix = f"({name + ' ' if name else ''}pid={data.get('pid')}) "
        text = "".join(f"{prefix}{line}\n" for line in data["lines"]).encode()
        descriptor = 2 if data["is_err"] else 1
        while text:
            text = text[os.write(descriptor, text):]

    # Ray's name for its forwarder; without it here, this would forward every line twice.
    assert any(name == "ray_print_logs" for name, _ in global_worker_stdstream_dispatcher.handlers)
    global_worker_stdstream_dispatcher.remove_handler("ray_print_logs")
    global_worker_stdstream_dispatcher.add_handler("ray_print_logs", write)


@pytest.fixture
def run_cli(local_ray, capfd, monkeypatch):
    """``softlearning ARGS...`` in this process, on the shared Ray: (exit code, out, err)."""
    from softlearning_tf2.scripts import console_scripts

    monkeypatch.chdir(PROJECT_ROOT)

    def run(*args):
        code = console_scripts.main([str(arg) for arg in args])
        # Whatever the command printed is in the captured files before they are read.
        sys.stdout.flush()
        sys.stderr.flush()
        captured = capfd.readouterr()
        return code, captured.out, captured.err
    return run


def pytest_collection_modifyitems(session, config, items):
    """Integration modules run first. The suite runs on two pytest-xdist workers, each given
    whole modules in collection order (``--dist loadfile``, pytest.ini); the integration
    modules take seconds to minutes each, so started last they leave one worker waiting on the
    other, while the many short modules after them even out the two workers' ends."""
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)
