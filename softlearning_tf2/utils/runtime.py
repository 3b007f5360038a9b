"""Process set-up that the experiment runner and the sampler workers both need: TensorFlow's
thread pools and Ray's loopback-only settings (below both layers: neither imports the other
for them)."""
import os
import sys


def configure_tensorflow_threads(run_params):
    """Sets TF's thread pools; only possible before TF runs its first op in this process."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(run_params["tf_intra_op_threads"])
        tf.config.threading.set_inter_op_parallelism_threads(run_params["tf_inter_op_threads"])
    except RuntimeError:
        pass  # TF already initialized here (e.g. run_example_debug after other TF work)


def configure_local_ray_environment():
    """Must run before ``ray`` is first imported: Ray reads these at import time.

    Ray on Linux advertises and binds the machine's outward address even when asked for
    127.0.0.1 (it resolves loopback to a "reachable" address). Its single-machine mode, which it
    otherwise reserves for macOS and Windows, keeps every Ray server on 127.0.0.1. Usage
    statistics are off, and Tune's classic reporter (the one that takes our columns) is on.
    """
    if "ray" in sys.modules and os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER") != "0":
        raise RuntimeError("configure_local_ray_environment() must run before ray is imported")
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    configure_ray_client_environment()


def configure_ray_client_environment():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
