"""Small tabular MDPs for tests and examples.

* :func:`random_mdp` - dense random dynamics (Dirichlet rows) and random rewards.
* :func:`cliff_gridworld` - a gridworld with a stochastic cliff: acting from a cell on the cliff
  edge carries a chance of being blown into the cliff, so a reward-maximising agent hugs the
  edge (short path, risky) while soft agents at higher temperature keep away from it and spread
  over the many safer paths.
"""

import dataclasses
from typing import Optional, Tuple

import numpy as np

from softlearning_tf2.inference import _validation


@dataclasses.dataclass(frozen=True, eq=False)
class TabularMDP:
    """Dynamics ``transitions[s, a, s'] = p(s'|s, a)``, rewards ``r(s, a)`` and a start law."""

    transitions: np.ndarray
    rewards: np.ndarray
    initial_state_distribution: np.ndarray

    @property
    def num_states(self):
        return self.transitions.shape[0]

    @property
    def num_actions(self):
        return self.transitions.shape[1]


@dataclasses.dataclass(frozen=True, eq=False)
class GridworldMDP(TabularMDP):
    """A :class:`TabularMDP` laid out on a grid; state ``s`` is cell ``divmod(s, width)``."""

    shape: Tuple[int, int] = (0, 0)
    start: Tuple[int, int] = (0, 0)
    goal: Tuple[int, int] = (0, 0)
    cliff: Tuple[Tuple[int, int], ...] = ()
    edge: Tuple[Tuple[int, int], ...] = ()
    action_names: Tuple[str, ...] = ()
    action_offsets: Tuple[Tuple[int, int], ...] = ()
    slip_probability: float = 0.0

    def state(self, row, col):
        return row * self.shape[1] + col

    def cell(self, state):
        return divmod(int(state), self.shape[1])

    def action(self, name):
        return self.action_names.index(name)

    def to_grid(self, per_state_values):
        """Reshape a ``[S, ...]`` array to ``[height, width, ...]``."""
        per_state_values = np.asarray(per_state_values)
        return per_state_values.reshape(self.shape + per_state_values.shape[1:])


def random_mdp(num_states, num_actions, seed=0, concentration=1.0, reward_scale=1.0,
               reward_offset=0.0):
    """Random MDP with ``p(.|s, a) ~ Dirichlet(concentration)`` and Gaussian rewards.

    Rewards are ``reward_offset + reward_scale * N(0, 1)``; the start distribution is uniform.
    Dense Dirichlet rows make every state reachable from every state-action pair, so sampled
    algorithms explore well on these problems.
    """
    num_states = _validation.check_positive_int(num_states, "num_states")
    num_actions = _validation.check_positive_int(num_actions, "num_actions")
    concentration = _validation.check_positive_scalar(concentration, "concentration")
    rng = np.random.default_rng(seed)
    transitions = rng.dirichlet(np.full(num_states, concentration),
                                size=(num_states, num_actions))
    rewards = reward_offset + reward_scale * rng.standard_normal((num_states, num_actions))
    initial = np.full(num_states, 1.0 / num_states)
    return TabularMDP(transitions, rewards, initial)


_ACTION_NAMES = ("up", "right", "down", "left")
_ACTION_OFFSETS = ((-1, 0), (0, 1), (1, 0), (0, -1))


def cliff_gridworld(height=4, width=7, slip_probability=0.1, step_reward=-1.0,
                    cliff_reward=-20.0, goal_reward=0.0, cliff: Optional[tuple] = None):
    """Gridworld with a goal and a stochastic cliff.

    Layout (default 4 x 7): start ``S`` bottom-left, goal ``G`` bottom-right, cliff ``C`` on the
    bottom row between them, and the cliff *edge* ``e`` the cells directly above the cliff::

        . . . . . . .
        . . . . . . .
        . e e e e e .
        S C C C C C G

    Actions are up, right, down, left; a move into a wall leaves the agent in place.

    * From an edge cell, whatever the action, a gust blows the agent one cell down into the
      cliff with probability ``slip_probability``; otherwise the intended move happens.
    * Every action taken outside the cliff and goal earns ``step_reward``.
    * A cliff cell is a "fall": any action there earns ``cliff_reward`` and returns the agent to
      the start (so falling costs the penalty plus the walk back).
    * The goal is absorbing and earns ``goal_reward`` per step.

    The hard-optimal policy walks along the edge (shortest path, accepting the slip risk when
    the penalty is moderate). Max-ent policies value the number of good paths as well as their
    length, and at higher temperature move up, away from the cliff.

    Args:
      height, width: grid size (height >= 2, width >= 3).
      slip_probability: chance of falling when acting from an edge cell, in ``[0, 1]``.
      step_reward, cliff_reward, goal_reward: rewards described above.
      cliff: optional iterable of ``(row, col)`` cliff cells; default the bottom row between
        start and goal. Edge cells are the non-cliff, non-goal cells directly above a cliff cell.

    Returns:
      A :class:`GridworldMDP` whose start distribution puts all mass on the start cell.
    """
    height = _validation.check_positive_int(height, "height", minimum=2)
    width = _validation.check_positive_int(width, "width", minimum=3)
    slip_probability = _validation.check_probability(slip_probability, "slip_probability")
    for name, value in (("step_reward", step_reward), ("cliff_reward", cliff_reward),
                        ("goal_reward", goal_reward)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}.")

    start, goal = (height - 1, 0), (height - 1, width - 1)
    if cliff is None:
        cliff_cells = tuple((height - 1, col) for col in range(1, width - 1))
    else:
        cliff_cells = tuple(sorted({(int(r), int(c)) for r, c in cliff}))
        for cell in cliff_cells:
            if not (0 <= cell[0] < height and 0 <= cell[1] < width):
                raise ValueError(f"cliff cell {cell} lies outside the {height}x{width} grid.")
            if cell in (start, goal):
                raise ValueError(f"cliff cell {cell} may not be the start or the goal.")
    cliff_set = set(cliff_cells)
    edge_cells = tuple(sorted(
        (row - 1, col) for row, col in cliff_cells
        if row >= 1 and (row - 1, col) not in cliff_set and (row - 1, col) != goal))

    num_states, num_actions = height * width, len(_ACTION_NAMES)
    index = lambda row, col: row * width + col  # noqa: E731 - tiny local helper.
    transitions = np.zeros((num_states, num_actions, num_states))
    rewards = np.zeros((num_states, num_actions))
    for row in range(height):
        for col in range(width):
            s = index(row, col)
            if (row, col) == goal:
                transitions[s, :, s] = 1.0
                rewards[s, :] = goal_reward
                continue
            if (row, col) in cliff_set:
                transitions[s, :, index(*start)] = 1.0
                rewards[s, :] = cliff_reward
                continue
            rewards[s, :] = step_reward
            slip = slip_probability if (row, col) in edge_cells else 0.0
            for a, (d_row, d_col) in enumerate(_ACTION_OFFSETS):
                next_row = min(max(row + d_row, 0), height - 1)
                next_col = min(max(col + d_col, 0), width - 1)
                transitions[s, a, index(next_row, next_col)] += 1.0 - slip
                if slip > 0.0:
                    transitions[s, a, index(row + 1, col)] += slip

    initial = np.zeros(num_states)
    initial[index(*start)] = 1.0
    return GridworldMDP(
        transitions=transitions, rewards=rewards, initial_state_distribution=initial,
        shape=(height, width), start=start, goal=goal, cliff=cliff_cells, edge=edge_cells,
        action_names=_ACTION_NAMES, action_offsets=_ACTION_OFFSETS,
        slip_probability=slip_probability)
