"""DeepMind Control Suite tasks as gymnasium environments (the ``dm_control`` universe).

``DmControlEnvironment(domain, task)`` runs ``dm_control.suite.load(domain, task)`` behind
gymnasium's API, acting in the task's own action bounds; ``GymnasiumAdapter`` then rescales
actions to [-1, 1] as it does for gymnasium tasks:

* the suite's last step of an episode is its time limit (discount 1): it is reported as
  ``truncated``, so the Q target bootstraps through it; a step with discount 0 is
  ``terminated``;
* observations: ``"states"`` concatenates the suite's observation dict into one float32
  vector, in the suite's order; ``"dict"`` keeps one key per entry; ``pixels`` adds the key
  ``pixels`` from the suite's own renderer (``physics.render``, uint8), alone with
  ``pixels_only`` (the default);
* ``action_repeat`` repeats each action that many physics control steps and sums the rewards
  (the pixel benchmarks' protocol: 8 on cartpole); an episode then has time_limit / control
  step / action_repeat steps.

The task's random stream (a numpy RandomState: initial states) is the environment's
``np_random``-like state for checkpoints: ``rng_state`` / ``set_rng_state``.
"""
import math

import gymnasium
import numpy as np

from softlearning_tf2.environments.observations import pixel_settings

OBSERVATION_MODES = ("states", "dict")


def import_suite(rendering=False):
    """``dm_control.suite``. dm_control binds an OpenGL backend when first imported. Outside
    a process that renders (``rendering=False``, and headless rendering not configured here)
    it is imported with rendering disabled: state observations need none, and OpenGL beside
    TensorFlow crashes (``subprocess_environment.py``). A rendering process configures
    headless OpenGL first."""
    import os
    import sys

    from softlearning_tf2.environments.rendering import (
        configure_headless_rendering, configured_backend)

    if rendering or configured_backend() is not None:
        configure_headless_rendering()
        from dm_control import suite

        return suite
    if "dm_control.suite" in sys.modules:
        return sys.modules["dm_control.suite"]
    previous = os.environ.get("MUJOCO_GL")
    os.environ["MUJOCO_GL"] = "disable"
    try:
        from dm_control import suite
    finally:
        if previous is None:
            del os.environ["MUJOCO_GL"]
        else:
            os.environ["MUJOCO_GL"] = previous
    return suite


def suite_tasks():
    """{domain: [task, ...]} of the installed dm_control suite."""
    suite = import_suite()

    tasks = {}
    for domain, task in suite.ALL_TASKS:
        tasks.setdefault(domain, []).append(task)
    return {domain: sorted(names) for domain, names in tasks.items()}


def _flat_size(shape):
    return int(np.prod(shape)) if shape else 1


class DmControlEnvironment(gymnasium.Env):
    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, domain, task, *, observation="states", pixels=None, action_repeat=1,
                 task_kwargs=None, environment_kwargs=None, render_mode=None):
        if observation not in OBSERVATION_MODES:
            raise ValueError(f"unknown dm_control observation mode {observation!r}; valid "
                             f"choices: {', '.join(OBSERVATION_MODES)}")
        if int(action_repeat) < 1:
            raise ValueError(f"action_repeat must be at least 1, got {action_repeat}")
        self._pixels = None if pixels is None else pixel_settings(pixels)
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"dm_control renders rgb_array frames only, not {render_mode!r}")
        self.render_mode = render_mode
        suite = import_suite(rendering=self._pixels is not None or render_mode is not None)
        self.domain, self.task = domain, task
        self._environment = suite.load(domain, task, task_kwargs=dict(task_kwargs or {}),
                                       environment_kwargs=dict(environment_kwargs or {}))
        self._observation_mode = observation
        self._action_repeat = int(action_repeat)

        spec = self._environment.action_spec()
        self.action_space = gymnasium.spaces.Box(
            np.asarray(spec.minimum, np.float32) * np.ones(spec.shape, np.float32),
            np.asarray(spec.maximum, np.float32) * np.ones(spec.shape, np.float32),
            spec.shape, np.float32)
        self._state_shapes = {name: value.shape
                              for name, value in self._environment.observation_spec().items()}
        state_size = sum(_flat_size(shape) for shape in self._state_shapes.values())
        state_space = gymnasium.spaces.Box(-np.inf, np.inf, (state_size,), np.float32)
        if self._pixels is None and observation == "states":
            self.observation_space = state_space
        else:
            spaces = {}
            if self._pixels is None or not self._pixels["pixels_only"]:
                if observation == "states":
                    spaces["state"] = state_space
                else:
                    spaces.update({name: gymnasium.spaces.Box(-np.inf, np.inf,
                                                              (_flat_size(shape),), np.float32)
                                   for name, shape in self._state_shapes.items()})
            if self._pixels is not None:
                spaces["pixels"] = gymnasium.spaces.Box(
                    0, 255, (self._pixels["height"], self._pixels["width"], 3), np.uint8)
            self.observation_space = gymnasium.spaces.Dict(spaces)
        step_limit = getattr(self._environment, "_step_limit", None)
        self.max_episode_steps = (None if step_limit is None or not math.isfinite(step_limit)
                                  else int(math.ceil(step_limit / self._action_repeat)))

    # -- Random state --------------------------------------------------------------------------
    @property
    def _random(self):
        return self._environment.task.random

    def rng_state(self):
        name, keys, position, has_gauss, cached_gaussian = self._random.get_state()
        return [name, keys.tolist(), int(position), int(has_gauss), float(cached_gaussian)]

    def set_rng_state(self, state):
        name, keys, position, has_gauss, cached_gaussian = state
        self._random.set_state((name, np.asarray(keys, np.uint32), int(position),
                                int(has_gauss), float(cached_gaussian)))

    # -- gymnasium API -------------------------------------------------------------------------
    def _observation(self, time_step):
        states = time_step.observation
        if self._pixels is None and self._observation_mode == "states":
            return self._flat_state(states)
        observation = {}
        if "state" in self.observation_space.spaces:
            observation["state"] = self._flat_state(states)
        elif self._pixels is None or not self._pixels["pixels_only"]:
            observation.update({name: np.asarray(value, np.float32).reshape(-1)
                                for name, value in states.items()})
        if self._pixels is not None:
            observation["pixels"] = self.render()
        return observation

    @staticmethod
    def _flat_state(states):
        return np.concatenate([np.asarray(value, np.float32).reshape(-1)
                               for value in states.values()])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if seed is not None:
            self._random.seed(seed)
        return self._observation(self._environment.reset()), {}

    def step(self, action):
        reward = 0.0
        for _ in range(self._action_repeat):
            time_step = self._environment.step(np.asarray(action, np.float64))
            reward += float(time_step.reward or 0.0)
            if time_step.last():
                break
        terminated = time_step.last() and time_step.discount == 0.0
        truncated = time_step.last() and not terminated
        return self._observation(time_step), reward, bool(terminated), bool(truncated), {}

    def render(self):
        pixels = self._pixels or pixel_settings({})
        return self._environment.physics.render(pixels["height"], pixels["width"],
                                                camera_id=pixels["camera_id"] or 0)

    def close(self):
        close = getattr(self._environment, "close", None)
        if close is not None:
            close()
