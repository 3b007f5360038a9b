"""The test-problem builders produce valid MDPs with the advertised structure."""

import numpy as np
import pytest

from softlearning_tf2.inference import (
    cliff_gridworld, discounted_state_visitation, hard_value_iteration, random_mdp,
    soft_value_iteration)


def test_random_mdp_is_valid_and_seeded():
    first, second = random_mdp(7, 3, seed=4), random_mdp(7, 3, seed=4)
    other = random_mdp(7, 3, seed=5)
    assert first.transitions.shape == (7, 3, 7) and first.rewards.shape == (7, 3)
    np.testing.assert_allclose(first.transitions.sum(axis=-1), 1.0)
    assert np.all(first.transitions >= 0)
    np.testing.assert_array_equal(first.transitions, second.transitions)
    assert not np.allclose(first.rewards, other.rewards)


def test_cliff_gridworld_structure():
    mdp = cliff_gridworld(height=4, width=7, slip_probability=0.1, cliff_reward=-20.0)
    np.testing.assert_allclose(mdp.transitions.sum(axis=-1), 1.0)
    assert mdp.num_states == 28 and mdp.num_actions == 4
    assert mdp.cliff == tuple((3, col) for col in range(1, 6))
    assert mdp.edge == tuple((2, col) for col in range(1, 6))
    right, down = mdp.action("right"), mdp.action("down")
    # From an edge cell, moving right: 0.9 to the right neighbour, 0.1 blown into the cliff.
    s = mdp.state(2, 3)
    assert mdp.transitions[s, right, mdp.state(2, 4)] == pytest.approx(0.9)
    assert mdp.transitions[s, right, mdp.state(3, 3)] == pytest.approx(0.1)
    # Moving down from the edge lands in the cliff for sure.
    assert mdp.transitions[s, down, mdp.state(3, 3)] == pytest.approx(1.0)
    # Away from the edge moves are deterministic; walls keep the agent in place.
    assert mdp.transitions[mdp.state(0, 0), mdp.action("up"), mdp.state(0, 0)] == 1.0
    # Falling costs the cliff reward and sends the agent back to the start.
    cliff = mdp.state(3, 2)
    assert np.all(mdp.rewards[cliff] == -20.0)
    assert np.all(mdp.transitions[cliff, :, mdp.state(*mdp.start)] == 1.0)
    goal = mdp.state(*mdp.goal)
    assert np.all(mdp.transitions[goal, :, goal] == 1.0)
    assert mdp.initial_state_distribution[mdp.state(*mdp.start)] == 1.0


def edge_occupancy(mdp, policy, discount):
    visitation = discounted_state_visitation(mdp.transitions, policy, discount,
                                             mdp.initial_state_distribution)
    return sum(visitation[mdp.state(*cell)] for cell in mdp.edge)


def test_low_slip_cliff_hard_policy_hugs_edge_and_soft_policies_back_off():
    mdp = cliff_gridworld(slip_probability=0.02, cliff_reward=-10.0)
    discount = 0.95
    _, _, greedy = hard_value_iteration(mdp.transitions, mdp.rewards, discount)
    occupancies = [edge_occupancy(mdp, greedy, discount)]
    for temperature in (0.1, 0.5, 1.0, 2.0):
        _, _, policy = soft_value_iteration(mdp.transitions, mdp.rewards, discount, temperature)
        occupancies.append(edge_occupancy(mdp, policy, discount))
    assert occupancies[0] > 0.2
    assert np.all(np.diff(occupancies) < 0)


def test_bad_gridworld_arguments():
    with pytest.raises(ValueError, match="slip_probability"):
        cliff_gridworld(slip_probability=1.5)
    with pytest.raises(ValueError, match="outside"):
        cliff_gridworld(cliff=[(9, 9)])
    with pytest.raises(ValueError, match="start or the goal"):
        cliff_gridworld(cliff=[(3, 0)])
