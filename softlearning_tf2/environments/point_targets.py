"""A point mass drawn to targets: rewards that add up, for composing soft Q functions.

``PointTargets-Default-v0``: the MultiGoal point mass (position in [-7, 7]^2, actions are
displacements in [-1, 1]^2, start near the origin, 30 steps, no termination) with the reward

    r(s, a, s') = -(action_cost_coeff * ||a||^2 + sum_i weight_i * ||s' - target_i||^2).

The reward of several targets is the sum of the rewards of each target alone (with the action
cost split between them), so soft Q functions trained on each can be composed for the sum
(Haarnoja et al. 2018, arXiv:1803.06773): ``targets=[[5, 0]], action_cost_coeff=0.5`` plus
``targets=[[0, 5]], action_cost_coeff=0.5`` is ``targets=[[5, 0], [0, 5]],
action_cost_coeff=1``, whose optimum lies between the targets. ``info["position"]`` holds the
position.
"""
import gymnasium
import numpy as np
from gymnasium import spaces

ENV_ID = "PointTargets-Default-v0"
MAX_PATH_LENGTH = 30


class PointTargetsEnv(gymnasium.Env):
    metadata = {"render_modes": []}

    def __init__(self, targets=((5.0, 0.0),), target_weights=None, action_cost_coeff=1.0,
                 init_sigma=0.1, bounds=(-7.0, 7.0), render_mode=None):
        super().__init__()
        if render_mode is not None:
            raise ValueError(f"PointTargets does not render, got render_mode={render_mode!r}")
        self.targets = np.asarray(targets, dtype=np.float64)
        if self.targets.ndim != 2 or self.targets.shape[1] != 2 or len(self.targets) < 1:
            raise ValueError(f"targets must have shape (n, 2), got {self.targets.shape}")
        weights = np.ones(len(self.targets)) if target_weights is None else target_weights
        self.target_weights = np.asarray(weights, dtype=np.float64)
        if self.target_weights.shape != (len(self.targets),):
            raise ValueError(f"target_weights must have one weight per target "
                             f"({len(self.targets)}), got {np.shape(weights)}")
        self.action_cost_coeff = float(action_cost_coeff)
        self.init_sigma = float(init_sigma)
        self.bounds = tuple(float(bound) for bound in bounds)
        self.observation_space = spaces.Box(*self.bounds, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self._position = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        start = self.np_random.normal(0.0, self.init_sigma, size=2)
        self._position = np.clip(start, *self.bounds)
        return self._position.astype(np.float32), {"position": self._position.copy()}

    def step(self, action):
        if self._position is None:
            raise gymnasium.error.ResetNeeded("Call `reset` before `step`.")
        action = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        self._position = np.clip(self._position + action, *self.bounds)
        distances = np.sum((self._position[None] - self.targets) ** 2, axis=1)
        reward = -(self.action_cost_coeff * float(np.sum(action ** 2))
                   + float(np.dot(self.target_weights, distances)))
        return (self._position.astype(np.float32), reward, False, False,
                {"position": self._position.copy()})


def register_environments():
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(ENV_ID, entry_point=f"{__name__}:PointTargetsEnv",
                           max_episode_steps=MAX_PATH_LENGTH)


register_environments()
