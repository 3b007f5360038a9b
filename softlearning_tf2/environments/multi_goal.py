"""The MultiGoal point-mass environment as a gymnasium environment.

This is the two-dimensional multi-modal toy task described by Haarnoja et al.,
"Reinforcement Learning with Deep Energy-Based Policies" (2017, arXiv:1702.08165,
Fig. 2). A point mass starts near the origin and can walk towards any one of four
goals placed symmetrically around it; a policy that represents multi-modal behaviour
reaches all four goals, while a unimodal one typically commits to one of them.

Dynamics and reward, with the default constructor arguments:

* The state (and the observation) is the position ``s`` of the point mass, kept
  inside the square ``[-7, 7]^2``: after each step the position is clipped to it.
* The action ``a`` is a displacement in ``[-1, 1]^2``. Actions given to :meth:`step`
  are clipped to the action space before use (both for the move and for the cost),
  so out-of-range actions never move the agent further than the largest legal step.
* ``s' = clip(s + a, -7, 7)``.
* The reward of a step is::

      r = -(30 * ||a||^2 + 1 * min_g ||s' - g||^2) + (10 if min_g ||s' - g|| <= 1 else 0)

  where ``a`` is the clipped action and the distance cost uses the *new* position
  ``s'``, i.e. the position that the action led to. Reaching within distance 1
  (inclusive) of a goal adds the goal reward of 10 and terminates the episode
  (``terminated=True``).
* The start position is drawn from ``N(0, 0.1^2 I)`` using the environment's seeded
  random generator ``self.np_random`` (and clipped to the square).
* Episodes are limited to 30 steps by gymnasium's ``TimeLimit`` wrapper when the
  environment is created through :func:`gymnasium.make` with the registered id
  ``"MultiGoal-Default-v0"``; hitting the limit sets ``truncated=True`` and leaves
  ``terminated=False``. The unwrapped environment itself never truncates.

``reset`` accepts ``options={"position": (x, y)}`` to start the episode at a given
position (clipped to the square) instead of sampling it; this makes it possible to
place the agent deliberately, e.g. next to a goal.

``info`` (from both ``reset`` and ``step``) holds ``"position"`` (a float64 copy of
the current position), ``"goal_index"`` (index into ``goals`` of the goal reached in
this step, or -1) and ``"distance_to_nearest_goal"``. ``step`` additionally reports
the two cost terms ``"action_cost"`` and ``"goal_distance_cost"`` (both >= 0).

With ``render_mode="rgb_array"``, :meth:`render` returns an ``H x W x 3`` ``uint8``
picture (drawn with matplotlib's Agg canvas, without pyplot) showing contours of the
distance cost, the goals with their goal radius, the path of the current episode and
the agent's current position.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium
import numpy as np
from gymnasium import spaces

ENV_ID = "MultiGoal-Default-v0"
MAX_PATH_LENGTH = 30

DEFAULT_GOALS = ((5.0, 0.0), (-5.0, 0.0), (0.0, 5.0), (0.0, -5.0))


class MultiGoalEnv(gymnasium.Env):
    """Two-dimensional point mass with four goals (see the module docstring).

    Args:
        goals: Sequence of goal positions, shape ``(n_goals, 2)``.
        goal_radius: An episode terminates when the new position is within this
            (Euclidean) distance of a goal, boundary included.
        goal_reward: Bonus added to the reward of the step that reaches a goal: one
            number for every goal, or one per goal (goals of unequal value).
        action_cost_coeff: Weight of the squared action norm in the cost.
        distance_cost_coeff: Weight of the squared distance to the nearest goal.
        init_sigma: Standard deviation of the Gaussian start position around the
            origin.
        bounds: ``(low, high)`` limits of the position, applied to both coordinates.
        render_mode: ``None`` or ``"rgb_array"``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        goals: Sequence[Sequence[float]] = DEFAULT_GOALS,
        goal_radius: float = 1.0,
        goal_reward: float | Sequence[float] = 10.0,
        action_cost_coeff: float = 30.0,
        distance_cost_coeff: float = 1.0,
        init_sigma: float = 0.1,
        bounds: tuple[float, float] = (-7.0, 7.0),
        render_mode: str | None = None,
    ):
        super().__init__()
        goals = np.asarray(goals, dtype=np.float64)
        if goals.ndim != 2 or goals.shape[1] != 2 or goals.shape[0] < 1:
            raise ValueError(f"`goals` must have shape (n_goals, 2), got {goals.shape}.")
        low, high = (float(b) for b in bounds)
        if not low < high:
            raise ValueError(f"`bounds` must satisfy low < high, got {bounds}.")
        if goal_radius < 0 or init_sigma < 0:
            raise ValueError("`goal_radius` and `init_sigma` must be non-negative.")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}.")

        goal_rewards = np.broadcast_to(np.asarray(goal_reward, dtype=np.float64),
                                       goals.shape[:1]).copy() if np.ndim(goal_reward) == 0 \
            else np.asarray(goal_reward, dtype=np.float64)
        if goal_rewards.shape != goals.shape[:1]:
            raise ValueError(f"`goal_reward` must be one number or one per goal "
                             f"({goals.shape[0]}), got {np.shape(goal_reward)}.")

        self.goals = goals
        self.goal_radius = float(goal_radius)
        self.goal_rewards = goal_rewards
        self.action_cost_coeff = float(action_cost_coeff)
        self.distance_cost_coeff = float(distance_cost_coeff)
        self.init_sigma = float(init_sigma)
        self.bounds = (low, high)
        self.render_mode = render_mode

        self.observation_space = spaces.Box(low=low, high=high, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Box(low=-1.0, high=1.0, shape=(2,), dtype=np.float32)

        self._position: np.ndarray | None = None
        self._path: list[np.ndarray] = []
        # Matplotlib objects, created lazily by `render`.
        self._figure = None
        self._canvas = None
        self._path_line = None
        self._agent_marker = None

    # ------------------------------------------------------------------ helpers
    def _clip_position(self, position: np.ndarray) -> np.ndarray:
        return np.clip(position, self.bounds[0], self.bounds[1])

    def _nearest_goal(self, position: np.ndarray) -> tuple[int, float]:
        distances = np.linalg.norm(self.goals - position[None, :], axis=1)
        index = int(np.argmin(distances))
        return index, float(distances[index])

    def _observation(self) -> np.ndarray:
        # A fresh array every call, so returned observations never alias each other.
        return self._position.astype(np.float32)

    def _info(self, goal_index: int) -> dict[str, Any]:
        _, distance = self._nearest_goal(self._position)
        return {
            "position": self._position.copy(),
            "goal_index": int(goal_index),
            "distance_to_nearest_goal": distance,
        }

    # ---------------------------------------------------------------------- API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start a new episode.

        ``options={"position": (x, y)}`` places the agent at ``(x, y)`` (clipped to
        the bounds); otherwise the start is drawn from ``N(0, init_sigma^2 I)``.
        """
        super().reset(seed=seed)
        options = {} if options is None else options
        if options.get("position") is not None:
            position = np.asarray(options["position"], dtype=np.float64)
            if position.shape != (2,):
                raise ValueError(
                    f"options['position'] must have shape (2,), got {position.shape}.")
        else:
            position = self.np_random.normal(loc=0.0, scale=self.init_sigma, size=2)
        self._position = self._clip_position(position.astype(np.float64))
        self._path = [self._position.copy()]
        return self._observation(), self._info(goal_index=-1)

    def step(self, action):
        if self._position is None:
            raise gymnasium.error.ResetNeeded("Call `reset` before `step`.")
        action = np.asarray(action, dtype=np.float64)
        if action.shape != self.action_space.shape:
            raise ValueError(
                f"Action must have shape {self.action_space.shape}, got {action.shape}.")
        # Out-of-range actions are clipped to the action space.
        action = np.clip(action, self.action_space.low, self.action_space.high)

        self._position = self._clip_position(self._position + action)
        self._path.append(self._position.copy())

        nearest_index, nearest_distance = self._nearest_goal(self._position)
        action_cost = self.action_cost_coeff * float(np.sum(action ** 2))
        goal_distance_cost = self.distance_cost_coeff * nearest_distance ** 2
        reward = -(action_cost + goal_distance_cost)

        terminated = bool(nearest_distance <= self.goal_radius)
        goal_index = nearest_index if terminated else -1
        if terminated:
            reward += float(self.goal_rewards[nearest_index])

        info = self._info(goal_index)
        info["action_cost"] = action_cost
        info["goal_distance_cost"] = goal_distance_cost
        return self._observation(), float(reward), terminated, False, info

    # ---------------------------------------------------------------- rendering
    def _build_figure(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Circle

        low, high = self.bounds
        figure = Figure(figsize=(5.0, 5.0), dpi=80)
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_axes((0.1, 0.08, 0.85, 0.85))

        grid = np.linspace(low, high, 141)
        xx, yy = np.meshgrid(grid, grid)
        points = np.stack([xx, yy], axis=-1)
        squared = np.sum((points[:, :, None, :] - self.goals[None, None]) ** 2, axis=-1)
        cost = self.distance_cost_coeff * squared.min(axis=-1)
        axes.contourf(xx, yy, cost, levels=20, cmap="Greys_r", alpha=0.55)
        contours = axes.contour(xx, yy, cost, levels=10, colors="0.35", linewidths=0.6)
        axes.clabel(contours, inline=True, fontsize=6, fmt="%.0f")

        for goal in self.goals:
            axes.add_patch(Circle(tuple(goal), self.goal_radius, facecolor="tab:red",
                                  alpha=0.3, edgecolor="tab:red"))
        axes.plot(self.goals[:, 0], self.goals[:, 1], linestyle="none", marker="*",
                  markersize=14, color="tab:red", markeredgecolor="darkred")

        (self._path_line,) = axes.plot([], [], color="tab:blue", linewidth=1.5,
                                       marker=".", markersize=4, clip_on=False)
        (self._agent_marker,) = axes.plot([], [], linestyle="none", marker="o",
                                          markersize=10, color="tab:blue",
                                          markeredgecolor="navy", clip_on=False,
                                          zorder=5)
        axes.set_xlim(low, high)
        axes.set_ylim(low, high)
        axes.set_aspect("equal")
        axes.set_title("MultiGoal", fontsize=10)
        axes.tick_params(labelsize=7)

        self._figure = figure
        self._canvas = canvas

    def render(self):
        """Return an RGB picture of the field (``render_mode="rgb_array"``) or None."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() called without a render mode; create the environment with "
                "render_mode='rgb_array' to get pictures.")
            return None
        if self._position is None:
            raise gymnasium.error.ResetNeeded("Call `reset` before `render`.")
        if self._figure is None:
            self._build_figure()
        path = np.asarray(self._path)
        self._path_line.set_data(path[:, 0], path[:, 1])
        self._agent_marker.set_data([self._position[0]], [self._position[1]])
        self._canvas.draw()
        rgba = np.asarray(self._canvas.buffer_rgba())
        return np.ascontiguousarray(rgba[..., :3], dtype=np.uint8)

    def close(self):
        """Release the matplotlib figure (safe to call more than once)."""
        if self._figure is not None:
            self._figure.clear()
        self._figure = None
        self._canvas = None
        self._path_line = None
        self._agent_marker = None


def register_environments() -> None:
    """Register ``"MultiGoal-Default-v0"`` with gymnasium, once (idempotent)."""
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(
            id=ENV_ID,
            entry_point=f"{MultiGoalEnv.__module__}:MultiGoalEnv",
            max_episode_steps=MAX_PATH_LENGTH,
        )


register_environments()
