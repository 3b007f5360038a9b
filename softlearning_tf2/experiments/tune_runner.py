"""The Tune trial: a ``tune.Trainable`` around an ``Experiment``, one epoch per ``step``."""
import logging
import os

from ray import tune

from softlearning_tf2.utils.quiet import import_tensorflow, verbose

import_tensorflow()  # before the experiment module imports it: quietly, unless --verbose

from softlearning_tf2.checkpoints import CheckpointError  # noqa: E402
from softlearning_tf2.experiments.experiment import (  # noqa: E402
    Experiment, configure_tensorflow_threads)


class ExperimentRunner(tune.Trainable):
    """A Tune trial: ``step`` is one epoch; checkpoints hold the whole ``Experiment``.

    Restoring falls back, past checkpoints that do not verify (a crash while one was written,
    a damaged file), to the newest of the trial that does, saying in one line which it skipped
    and why; the trial fails with one line only when none verifies.
    """

    def setup(self, config):
        if not verbose():  # Tune's per-checkpoint INFO lines stay in the trial's log
            logging.getLogger("ray").setLevel(logging.WARNING)
        configure_tensorflow_threads(config["run_params"])
        self.experiment = self._make_experiment(config)

    def reset_config(self, new_config):
        """The next trial of a search in this same process (Tune's ``reuse_actors``): a new
        ``Experiment`` without a new process and a new TensorFlow start. (TensorFlow's thread
        pools keep the first trial's sizes: every trial of a search asks for the same.)"""
        self.experiment.close()
        self.experiment = self._make_experiment(new_config)
        return True

    def cleanup(self):
        self.experiment.close()

    def _make_experiment(self, config):
        return Experiment(config)

    def step(self):
        diagnostics = self.experiment.train_epoch()
        diagnostics["timesteps_total"] = diagnostics["timestep"]
        return diagnostics

    def save_checkpoint(self, checkpoint_dir):
        # Tune writes into a temporary directory and moves it to the trial's next
        # checkpoint_NNNNNN: one chain per trial.
        self.experiment.save(checkpoint_dir, incremental=True)
        return checkpoint_dir

    def load_checkpoint(self, checkpoint_dir):
        def report(message):
            print(f"softlearning: {message}", flush=True)
        try:
            restored = self.experiment.restore_newest_readable(checkpoint_dir, report)
        except CheckpointError as error:
            raise CheckpointError(" ".join(str(error).split())) from None
        if restored != os.path.abspath(checkpoint_dir):
            report(f"restored {restored} instead")
            # Tune set its iteration count from the checkpoint it chose; the epochs restored
            # are those of the older checkpoint.
            self._iteration = self.experiment.algorithm.epoch
