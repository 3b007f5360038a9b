"""Environments. Importing this package registers the project's own gymnasium environments
(``MultiGoal-Default-v0``, ``TabularMDP-Random-v0``, ``PixelPoint-Reach-v0``,
``GoalPoint-Reach-v0``, ``LatentSpace-MultiGoal-v0``, ``PointTargets-Default-v0``), so that
every adapter and builder can make them by id."""
from softlearning_tf2.environments import (  # noqa: F401
    goal_point, latent_space, multi_goal, pixel_point, point_targets, tabular)
