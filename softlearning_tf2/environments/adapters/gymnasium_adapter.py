"""Gymnasium environments seen the way the algorithms expect them.

* Actions: the policy acts in [-1, 1]^d; the adapter maps them affinely onto the environment's
  own Box bounds (and clips, so a slightly out-of-range action never reaches the simulator).
* Observations: float32 (MuJoCo returns float64).
* ``terminated`` and ``truncated`` are passed through separately: a time-limit truncation is
  not a terminal state, and the Q target bootstraps through it.
"""
import gymnasium
import numpy as np


class GymnasiumAdapter(gymnasium.Wrapper):
    """Wraps ``gymnasium.make(f"{domain}-{task}")`` with normalized actions and float32 observations."""

    def __init__(self, domain, task, *, render_mode=None, **environment_kwargs):
        self.domain = domain
        self.task = task
        self.environment_id = f"{domain}-{task}"
        env = gymnasium.make(self.environment_id, render_mode=render_mode, **environment_kwargs)
        super().__init__(env)

        if not isinstance(env.action_space, gymnasium.spaces.Box):
            raise ValueError(
                f"{self.environment_id} has a {type(env.action_space).__name__} action space; "
                f"softlearning_tf2 supports continuous (Box) action spaces only")
        if not isinstance(env.observation_space, gymnasium.spaces.Box):
            raise ValueError(
                f"{self.environment_id} has a {type(env.observation_space).__name__} observation "
                f"space; softlearning_tf2 supports Box observation spaces only")
        low, high = env.action_space.low, env.action_space.high
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"{self.environment_id} has unbounded actions; they cannot be "
                             f"rescaled to [-1, 1]")

        self._action_low = low.astype(np.float64)
        self._action_high = high.astype(np.float64)
        self.action_space = gymnasium.spaces.Box(-1.0, 1.0, shape=low.shape, dtype=np.float32)
        self.observation_space = gymnasium.spaces.Box(
            env.observation_space.low.astype(np.float32),
            env.observation_space.high.astype(np.float32),
            dtype=np.float32)

    @property
    def max_episode_steps(self):
        spec = self.env.spec
        return None if spec is None else spec.max_episode_steps

    def to_environment_actions(self, actions):
        """Maps actions from [-1, 1] onto the environment's bounds (works on batches too)."""
        actions = np.clip(np.asarray(actions, dtype=np.float64), -1.0, 1.0)
        return self._action_low + (actions + 1.0) * 0.5 * (self._action_high - self._action_low)

    def reset(self, *, seed=None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        return np.asarray(observation, dtype=np.float32), info

    def step(self, action):
        environment_action = self.to_environment_actions(action).astype(
            self.env.action_space.dtype)
        observation, reward, terminated, truncated, info = self.env.step(environment_action)
        return (np.asarray(observation, dtype=np.float32), float(reward), bool(terminated),
                bool(truncated), info)
