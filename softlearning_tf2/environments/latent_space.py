"""The environment of a level above a frozen latent-space policy (Haarnoja et al. 2018,
"Latent Space Policies for Hierarchical Reinforcement Learning", arXiv:1804.02808, Sec. 4).

A trained ``LatentSpacePolicy`` (or ``RealNVPPolicy``; a tanh-Gaussian is the degenerate case,
an elementwise affine map of its noise) is an invertible map a = f(h; s) from a latent h to
its environment's action. Frozen, it becomes part of the environment of the level above:
that level observes what level one observes, chooses h, and level one turns h into the base
environment's action. Every base action stays reachable (f is a bijection onto the action
box), so the level above can solve tasks level one never saw.

``LatentSpace-MultiGoal-v0``: the level above on ``MultiGoal-Default-v0``; its kwargs are
``checkpoint`` (level one's checkpoint directory) and ``base_kwargs`` (``MultiGoalEnv``'s,
e.g. ``{"goals": [[4, 4]]}`` for a goal level one was not trained on). The level above acts
in [-1, 1]^d like every policy here; its action maps to the latent by atanh
(``latent_from_unit_action``), so a tanh-Gaussian level above has the latent as its
pre-squash Gaussian. ``info`` holds ``latent`` and ``level_below_action``.
"""
import gymnasium
import numpy as np

ENV_ID = "LatentSpace-MultiGoal-v0"
LEVEL_BELOW_POLICIES = ("LatentSpacePolicy", "RealNVPPolicy", "FeedforwardGaussianPolicy")


def latent_from_unit_action(actions, epsilon=1e-6):
    """h = atanh(a) for the level above's action a in [-1, 1]^d (clipped to 1 - 1e-6)."""
    return np.arctanh(np.clip(np.asarray(actions, np.float64), -1.0 + epsilon, 1.0 - epsilon))


class LevelBelow:
    """A frozen policy read from a checkpoint, acting from a given latent."""

    def __init__(self, checkpoint_dir):
        import tensorflow as tf

        from softlearning_tf2.checkpoints import Checkpoint
        from softlearning_tf2.policies.trained_policy import load_policy, make_environment

        checkpoint = Checkpoint.read(checkpoint_dir, for_acting=True)
        class_name = checkpoint.variant["policy_params"]["class_name"]
        if class_name not in LEVEL_BELOW_POLICIES:
            raise ValueError(f"the level below must be an invertible map of its noise "
                             f"({', '.join(LEVEL_BELOW_POLICIES)}); {checkpoint_dir} holds a "
                             f"{class_name}")
        environment = make_environment(checkpoint.environment_params)
        self.policy = load_policy(checkpoint, environment)
        environment.close()
        self.environment_id = f"{checkpoint.environment_params['domain']}-" \
                              f"{checkpoint.environment_params['task']}"
        self._act = tf.function(
            self.policy.actions_from_noise,
            input_signature=[self.policy.observation_spec,
                             tf.TensorSpec([None, self.policy.action_size], tf.float32)],
            autograph=False)

    def action(self, observation, latent):
        """Level one's action in [-1, 1]^d for one observation and one latent."""
        observation = np.asarray(observation, np.float32)[None]
        latent = np.asarray(latent, np.float32)[None]
        return self._act(observation, latent).numpy()[0].astype(np.float64)


class LatentSpaceEnvironment(gymnasium.Wrapper):
    """``env`` seen from the level above a frozen policy (see the module docstring).

    Without ``checkpoint`` the wrapper still has its spaces (so the task's spaces can be
    inspected), and ``reset`` says what is missing.
    """

    def __init__(self, env, checkpoint=None):
        super().__init__(env)
        shape = env.action_space.shape
        self.action_space = gymnasium.spaces.Box(-1.0, 1.0, shape, np.float32)
        self._checkpoint = checkpoint
        self._level_below = None
        self._observation = None

    @property
    def level_below(self):
        if self._level_below is None:
            if self._checkpoint is None:
                raise ValueError(f"{ENV_ID} needs kwargs.checkpoint: the directory of the "
                                 f"level below's checkpoint")
            self._level_below = LevelBelow(self._checkpoint)
            if self._level_below.policy.action_size != self.action_space.shape[0]:
                raise ValueError(f"the level below acts in {self._level_below.policy.action_size}"
                                 f" dimensions; this environment in {self.action_space.shape[0]}")
        return self._level_below

    def reset(self, **kwargs):
        self.level_below  # noqa: B018 (fails here, before an episode, without a checkpoint)
        observation, info = self.env.reset(**kwargs)
        self._observation = observation
        return observation, info

    def step(self, action):
        latent = latent_from_unit_action(action)
        below = self.level_below.action(self._observation, latent)
        low, high = self.env.action_space.low, self.env.action_space.high
        base_action = low + (np.clip(below, -1.0, 1.0) + 1.0) * 0.5 * (high - low)
        observation, reward, terminated, truncated, info = self.env.step(
            base_action.astype(self.env.action_space.dtype))
        self._observation = observation
        return observation, reward, terminated, truncated, {
            **info, "latent": latent, "level_below_action": below}


def make_latent_space_environment(checkpoint=None, base_id="MultiGoal-Default-v0",
                                  base_kwargs=None, render_mode=None):
    base_kwargs = dict(base_kwargs or {})
    if render_mode is not None:
        base_kwargs["render_mode"] = render_mode
    return LatentSpaceEnvironment(gymnasium.make(base_id, **base_kwargs), checkpoint)


def register_environments():
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(ENV_ID, entry_point=f"{__name__}:make_latent_space_environment")


register_environments()
