"""Conservative Q-learning, CQL(H), for offline training.

Kumar, Zhou, Tucker & Levine 2020, "Conservative Q-Learning for Offline Reinforcement
Learning", arXiv:2006.04779. CQL is SAC (``sac.py``; its equation numbers are SAC's paper's)
whose critics also minimize the conservative penalty of CQL(H) (the paper's Eq. 4):

    alpha_cql * (E_s[log sum_a exp Q(s, a)] - E_{(s, a) ~ D}[Q(s, a)]),

which pushes Q down where the policy and uniform actions would go and up on the dataset's own
actions, so that the policy cannot climb the critics' errors on actions the data never shows.
Trained from a dataset (``--dataset``), with no sampler: ``rl_algorithm.py``'s offline loop.
"""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam, min_Q
from softlearning_tf2.algorithms.sac import SAC
from softlearning_tf2.utils.validation import check_hyperparameters

ALPHA_PRIME_BOUNDS = (0.0, 1e6)  # the authors' clip of the Lagrange multiplier
CQL_STREAM = 0x43514C  # "CQL": the uniform actions' seed stream


def importance_sampled_logsumexp(uniform_Q, uniform_log_density, policy_Q, policy_log_probs,
                                 temperature=1.0):
    """T * log sum_a exp(Q(s, a) / T), estimated per state from sampled actions (the paper's
    Appendix F): each sampled Q value less the log density it was drawn from, the uniform
    actions' and the policy's (at s and at s', both evaluated at s), pooled, log-sum-exp'd.

    uniform_Q [B, n]; uniform_log_density: a number (|A| log 1/2 on [-1, 1]^|A|);
    policy_Q, policy_log_probs [B, m] (the policy's draws, log-probs held constant). As in the
    authors' code, the estimate's constant -log(n + m) is left out: it moves no gradient, and
    the Lagrange variant's threshold is calibrated without it.
    """
    weighted = tf.concat([uniform_Q - uniform_log_density,
                          policy_Q - tf.stop_gradient(policy_log_probs)], axis=1)
    return temperature * tf.reduce_logsumexp(weighted / temperature, axis=1)


class CQL(SAC):
    """CQL(H): one update is SAC's iteration with the penalty in the critics' loss.

    In order, per update:

    * The soft Q target of SAC's Eq. 3 over the clipped double-Q target networks; with
      ``backup_entropy=False`` (the authors' MuJoCo setting and CORL's) without the
      -alpha log pi(a'|s') term.
    * Sampled actions, for each observation: ``cql_n_actions`` uniform on [-1, 1]^|A|, as many
      from pi(.|s) and from pi(.|s') (the policy's noise stream; the sample at s' is evaluated
      at s, as in the authors' code), all held constant.
    * Each Q_i, with its own Adam: 0.5 * mean((Q_i(s, a) - y)^2) + 0.5 * alpha' * alpha_cql *
      (gap_i - tau), gap_i = mean_s(importance_sampled_logsumexp) - mean_D(Q_i(s, a)); alpha'
      = 1 and tau = 0 without the Lagrange variant. The authors' code and CORL weigh their
      Bellman error without the 1/2; the penalty gets the 1/2 here too, so that
      ``cql_alpha`` is theirs and Adam's step the same.
    * With ``cql_lagrange``: an Adam step of log alpha' on -alpha' * alpha_cql *
      mean_i(gap_i - tau) (the paper's Lagrange form of CQL(H), tau =
      ``cql_target_action_gap``, in CORL's form, where tau is a threshold on the gap itself
      whatever alpha_cql; the authors' code subtracts tau after weighting, with weight 1):
      alpha' rises while the gap exceeds tau and falls below it; alpha' is clipped to
      [0, 1e6].
    * The policy (SAC's Eq. 7 on min_j Q_j) and the temperature (Eq. 18), then the targets.

    Args:
      cql_alpha: the penalty's weight (CORL's MuJoCo setting: 10).
      cql_n_actions: actions per source (uniform, pi(s), pi(s')) and per state (10).
      cql_temperature: T of the log-sum-exp (1).
      cql_lagrange: learn alpha' so that the gap stays near ``cql_target_action_gap``.
      backup_entropy: keep SAC's entropy term in the target.
    """

    def __init__(self, *, cql_alpha=10.0, cql_n_actions=10, cql_temperature=1.0,
                 cql_lagrange=False, cql_target_action_gap=10.0, cql_alpha_prime_lr=3e-4,
                 backup_entropy=False, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(cql_alpha=cql_alpha, cql_n_actions=cql_n_actions,
                              cql_temperature=cql_temperature, cql_lagrange=cql_lagrange,
                              cql_target_action_gap=cql_target_action_gap,
                              cql_alpha_prime_lr=cql_alpha_prime_lr,
                              backup_entropy=backup_entropy)
        self._cql_alpha = float(cql_alpha)
        self._n_actions = int(cql_n_actions)
        self._cql_temperature = float(cql_temperature)
        self._lagrange = bool(cql_lagrange)
        self._target_action_gap = float(cql_target_action_gap) if self._lagrange else 0.0
        self._backup_entropy = bool(backup_entropy)
        # A stream of its own (the diagnostics' streams are [seed, epoch]).
        seed = np.random.SeedSequence(
            [self._diagnostics_seed, CQL_STREAM]).generate_state(1)[0]
        self._uniform_generator = tf.random.Generator.from_seed(int(seed))
        self._track_variable("cql_uniform_noise_state", self._uniform_generator.state)
        if self._lagrange:
            self._log_alpha_prime = self._track_variable(
                "log_alpha_prime", tf.Variable(0.0, dtype=tf.float32, name="log_alpha_prime"))
            self._alpha_prime_optimizer = self._track_optimizer(
                "alpha_prime", Adam(learning_rate=cql_alpha_prime_lr, name="alpha_prime_adam"))
            self._alpha_prime_optimizer.build([self._log_alpha_prime])

    def alpha_prime(self):
        """The Lagrange multiplier alpha' (1 without the Lagrange variant)."""
        if not self._lagrange:
            return tf.constant(1.0)
        return tf.clip_by_value(tf.exp(self._log_alpha_prime), *ALPHA_PRIME_BOUNDS)

    def _soft_Q_target(self, batch, alpha):
        if self._backup_entropy:
            return super()._soft_Q_target(batch, alpha)
        next_observations = batch["next_observations"]
        next_actions, _ = self._policy.actions_and_log_probs(next_observations)
        return self._bellman_target(
            batch, min_Q(self._Q_targets, next_observations, next_actions, training=True))

    def _sampled_actions(self, batch):
        """(observations repeated n times [B * n, ...], uniform actions, policy actions at s
        and at s' [B * 2n, |A|] and their log-probs [B, 2n])."""
        n = self._n_actions
        observations = tf.repeat(batch["observations"], n, axis=0)
        next_observations = tf.repeat(batch["next_observations"], n, axis=0)
        action_size = self._training_environment.action_size
        uniform = self._uniform_generator.uniform(
            [tf.shape(observations)[0], action_size], -1.0, 1.0)
        current, current_log_probs = self._policy.actions_and_log_probs(observations)
        following, following_log_probs = self._policy.actions_and_log_probs(next_observations)
        log_probs = tf.concat([tf.reshape(current_log_probs, [-1, n]),
                               tf.reshape(following_log_probs, [-1, n])], axis=1)
        return (observations, uniform, tf.stop_gradient(tf.concat([current, following], 0)),
                log_probs)

    def conservative_gaps(self, batch, Q_values):
        """gap_i = mean_s(T log sum_a exp(Q_i(s, a) / T)) - mean_D Q_i(s, a), [N]."""
        n = self._n_actions
        observations, uniform, policy_actions, log_probs = self._sampled_actions(batch)
        uniform_log_density = self._training_environment.action_size * np.log(0.5)
        gaps = []
        for Q, Q_value in zip(self._Qs, Q_values):
            values = Q([tf.concat([observations] * 3, axis=0),
                        tf.concat([uniform, policy_actions], axis=0)], training=True)[:, 0]
            uniform_Q, current_Q, following_Q = tf.split(values, 3)
            policy_Q = tf.concat([tf.reshape(current_Q, [-1, n]),
                                  tf.reshape(following_Q, [-1, n])], axis=1)
            soft_maximum = importance_sampled_logsumexp(
                tf.reshape(uniform_Q, [-1, n]), uniform_log_density, policy_Q, log_probs,
                self._cql_temperature)
            gaps.append(tf.reduce_mean(soft_maximum) - tf.reduce_mean(Q_value))
        return tf.stack(gaps)

    def _Q_regularizer(self, batch, alpha):
        alpha_prime = tf.stop_gradient(self.alpha_prime())

        def penalty(Q_values):
            gaps = self.conservative_gaps(batch, Q_values)
            penalties = alpha_prime * self._cql_alpha * (gaps - self._target_action_gap)
            return 0.5 * tf.reduce_sum(penalties), {"cql_gap": gaps,
                                                     "cql_alpha_prime": alpha_prime}
        return penalty

    def _update_Qs(self, batch, Q_target, regularizer=None):
        Q_values, Q_losses, diagnostics = super()._update_Qs(batch, Q_target, regularizer)
        if self._lagrange:
            diagnostics["cql_alpha_prime_loss"] = self._alpha_prime_step(
                tf.stop_gradient(diagnostics["cql_gap"]))
        return Q_values, Q_losses, diagnostics

    def _alpha_prime_step(self, gaps):
        """One Adam step of log alpha' on -alpha' * alpha_cql * mean_i(gap_i - tau)."""
        with tf.GradientTape() as tape:
            loss = -self.alpha_prime() * self._cql_alpha * tf.reduce_mean(
                gaps - self._target_action_gap)
        gradients = tape.gradient(loss, [self._log_alpha_prime])
        self._alpha_prime_optimizer.apply_gradients(zip(gradients, [self._log_alpha_prime]))
        return loss
