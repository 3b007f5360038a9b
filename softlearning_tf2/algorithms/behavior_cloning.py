"""Behaviour cloning: the baseline of every offline table.

The policy maximizes the likelihood of the dataset's actions, with no value function:
J_BC(phi) = -E_{(s, a) ~ D}[log pi_phi(a|s)] (Pomerleau 1991's supervised imitation, as in
the offline RL papers' "BC" rows: CQL's arXiv:2006.04779, EDAC's arXiv:2110.01548, CORL's
tables). With the squashed Gaussian policy, log pi(a|s) is the tanh-transformed density;
saturated actions (|a| = 1) are pulled in to 1 - 1e-6 first (``log_probs``). Trained from a
dataset (``--dataset``), with no sampler: ``rl_algorithm.py``'s offline loop.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam
from softlearning_tf2.algorithms.rl_algorithm import RLAlgorithm
from softlearning_tf2.utils.validation import check_hyperparameters


class BehaviorCloning(RLAlgorithm):
    """One update: one Adam step of the policy on J_BC, on one batch of the dataset.

    Args:
      policy_lr: the Adam's learning rate.
    """

    def __init__(self, *, policy_lr=1e-4, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(policy_lr=policy_lr)
        if not hasattr(self._policy, "log_probs") or not self._policy.trainable_variables:
            raise ValueError(f"behaviour cloning fits a policy with a likelihood; "
                             f"{type(self._policy).__name__} has none")
        self._policy_optimizer = Adam(learning_rate=policy_lr, name="policy_adam")
        self._policy_optimizer.build(self._policy.trainable_variables)
        self._track_optimizer("policy", self._policy_optimizer)

    def behavior_cloning_loss(self, observations, actions):
        """-mean log pi(a|s) over the batch."""
        return -tf.reduce_mean(self._policy.log_probs(observations, actions))

    def _update_step(self, batch):
        variables = self._policy.trainable_variables
        with tf.GradientTape() as tape:
            loss = self.behavior_cloning_loss(batch["observations"], batch["actions"])
        self._policy_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        deterministic = self._policy.deterministic_actions(batch["observations"])
        return {"bc_loss": loss,
                "action_mse": tf.reduce_mean(tf.square(deterministic - batch["actions"]))}
