"""Randomized Ensembled Double Q-learning.

Chen, Wang, Zhou & Ross 2021, "Randomized Ensembled Double Q-Learning: Learning Fast Without
a Model", arXiv:2101.05982, Algorithm 1 (its steps in order below). REDQ is SAC with an
ensemble of N Q functions (``Q_params``: ``feedforward_Q_ensemble`` with ``n_critics``), a
target that takes the minimum over a random subset of M of them, and G updates per
environment step (``n_train_repeat = policy_update_interval = G``): G critic steps, each on
its own batch, then one policy and temperature step.
"""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import mean_Q, min_Q
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.utils.validation import check_ensemble


class REDQ(SAC):
    """REDQ: one update (``_update_step``) is one pass of Algorithm 1's loop over G updates;
    the policy step follows every G-th one.

    * The subset: M distinct indices drawn uniformly from {1, ..., N}, afresh for each
      update, from a generator of their own (checkpointed).
    * The target: y = reward_scale * r + discount * (1 - terminal) *
      (min_{i in M} Qbar_i(s', a') - alpha log pi(a'|s')), a' ~ pi(.|s').
    * Each Q_i regresses on y: 0.5 * mean((Q_i(s, a) - y)^2), each with its own Adam.
    * Polyak averaging of every target, rate ``tau``.
    * Every ``policy_update_interval``-th update: the policy on
      alpha log pi(a~|s) - (1/N) sum_i Q_i(s, a~) (the mean over the whole ensemble, not the
      minimum), then the temperature (SAC's Eq. 18). As in the algorithm's listing, the
      policy sees the Q functions after the G-th critic step (the authors' code computes the
      policy loss of the last iteration just before that step's Q update applies).

    Args:
      subset_size: M, at most the ensemble's size; M = N is clipped double-Q over all of it
        (DroQ's two Q functions).
    """

    def __init__(self, *, subset_size=2, **kwargs):
        super().__init__(**kwargs)
        check_ensemble(n_critics=len(self._Qs), subset_size=subset_size)
        self._subset_size = int(subset_size)
        self._whole_ensemble = self._subset_size == len(self._Qs)
        if not self._whole_ensemble:  # M = N (DroQ) draws nothing: no stream to keep
            seed = np.random.SeedSequence([self._diagnostics_seed, 2]).generate_state(1)[0]
            self._subset_generator = tf.random.Generator.from_seed(int(seed))
            self._track_variable("subset_noise_state", self._subset_generator.state)

    @property
    def subset_size(self):
        return self._subset_size

    def draw_subset(self):
        """M distinct ensemble indices (int32), each M-subset equally likely."""
        keys = self._subset_generator.uniform([len(self._Qs)])
        return tf.argsort(keys)[:self._subset_size]

    def subset_min_Q(self, Qs, subset, observations, actions):
        """min_{i in subset} Q_i(s, a), [batch]; only the M chosen networks are evaluated."""
        def value_of(Q):
            return lambda: Q([observations, actions], training=True)[:, 0]

        branches = [value_of(Q) for Q in Qs]
        return tf.reduce_min([tf.switch_case(subset[position], branches)
                              for position in range(self._subset_size)], axis=0)

    def _soft_Q_target(self, batch, alpha):
        """The subset, then the target (with M = N, the minimum over all N and no draw)."""
        next_observations = batch["next_observations"]
        subset = None if self._whole_ensemble else self.draw_subset()
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        if self._whole_ensemble:
            next_Q_values = min_Q(self._Q_targets, next_observations, next_actions,
                                  training=True)
        else:
            next_Q_values = self.subset_min_Q(self._Q_targets, subset, next_observations,
                                              next_actions)
        return self._bellman_target(batch, next_Q_values - alpha * next_log_probs)

    def _policy_Q_estimate(self, observations, actions):
        """The policy's estimate: the ensemble's mean."""
        return mean_Q(self._Qs, observations, actions, training=True)
