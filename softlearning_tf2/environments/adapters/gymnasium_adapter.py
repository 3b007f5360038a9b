"""Gymnasium environments seen the way the algorithms expect them.

Built from gymnasium's own wrappers around ``gymnasium.make(f"{domain}-{task}")``:

* Box actions: ``ClipAction(RescaleAction(env, -1, 1))``: the policy acts in [-1, 1]^d,
  clipped there, then mapped affinely onto the environment's Box bounds;
* Discrete actions: the policy acts with an index in 0..n-1, passed on as ``start + index``
  (gymnasium's ``Discrete(n, start)``); every other action space (MultiDiscrete,
  MultiBinary, Tuple, Dict, ...) is refused in one line naming what is supported;
* Box observations: ``DtypeObservation(..., float32)`` (MuJoCo returns float64, MinAtar
  bool); a Box of more than one dimension is flattened first (``FlattenObservation``);
* Dict observations (``softlearning_tf2.environments.observations``): uint8 images stay uint8,
  every other key becomes a flat float32 vector;
* ``environment``: an environment made elsewhere (dm_control's, or one that renders pixel
  observations in a child process: ``environments.utils.get_environment``) instead of
  ``gymnasium.make``; ``frame_stack`` stacks the last frames of the dict key ``pixels`` on the
  channel axis;
* ``terminated`` and ``truncated`` pass through separately: a time-limit truncation is not a
  terminal state, and the Q target bootstraps through it.
"""
import time
import warnings

import gymnasium

import numpy as np
from gymnasium.wrappers import (
    ClipAction, DtypeObservation, FlattenObservation, RescaleAction, TransformObservation)

from softlearning_tf2.environments.observations import (
    FrameStack, convert_dict_observation, convert_dict_space, observation_layout,
    pixel_settings)

SUPPORTED_ACTION_SPACES = "Box (continuous) or Discrete"


def check_action_space(space, environment_id):
    """Raises ValueError unless ``space`` is a bounded Box or a Discrete space."""
    if isinstance(space, gymnasium.spaces.Discrete):
        return
    if not isinstance(space, gymnasium.spaces.Box):
        raise ValueError(f"{environment_id} has a {type(space).__name__} action space; "
                         f"softlearning_tf2 supports {SUPPORTED_ACTION_SPACES} action spaces")
    if not (np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))):
        raise ValueError(f"{environment_id} has unbounded actions; they cannot be rescaled to "
                         f"[-1, 1]")


class GymnasiumAdapter(gymnasium.Wrapper):
    """``gymnasium.make(f"{domain}-{task}")`` with actions in [-1, 1] (or indices 0..n-1) and
    flat float32 observations.

    ``raw`` is the environment as ``gymnasium.make`` returned it, acting in its own bounds.
    ``discrete_actions`` says which kind of action space the policy sees; ``action_size`` is
    the action dimension (Box) or the number of actions (Discrete), ``observation_size`` the
    length of the (flattened) observation.
    """

    def __init__(self, domain, task, *, render_mode=None, frame_stack=1, environment=None,
                 environment_id=None, step_delay=0.0, **environment_kwargs):
        if not step_delay >= 0:
            raise ValueError(f"step_delay must be a number of seconds >= 0, got {step_delay!r}")
        self.step_delay = float(step_delay)
        self.domain = domain
        self.task = task
        self.environment_id = environment_id or f"{domain}-{task}"
        raw = environment if environment is not None else gymnasium.make(
            self.environment_id, render_mode=render_mode, **environment_kwargs)
        try:
            check_action_space(raw.action_space, self.environment_id)
            if int(frame_stack) > 1:
                raw = FrameStack(raw, int(frame_stack))
            if not isinstance(raw.observation_space,
                              (gymnasium.spaces.Box, gymnasium.spaces.Dict)):
                raise ValueError(
                    f"{self.environment_id} has a {type(raw.observation_space).__name__} "
                    f"observation space; softlearning_tf2 supports Box or Dict observation "
                    f"spaces")
        except ValueError:
            raw.close()
            raise
        self.raw = raw
        self.discrete_actions = isinstance(raw.action_space, gymnasium.spaces.Discrete)
        if self.discrete_actions:
            self._action_offset = int(raw.action_space.start)
            acting = raw
        else:
            unit = np.ones(raw.action_space.shape, np.float32)
            self._rescale = RescaleAction(raw, -unit, unit)
            self._clip = ClipAction(self._rescale)
            acting = self._clip
        if isinstance(raw.observation_space, gymnasium.spaces.Dict):
            space = convert_dict_space(raw.observation_space)
            observing = TransformObservation(
                acting, lambda observation: convert_dict_observation(observation, space), space)
        else:
            if len(raw.observation_space.shape) > 1:
                acting = FlattenObservation(acting)
            with warnings.catch_warnings():  # float64 bounds cast to float32: expected here
                warnings.filterwarnings("ignore", message=".*precision lowered by casting")
                observing = DtypeObservation(acting, np.float32)
        super().__init__(observing)
        if self.discrete_actions:
            self.action_space = gymnasium.spaces.Discrete(int(raw.action_space.n))
            self.action_size = int(raw.action_space.n)
        else:
            # ClipAction reports an unbounded space; the policy's space is the box it clips to.
            self.action_space = self._rescale.action_space
            self.action_size = int(self.action_space.shape[0])
        # None for a flat observation, {key: (shape, dtype)} for a dict one.
        self.observation_layout = observation_layout(self.observation_space)
        self.observation_size = (int(np.prod(self.observation_space.shape))
                                 if self.observation_layout is None else None)

    @property
    def max_episode_steps(self):
        steps = getattr(self.raw.unwrapped, "max_episode_steps", None)
        if steps is not None:
            return steps
        spec = self.raw.spec
        return None if spec is None else spec.max_episode_steps

    def to_environment_actions(self, actions):
        """The policy's actions (in [-1, 1], or indices) as the wrapped environment receives
        them (batches too)."""
        if self.discrete_actions:
            return np.asarray(actions, np.int64) + self._action_offset
        actions = np.asarray(actions, dtype=self.action_space.dtype)
        return self._rescale.func(self._clip.func(actions))

    def to_policy_actions(self, actions):
        """The environment's actions (a batch, in its own bounds) in the policy's [-1, 1]:
        the inverse of ``to_environment_actions`` (a dataset's actions into a pool)."""
        if self.discrete_actions:
            return np.asarray(actions, np.int64) - self._action_offset
        gradient, intercept = self.action_rescaling()
        actions = np.asarray(actions, np.float64) * gradient + intercept
        return np.clip(actions, -1.0, 1.0).astype(np.float32)

    def action_rescaling(self):
        """``(gradient, intercept)``, float32: ``RescaleAction`` maps a clipped action a to
        ``(a - intercept) / gradient``. For graphs (the exported policy) that must map actions
        exactly as this adapter does; read from the wrapper's function and checked on probes,
        so a gymnasium that rescales differently fails here in one line."""
        if self.discrete_actions:
            raise ValueError(f"{self.environment_id} has discrete actions: nothing to rescale")
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
        if self.discrete_actions:
            if not 0 <= int(action) < self.action_size:
                raise ValueError(f"action index {action} outside 0..{self.action_size - 1} "
                                 f"of {self.environment_id}")
            action = int(action) + self._action_offset
        observation, reward, terminated, truncated, info = self.env.step(action)
        if self.step_delay:
            spin(self.step_delay)
        return observation, float(reward), bool(terminated), bool(truncated), info


def spin(seconds):
    """Keeps this CPU busy for ``seconds``: the cost of a simulator slower than the task's
    (``environment_params.*.step_delay``; a sleep would free the core, a simulator does not)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def pixel_rendering_kwargs(pixels, environment_kwargs):
    """gymnasium.make's render settings for pixel observations (MuJoCo tasks take ``width``,
    ``height`` and ``camera_id``)."""
    pixels = pixel_settings(pixels)
    kwargs = dict(environment_kwargs)
    kwargs.setdefault("width", pixels["width"])
    kwargs.setdefault("height", pixels["height"])
    if pixels["camera_id"] is not None:
        kwargs.setdefault("camera_id", pixels["camera_id"])
    return "rgb_array", kwargs
