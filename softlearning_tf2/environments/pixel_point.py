"""A small image task that needs no OpenGL: a point reaching a goal, seen from above.

``PixelPoint-Reach-v0``: a point in [-1, 1]^2 moves by 0.1 * action (actions in [-1, 1]^2)
towards a goal fixed at (0.5, 0.5); the reward is minus the distance to the goal; episodes
end by a time limit after ``max_episode_steps`` (50) steps (truncation: the Q target
bootstraps). The observation is a dict: ``pixels``, a uint8 (size, size, 3) image drawn in
numpy (the point red, the goal green, on black), and ``position``, the point's (x, y) float32
(``pixels_only=True`` leaves it out, so that the task must be solved from pixels).
"""
import gymnasium
import numpy as np
from gymnasium import spaces

GOAL = np.array([0.5, 0.5], np.float32)
STEP_SIZE = 0.1


class PixelPointEnv(gymnasium.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, image_size=32, pixels_only=False, render_mode=None):
        self.image_size = int(image_size)
        self.pixels_only = bool(pixels_only)
        self.render_mode = render_mode
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        observation = {"pixels": spaces.Box(0, 255, (self.image_size, self.image_size, 3),
                                            np.uint8)}
        if not self.pixels_only:
            observation["position"] = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.observation_space = spaces.Dict(observation)
        self._position = np.zeros(2, np.float32)

    def _cell(self, point):
        """The pixel (row, column) of a point in [-1, 1]^2 (y up)."""
        scale = (self.image_size - 1) / 2.0
        column = int(round((point[0] + 1.0) * scale))
        row = int(round((1.0 - point[1]) * scale))
        return row, column

    def render(self):
        image = np.zeros((self.image_size, self.image_size, 3), np.uint8)
        for point, channel in ((GOAL, 1), (self._position, 0)):
            row, column = self._cell(point)
            image[max(row - 1, 0):row + 2, max(column - 1, 0):column + 2, channel] = 255
        return image

    def _observation(self):
        observation = {"pixels": self.render()}
        if not self.pixels_only:
            observation["position"] = self._position.copy()
        return observation

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._position = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        return self._observation(), {}

    def step(self, action):
        action = np.clip(np.asarray(action, np.float32), -1.0, 1.0)
        self._position = np.clip(self._position + STEP_SIZE * action, -1.0, 1.0).astype(
            np.float32)
        reward = -float(np.linalg.norm(self._position - GOAL))
        return self._observation(), reward, False, False, {}


gymnasium.register("PixelPoint-Reach-v0", entry_point=PixelPointEnv, max_episode_steps=50)
