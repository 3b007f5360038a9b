"""Perturbations a policy never saw in training, as gymnasium wrappers of MuJoCo environments.

For the robustness claim of maximum-entropy RL (Haarnoja et al. 2018, arXiv:1812.05905,
Sec. 7; Eysenbach & Levine 2021, "Maximum Entropy RL (Provably) Solves Some Robust RL
Problems"): evaluate a trained policy where the dynamics or its actions differ.

* ``BodyMassScale(env, scale)``: every body's mass (the world body excepted) times ``scale``;
  inertias scale with it, as for a body of the same shape and a denser material.
* ``FrictionScale(env, scale)``: every geom's sliding friction times ``scale``.
* ``ActionNoise(env, scale)``: Gaussian noise of standard deviation ``scale`` times the
  action box's half-width added to each action, then clipped to the box.
* ``RandomPushes(env, scale)``: every ``interval`` steps, with probability ``probability``, a
  horizontal force of ``scale`` newtons in a uniformly random direction on the root body for
  ``duration`` steps (MuJoCo's ``xfrc_applied``).

Each takes its strength as ``scale``; ``PERTURBATIONS`` maps names to (wrapper, strengths to
sweep, the strength that leaves the task unchanged). Randomness (noise, pushes) comes from a
generator seeded by ``reset(seed=...)``.
"""
import gymnasium
import numpy as np


def _model(env):
    model = getattr(env.unwrapped, "model", None)
    if model is None or not hasattr(model, "body_mass"):
        raise ValueError(f"{env.spec.id if env.spec else type(env.unwrapped).__name__} is not "
                         f"a MuJoCo environment: it has no model to perturb")
    return model


class BodyMassScale(gymnasium.Wrapper):
    def __init__(self, env, scale):
        super().__init__(env)
        if not scale > 0:
            raise ValueError(f"mass scale must be positive, got {scale}")
        self.scale = float(scale)
        model = _model(env)
        model.body_mass[1:] = model.body_mass[1:] * self.scale
        model.body_inertia[1:] = model.body_inertia[1:] * self.scale


class FrictionScale(gymnasium.Wrapper):
    def __init__(self, env, scale):
        super().__init__(env)
        if not scale > 0:
            raise ValueError(f"friction scale must be positive, got {scale}")
        self.scale = float(scale)
        model = _model(env)
        model.geom_friction[:, 0] = model.geom_friction[:, 0] * self.scale


class ActionNoise(gymnasium.ActionWrapper):
    def __init__(self, env, scale):
        super().__init__(env)
        if scale < 0:
            raise ValueError(f"action noise must be non-negative, got {scale}")
        self.scale = float(scale)
        self._rng = np.random.default_rng()

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng([seed, 1])
        return super().reset(seed=seed, options=options)

    def action(self, action):
        low, high = self.action_space.low, self.action_space.high
        noise = self._rng.normal(size=np.shape(action)) * self.scale * (high - low) / 2
        return np.clip(action + noise, low, high).astype(self.action_space.dtype)


class RandomPushes(gymnasium.Wrapper):
    def __init__(self, env, scale, interval=50, duration=5, probability=1.0, body=1):
        super().__init__(env)
        if scale < 0:
            raise ValueError(f"push force must be non-negative, got {scale}")
        _model(env)
        self.scale = float(scale)
        self.interval, self.duration = int(interval), int(duration)
        self.probability, self.body = float(probability), int(body)
        self._rng = np.random.default_rng()
        self._step = 0
        self.force = np.zeros(3)  # the force being applied now

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng([seed, 2])
        self._step = 0
        self._apply(np.zeros(3))
        return super().reset(seed=seed, options=options)

    def _apply(self, force):
        self.force = force
        self.env.unwrapped.data.xfrc_applied[self.body, :3] = force

    def step(self, action):
        phase = self._step % self.interval
        if phase == 0 and self._step > 0 and self._rng.uniform() < self.probability:
            angle = self._rng.uniform(0, 2 * np.pi)
            self._apply(self.scale * np.array([np.cos(angle), np.sin(angle), 0.0]))
        elif phase == self.duration:
            self._apply(np.zeros(3))
        self._step += 1
        return super().step(action)


# name: (wrapper, strengths swept, the strength of the unperturbed task)
PERTURBATIONS = {
    "mass": (BodyMassScale, (0.5, 0.75, 1.0, 1.5, 2.0), 1.0),
    "friction": (FrictionScale, (0.5, 0.75, 1.0, 1.5, 2.0), 1.0),
    "action_noise": (ActionNoise, (0.0, 0.1, 0.2, 0.3, 0.5), 0.0),
    "push": (RandomPushes, (0.0, 25.0, 50.0, 100.0, 200.0), 0.0),
}


def perturbed(env, name, strength):
    """``env`` under the perturbation ``name`` at ``strength`` (the unperturbed strength:
    ``env`` itself)."""
    if name not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r}; valid choices: "
                         f"{', '.join(PERTURBATIONS)}")
    wrapper, _, neutral = PERTURBATIONS[name]
    return env if strength == neutral else wrapper(env, strength)
