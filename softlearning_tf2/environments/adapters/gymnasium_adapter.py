"""Gymnasium environments seen the way the algorithms expect them.

Built from gymnasium's own wrappers around ``gymnasium.make(f"{domain}-{task}")``:

* actions: ``ClipAction(RescaleAction(env, -1, 1))``: the policy acts in [-1, 1]^d, clipped
  there, then mapped affinely onto the environment's Box bounds;
* observations: ``DtypeObservation(..., float32)`` (MuJoCo returns float64);
* ``terminated`` and ``truncated`` pass through separately: a time-limit truncation is not a
  terminal state, and the Q target bootstraps through it.
"""
import warnings

import gymnasium
import numpy as np
from gymnasium.wrappers import ClipAction, DtypeObservation, RescaleAction


class GymnasiumAdapter(gymnasium.Wrapper):
    """``gymnasium.make(f"{domain}-{task}")`` with actions in [-1, 1] and float32 observations.

    ``raw`` is the environment as ``gymnasium.make`` returned it, acting in its own bounds.
    """

    def __init__(self, domain, task, *, render_mode=None, **environment_kwargs):
        self.domain = domain
        self.task = task
        self.environment_id = f"{domain}-{task}"
        raw = gymnasium.make(self.environment_id, render_mode=render_mode, **environment_kwargs)
        if not isinstance(raw.action_space, gymnasium.spaces.Box):
            raise ValueError(
                f"{self.environment_id} has a {type(raw.action_space).__name__} action space; "
                f"softlearning_tf2 supports continuous (Box) action spaces only")
        if not isinstance(raw.observation_space, gymnasium.spaces.Box):
            raise ValueError(
                f"{self.environment_id} has a {type(raw.observation_space).__name__} "
                f"observation space; softlearning_tf2 supports Box observation spaces only")
        low, high = raw.action_space.low, raw.action_space.high
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"{self.environment_id} has unbounded actions; they cannot be "
                             f"rescaled to [-1, 1]")
        self.raw = raw
        unit = np.ones(raw.action_space.shape, np.float32)
        self._rescale = RescaleAction(raw, -unit, unit)
        self._clip = ClipAction(self._rescale)
        with warnings.catch_warnings():  # float64 bounds cast to float32: expected here
            warnings.filterwarnings("ignore", message=".*precision lowered by casting")
            super().__init__(DtypeObservation(self._clip, np.float32))
        # ClipAction reports an unbounded space; the policy's space is the box it clips to.
        self.action_space = self._rescale.action_space

    @property
    def max_episode_steps(self):
        spec = self.raw.spec
        return None if spec is None else spec.max_episode_steps

    def to_environment_actions(self, actions):
        """Actions in [-1, 1] as the wrapped environment receives them (batches too)."""
        actions = np.asarray(actions, dtype=self.action_space.dtype)
        return self._rescale.func(self._clip.func(actions))

    def action_rescaling(self):
        """``(gradient, intercept)``, float32: ``RescaleAction`` maps a clipped action a to
        ``(a - intercept) / gradient``. For graphs (the exported policy) that must map actions
        exactly as this adapter does; read from the wrapper's function and checked on probes,
        so a gymnasium that rescales differently fails here in one line."""
        function = self._rescale.func
        constants = dict(zip(function.__code__.co_freevars,
                             (cell.cell_contents for cell in function.__closure__ or ())))
        gradient, intercept = constants.get("gradient"), constants.get("intercept")
        probes = np.linspace(-1.0, 1.0, 257, dtype=self.action_space.dtype)[:, None]
        probes = np.repeat(probes, self.action_space.shape[0], axis=1)
        if gradient is None or intercept is None or not np.array_equal(
                (probes - intercept) / gradient, function(probes)):
            raise RuntimeError(f"gymnasium {gymnasium.__version__}'s RescaleAction is not "
                               f"(a - intercept) / gradient; install the gymnasium version "
                               f"in requirements.txt")
        return np.asarray(gradient), np.asarray(intercept)

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, float(reward), bool(terminated), bool(truncated), info
