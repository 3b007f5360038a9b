"""A small tabular MDP as a gymnasium environment with one-hot observations.

The deep discrete algorithms see this environment like any other (observations are one-hot
float32 vectors of the state, actions are indices), while ``softlearning_tf2.inference`` solves
the same MDP exactly: the pair is how the deep algorithms are checked against the exact soft
value iteration (tests/algorithms/test_discrete_against_exact.py).

Registered as ``TabularMDP-Random-v0`` (a ``random_mdp`` with 5 states, 3 actions, episodes of
100 steps; ``gymnasium.make`` keywords ``num_states``, ``num_actions``, ``mdp_seed`` change it).
"""
import gymnasium
import numpy as np

from softlearning_tf2.inference.mdps import random_mdp


class TabularMDPEnvironment(gymnasium.Env):
    """Steps ``mdp`` (a ``TabularMDP``): s' ~ p(.|s, a), reward r(s, a), never terminal.

    ``mdp``: the MDP to step; when None, ``random_mdp(num_states, num_actions, mdp_seed)``.
    The start state is drawn from ``mdp.initial_state_distribution``.
    """

    metadata = {"render_modes": []}

    def __init__(self, mdp=None, num_states=5, num_actions=3, mdp_seed=0, render_mode=None):
        self.mdp = random_mdp(num_states, num_actions, seed=mdp_seed) if mdp is None else mdp
        self.render_mode = render_mode
        self.observation_space = gymnasium.spaces.Box(0.0, 1.0, (self.mdp.num_states,),
                                                      np.float32)
        self.action_space = gymnasium.spaces.Discrete(self.mdp.num_actions)
        self.state = None

    def one_hot(self, states):
        """One-hot float32 observations of an int state or an array of them."""
        return np.eye(self.mdp.num_states, dtype=np.float32)[states]

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state = int(self.np_random.choice(self.mdp.num_states,
                                               p=self.mdp.initial_state_distribution))
        return self.one_hot(self.state), {"state": self.state}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        action = int(action)
        reward = float(self.mdp.rewards[self.state, action])
        self.state = int(self.np_random.choice(self.mdp.num_states,
                                               p=self.mdp.transitions[self.state, action]))
        return self.one_hot(self.state), reward, False, False, {"state": self.state}


def register_environments():
    if "TabularMDP-Random-v0" not in gymnasium.registry:
        gymnasium.register("TabularMDP-Random-v0", entry_point=TabularMDPEnvironment,
                           max_episode_steps=100)


register_environments()
