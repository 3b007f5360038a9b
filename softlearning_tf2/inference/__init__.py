"""Exact inference and reference solvers for small tabular MDPs ("control as inference").

Reference implementations (numpy only) of the quantities in Levine (2018), "Reinforcement
Learning and Control as Probabilistic Inference: Tutorial and Review", arXiv:1805.00909. The
solvers are checked against each other and against closed forms (tests/inference); the deep
algorithms (continuous actions) are tested against closed forms and numpy re-computations, not
against these solvers, which need discrete actions.

* :func:`backward_messages`, :func:`posterior_policy`, :func:`posterior_dynamics` - exact
  finite-horizon inference with ``p(O_t | s_t, a_t) = exp(r(s_t, a_t))`` and the optimistic
  dynamics it implies.
* :func:`soft_value_iteration`, :func:`hard_value_iteration` - discounted soft / hard optimal
  values and policies; :func:`finite_horizon_soft_value_iteration` - the finite-horizon max-ent
  (variational, true-dynamics) counterpart of the backward messages.
* :func:`policy_evaluation`, :func:`discounted_state_visitation`,
  :func:`entropy_augmented_return` - exact evaluation of a given stochastic policy.
* :func:`maxent_policy_gradient` - likelihood-ratio max-ent policy gradient for a softmax policy
  (exact or sampled).
* :func:`tabular_soft_q_learning` - sampled soft Q-learning.
* :func:`random_mdp`, :func:`cliff_gridworld` - small test problems.
"""

from softlearning_tf2.inference.mdps import GridworldMDP, TabularMDP, cliff_gridworld, random_mdp
from softlearning_tf2.inference.messages import (
    backward_messages, posterior_dynamics, posterior_policy)
from softlearning_tf2.inference.policy_evaluation import (
    discounted_state_visitation, entropy_augmented_return, policy_evaluation)
from softlearning_tf2.inference.policy_gradient import (
    exact_maxent_policy_gradient, maxent_policy_gradient, softmax_policy)
from softlearning_tf2.inference.soft_q_learning import tabular_soft_q_learning
from softlearning_tf2.inference.soft_value_iteration import (
    finite_horizon_soft_value_iteration, hard_value_iteration, soft_value_iteration)

__all__ = [
    "GridworldMDP",
    "TabularMDP",
    "backward_messages",
    "cliff_gridworld",
    "discounted_state_visitation",
    "entropy_augmented_return",
    "exact_maxent_policy_gradient",
    "finite_horizon_soft_value_iteration",
    "hard_value_iteration",
    "maxent_policy_gradient",
    "policy_evaluation",
    "posterior_dynamics",
    "posterior_policy",
    "random_mdp",
    "soft_value_iteration",
    "softmax_policy",
    "tabular_soft_q_learning",
]
