"""Truncated Quantile Critics.

Kuznetsov, Shvechikov, Grishin & Vetrov 2020, "Controlling Overestimation Bias with Truncated
Mixture of Continuous Distributional Quantile Critics", arXiv:2005.04269 (its method section;
the update below follows its definitions in their order, with its notation). TQC is SAC whose
N critics each predict M quantiles of the return's distribution (``Q_params``:
``feedforward_Q_ensemble`` with ``n_critics`` and ``n_quantiles``): the target pools the N*M atoms of the target critics, drops the largest
d*N of them, and every critic regresses its quantiles onto what is left.
"""
import tensorflow as tf

from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.utils.validation import check_ensemble
from softlearning_tf2.models.observation_encoder import shared_features_once


def quantile_values(Z, observations, actions, training=False):
    """The M quantiles theta^1..M(s, a), [batch, M], of a quantile critic."""
    return Z([observations, actions], training=training)


def quantile_huber_loss(quantiles, target_atoms, kappa=1.0):
    """One critic's loss J_Z: the mean over the batch, its M quantiles and the kN target
    atoms of rho^H_tau_m(y_i - theta^m(s, a)).

    rho^H_tau(u) = |tau - 1(u < 0)| * L_H(u), with L_H(u) = 0.5 u^2 for |u| <= kappa and
    kappa (|u| - 0.5 kappa) beyond (the Huber loss, kappa = 1 in the paper), and the quantile
    fractions tau_m = (2m - 1) / (2M), m = 1..M. (The authors' code averages over the critics
    too, for one optimizer; here each critic has its own loss and Adam, as in the paper's
    J_Z(psi_n), which Adam's scale invariance makes the same step up to epsilon.)

    quantiles: [batch, M]; target_atoms: [batch, K], held constant.
    """
    num_quantiles = quantiles.shape[-1]
    taus = (tf.range(num_quantiles, dtype=quantiles.dtype) + 0.5) / num_quantiles
    errors = target_atoms[:, None, :] - quantiles[:, :, None]                    # [B, M, K]
    absolute = tf.abs(errors)
    huber = tf.where(absolute <= kappa, 0.5 * tf.square(errors),
                     kappa * (absolute - 0.5 * kappa))
    weights = tf.abs(taus[None, :, None] - tf.cast(errors < 0.0, quantiles.dtype))
    return tf.reduce_mean(weights * huber)


class TQC(SAC):
    """TQC: one update is SAC's iteration (critics, policy, temperature, targets) with the
    distributional critics.

    * Target: a' ~ pi(.|s'); the atoms z(s', a') of all N target critics
      (N*M values) sorted, the largest d*N dropped (d = ``top_quantiles_to_drop_per_net``),
      and for each of the kN left (k = M - d): y_i = reward_scale * r + discount *
      (1 - terminal) * (z_(i)(s', a') - alpha log pi(a'|s')). The entropy term is on every
      atom.
    * Critic loss J_Z(psi_n): each critic n, with its own Adam, on ``quantile_huber_loss`` of
      its M quantiles theta_n(s, a) against the kN targets y.
    * Policy loss J_pi: alpha log pi(a~|s) - (1/NM) sum_n sum_m theta_n^m(s, a~), the
      mean over every atom of every critic.
    * Temperature: SAC's (arXiv:1812.05905 Eq. 18), target entropy -|A|.
    * Targets: Polyak averaging with rate ``tau``.

    Args:
      top_quantiles_to_drop_per_net: d, fewer than the critics' M quantiles.
    """

    Q_values_at = staticmethod(quantile_values)
    Q_loss = staticmethod(quantile_huber_loss)
    scalar_critics = False

    def __init__(self, *, top_quantiles_to_drop_per_net=2, **kwargs):
        super().__init__(**kwargs)
        self._num_quantiles = int(self._Qs[0].output_shape[-1])
        check_ensemble(n_quantiles=self._num_quantiles,
                       top_quantiles_to_drop_per_net=top_quantiles_to_drop_per_net)
        self._top_quantiles_to_drop = int(top_quantiles_to_drop_per_net)
        self._num_target_atoms = (
            (self._num_quantiles - self._top_quantiles_to_drop) * len(self._Qs))

    @property
    def num_target_atoms(self):
        """kN: the atoms left in the target after the truncation."""
        return self._num_target_atoms

    def _all_atoms(self, Zs, observations, actions):
        """Every critic's quantiles side by side, [batch, N*M]."""
        with shared_features_once(Zs):
            return tf.concat([quantile_values(Z, observations, actions, training=True)
                              for Z in Zs], axis=1)

    def _soft_Q_target(self, batch, alpha):
        """The truncated mixture's atoms, one target per atom, [batch, kN]."""
        next_observations = batch["next_observations"]
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        atoms = tf.sort(self._all_atoms(self._Q_targets, next_observations, next_actions),
                        axis=1)
        kept = atoms[:, :self._num_target_atoms]
        return self._bellman_target(batch, kept - alpha * next_log_probs[:, None])

    def _policy_Q_estimate(self, observations, actions):
        """J_pi's estimate: the mean over all N*M atoms."""
        return tf.reduce_mean(self._all_atoms(self._Qs, observations, actions), axis=1)
