"""The development experiment, plus pictures of the policy every few epochs."""
import os

from examples.development.main import Experiment, ExperimentRunner
from examples.multi_goal.plotting import (
    goal_counts, plot_paths, plot_Q_contours, stochastic_rollouts)


class MultiGoalExperiment(Experiment):
    """Also plots every ``run_params.plot_every_n_epochs`` epochs into ``plot_directory``."""

    plot_directory = "."

    def plot(self, directory):
        """Writes the Q-contour and path PNGs for the current epoch; returns goal counts."""
        epoch = self.algorithm.epoch
        algorithm = self.variant["algorithm_params"]["class_name"]
        title = f"{algorithm}, epoch {epoch}, timestep {self.sampler.total_samples}"
        plot_Q_contours(self.networks["Qs"], self.policy,
                        os.path.join(directory, f"Q_contours-epoch{epoch:04d}.png"), title=title)
        paths = stochastic_rollouts(self.evaluation_environment, self.policy,
                                    self.variant["run_params"]["plot_num_rollouts"],
                                    self.sampler.max_path_length)
        plot_paths(paths, self.evaluation_environment.unwrapped.goals,
                   os.path.join(directory, f"paths-epoch{epoch:04d}.png"), title=title)
        return goal_counts(paths)

    def train_epoch(self):
        diagnostics = super().train_epoch()
        every = self.variant["run_params"]["plot_every_n_epochs"]
        if every and (self.algorithm.epoch % every == 0 or diagnostics["done"]):
            counts = self.plot(self.plot_directory)
            diagnostics["evaluation/goals-reached"] = int((counts > 0).sum())
        return diagnostics


class MultiGoalExperimentRunner(ExperimentRunner):
    """Writes the pictures into the trial's directory."""

    def _make_experiment(self, config):
        experiment = MultiGoalExperiment(config)
        experiment.plot_directory = self.logdir
        return experiment
