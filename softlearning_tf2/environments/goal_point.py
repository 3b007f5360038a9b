"""A small sparse-reward goal task in gymnasium-robotics' GoalEnv convention.

``GoalPoint-Reach-v0``: a point in [-1, 1]^2 moves by 0.1 * action (actions in [-1, 1]^2).
Each episode draws a start and a goal uniformly in the square. The observation is a dict:
``observation`` (the point's position), ``achieved_goal`` (the position again: what this state
achieves) and ``desired_goal`` (the goal). The reward is sparse: 0 within ``success_radius``
(0.05) of the goal, -1 elsewhere (the Fetch tasks' convention). Episodes end by the 50-step
time limit (a truncation) and, with ``terminate_on_success``, on reaching the goal.

``compute_reward``, ``compute_terminated`` and ``compute_truncated`` take batches of goals
(leading dimensions are kept), as hindsight relabelling calls them; ``info['is_success']`` is
1.0 at the goal.

A uniformly random policy ends 0.2% of its episodes at the goal and passes through the goal's
disc in 4% (4,000 episodes): without relabelling almost every reward is -1 and carries no
direction; with it, every episode says how to reach the points it passed.
"""
import gymnasium
import numpy as np
from gymnasium import spaces

STEP_SIZE = 0.1


class GoalPointEnv(gymnasium.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}
    # compute_terminated takes batches (relabelling calls it once per batch, not per row).
    vectorized_compute_terminated = True

    def __init__(self, success_radius=0.05, terminate_on_success=False, render_mode=None):
        if not success_radius > 0:
            raise ValueError(f"success_radius must be positive, got {success_radius}")
        self.success_radius = float(success_radius)
        self.terminate_on_success = bool(terminate_on_success)
        self.render_mode = render_mode
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        box = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.observation_space = spaces.Dict(
            {"observation": box, "achieved_goal": box, "desired_goal": box})
        self._position = np.zeros(2, np.float32)
        self._goal = np.zeros(2, np.float32)

    # -- The GoalEnv functions (batched) -------------------------------------------------------
    def _distance(self, achieved_goal, desired_goal):
        return np.linalg.norm(np.asarray(achieved_goal, np.float32)
                              - np.asarray(desired_goal, np.float32), axis=-1)

    def compute_reward(self, achieved_goal, desired_goal, info):
        """0 where the achieved goal is within ``success_radius`` of the desired one, else -1."""
        return -(self._distance(achieved_goal, desired_goal) > self.success_radius).astype(
            np.float32)

    def compute_terminated(self, achieved_goal, desired_goal, info):
        reached = self._distance(achieved_goal, desired_goal) <= self.success_radius
        return reached & self.terminate_on_success

    def compute_truncated(self, achieved_goal, desired_goal, info):
        return np.zeros(np.shape(self._distance(achieved_goal, desired_goal)), bool)

    # -- gymnasium.Env -------------------------------------------------------------------------
    def _observation(self):
        return {"observation": self._position.copy(), "achieved_goal": self._position.copy(),
                "desired_goal": self._goal.copy()}

    def _info(self):
        distance = float(self._distance(self._position, self._goal))
        return {"is_success": float(distance <= self.success_radius), "distance": distance}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._position = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        self._goal = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        return self._observation(), self._info()

    def step(self, action):
        action = np.clip(np.asarray(action, np.float32), -1.0, 1.0)
        self._position = np.clip(self._position + STEP_SIZE * action, -1.0, 1.0).astype(
            np.float32)
        observation = self._observation()
        reward = float(self.compute_reward(observation["achieved_goal"], self._goal, {}))
        terminated = bool(self.compute_terminated(observation["achieved_goal"], self._goal, {}))
        return observation, reward, terminated, False, self._info()

    def render(self):
        """A 64x64 view from above: the goal green (its success disc), the point red."""
        size = 64
        scale = (size - 1) / 2.0
        rows, columns = np.mgrid[0:size, 0:size]
        x, y = columns / scale - 1.0, 1.0 - rows / scale
        image = np.zeros((size, size, 3), np.uint8)
        near_goal = np.hypot(x - self._goal[0], y - self._goal[1]) <= max(
            self.success_radius, 1.5 / scale)
        image[near_goal, 1] = 255
        near_point = np.hypot(x - self._position[0], y - self._position[1]) <= 1.5 / scale
        image[near_point, 0] = 255
        return image


gymnasium.register("GoalPoint-Reach-v0", entry_point=GoalPointEnv, max_episode_steps=50)
