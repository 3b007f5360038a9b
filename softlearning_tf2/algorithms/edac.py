"""SAC-N and EDAC: clipped Q-learning over a large ensemble, for offline training.

An, Moon, Kim & Song 2021, "Uncertainty-Based Offline Reinforcement Learning with Diversified
Q-Ensemble", arXiv:2110.01548. SAC-N is SAC (``sac.py``) with N Q functions instead of two:
the target and the policy take the minimum over all N, which penalizes actions where the
ensemble disagrees (SAC's class with ``feedforward_Q_ensemble``: the ``SAC-N`` variant).
EDAC adds a term to the critics' loss that spreads the ensemble's gradients with respect to
the action, so that a smaller N penalizes as much (its Eq. 5, the ensemble similarity ES).
Trained from a dataset (``--dataset``), with no sampler: ``rl_algorithm.py``'s offline loop.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.utils.validation import check_hyperparameters

GRADIENT_NORM_EPSILON = 1e-10  # the authors' guard of the normalization


def ensemble_similarity(action_gradients):
    """ES(s, a) = 1 / (N - 1) * sum_{i != j} <g_i, g_j> / (|g_i| |g_j|), the mean over the
    batch, of the N critics' gradients g_i = grad_a Q_i(s, a), [N, B, |A|]."""
    count = tf.cast(tf.shape(action_gradients)[0], action_gradients.dtype)
    unit = action_gradients / (tf.norm(action_gradients, axis=-1, keepdims=True)
                               + GRADIENT_NORM_EPSILON)
    cosines = tf.einsum("ibk,jbk->bij", unit, unit)                               # [B, N, N]
    off_diagonal = tf.reduce_sum(cosines, axis=[1, 2]) - tf.linalg.trace(cosines)
    return tf.reduce_mean(off_diagonal) / (count - 1.0)


class EDAC(SAC):
    """EDAC: one update is SAC-N's (SAC's iteration over N critics) with the diversity term.

    In order, per update:

    * The target of SAC's Eq. 3, min_{j <= N} Qbar_j(s', a') - alpha log pi(a'|s').
    * Each Q_i, with its own Adam: 0.5 * mean((Q_i(s, a) - y)^2) + 0.5 * eta * ES(s, a)
      (``ensemble_similarity`` at the dataset's (s, a); the gradients of ES reach every Q
      through its second derivatives). The paper and the authors' code weigh their Bellman
      error without the 1/2; the diversity term gets the 1/2 here too, so ``eta`` is theirs.
    * The policy on alpha log pi(a~|s) - min_j Q_j(s, a~) (SAC's Eq. 7 over N), the
      temperature (Eq. 18), the targets.

    ES compares all N critics, as CORL's implementation does; the authors' code compares a
    random subset of min(N, |A|) of them per update.

    Args:
      eta: the diversity term's weight (the paper's MuJoCo setting: 1).
    """

    def __init__(self, *, eta=1.0, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(eta=eta)
        if len(self._Qs) < 2:
            raise ValueError(f"EDAC's diversity term compares critics: it needs n_critics >= 2, "
                             f"got {len(self._Qs)}")
        self._eta = float(eta)

    def action_gradients(self, observations, actions):
        """grad_a Q_i(s, a) of every critic, [N, B, |A|], differentiable once more."""
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(actions)
            values = [Q([observations, actions], training=True)[:, 0] for Q in self._Qs]
        gradients = tf.stack([tape.gradient(value, actions) for value in values])
        del tape
        return gradients

    def _Q_regularizer(self, batch, alpha):
        def diversity(Q_values):
            similarity = ensemble_similarity(
                self.action_gradients(batch["observations"], batch["actions"]))
            return 0.5 * self._eta * similarity, {"ensemble_similarity": similarity}
        return diversity
