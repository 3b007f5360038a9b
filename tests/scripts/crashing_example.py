"""A test-only example module: the development example whose trial process dies once.

In its third epoch, after 50 environment steps, the trial's worker process SIGKILLs itself
(a machine or worker failure, mid-epoch). A marker file next to the results makes it happen
only once, so the retried trial runs to the end.
"""
import os
import signal

from examples.development import get_parser  # noqa: F401
from examples.development.variants import get_variant_spec as development_variant_spec


def get_variant_spec(args):
    marker = os.path.join(os.path.abspath(os.path.expanduser(args.local_dir)), "crashed-once")
    return development_variant_spec(args, crash_marker=marker)


def get_trainable_class():
    from softlearning_tf2.experiments.tune_runner import ExperimentRunner

    class CrashingExperimentRunner(ExperimentRunner):
        def step(self):
            marker = self.config["run_params"]["crash_marker"]
            if self.iteration == 2 and not os.path.exists(marker):
                self.experiment.algorithm.train_steps(50)
                with open(marker, "w") as file:
                    file.write(f"killed pid {os.getpid()} in epoch 3\n")
                os.kill(os.getpid(), signal.SIGKILL)
            return super().step()

    return CrashingExperimentRunner
