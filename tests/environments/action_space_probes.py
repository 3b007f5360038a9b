"""Tiny gymnasium environments with the action spaces softlearning_tf2 refuses (and one it
takes: a Discrete space starting at -1), registered as ``ActionSpaceProbe-{kind}-v0``
(in-process CLI tests see them)."""
import gymnasium
import numpy as np

ACTION_SPACES = {
    "MultiDiscrete": lambda: gymnasium.spaces.MultiDiscrete([3, 2]),
    "MultiBinary": lambda: gymnasium.spaces.MultiBinary(4),
    "Tuple": lambda: gymnasium.spaces.Tuple((gymnasium.spaces.Discrete(2),
                                             gymnasium.spaces.Discrete(3))),
    "DiscreteStart": lambda: gymnasium.spaces.Discrete(3, start=-1),  # supported
}


class ActionSpaceProbe(gymnasium.Env):
    def __init__(self, kind, render_mode=None):
        self.render_mode = render_mode
        self.action_space = ACTION_SPACES[kind]()
        self.observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.received_actions = []

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, np.float32), {}

    def step(self, action):
        self.received_actions.append(int(action) if np.ndim(action) == 0 else action)
        return np.zeros(2, np.float32), 0.0, False, False, {}


def register_probes():
    for kind in ACTION_SPACES:
        environment_id = f"ActionSpaceProbe-{kind}-v0"
        if environment_id not in gymnasium.registry:
            gymnasium.register(environment_id, entry_point=ActionSpaceProbe, kwargs={"kind": kind})
