"""Soft Actor-Critic with twin soft Q functions and automatic temperature.

Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications", arXiv:1812.05905.
Equation numbers below refer to that paper. One call of ``_update`` is one iteration of the
inner gradient loop of its Algorithm 1, in the same order: the soft Q functions, then the
policy, then the temperature, then the target networks.

The SAC family (REDQ, DroQ, TQC, CrossQ; offline: CQL, SAC-N, EDAC) is this class with its
parts replaced: ``_soft_Q_target`` (what the critics regress on), ``_update_Qs`` (their loss),
``_Q_regularizer`` (a term added to that loss: CQL's penalty, EDAC's diversity term),
``_policy_Q_estimate`` (what the policy maximizes), ``policy_update_interval`` (the policy
and temperature step on every k-th update only, after the critic steps of one environment
step), ``target_networks`` (whether there are any) and ``policy_step_training`` (the policy's
Keras mode in its own step).
"""
import tensorflow as tf

from softlearning_tf2.algorithms.common import min_Q, reparameterized_policy_step
from softlearning_tf2.algorithms.soft_q_algorithm import SoftQAlgorithm
from softlearning_tf2.utils.validation import check_hyperparameters

POLICY_DIAGNOSTICS = ("policy_loss", "alpha_loss", "entropy")


class SAC(SoftQAlgorithm):
    """SAC with clipped double-Q, Polyak-averaged targets and a learned temperature.

    Losses (all averaged over the batch):

    * Soft Q target (Eq. 3 with the soft value of Eq. 3's V(s') and clipped double-Q):
      y = reward_scale * r + discount * (1 - terminal) * (min_j Qbar_j(s', a') - alpha log pi(a'|s')),
      a' ~ pi(.|s'); Qbar are the target networks. ``terminal`` is gymnasium's ``terminated``:
      a time-limit truncation bootstraps.
    * Soft Q loss (Eq. 5): J_Q(theta_i) = 0.5 * (Q_i(s, a) - y)^2, for each Q.
    * Policy loss (Eq. 7, reparameterized as in Eq. 8):
      J_pi = alpha * log pi(a~|s) - min_j Q_j(s, a~), a~ = tanh(shift(s) + scale(s) * eps).
      The policy loss uses the minimum of the two Q functions, the same pessimistic estimate
      that forms the critic target: taking one Q would let the policy exploit that Q's
      over-estimation errors, which the twin critics exist to suppress (Sec. 5). The Q
      functions are those just updated in this iteration, as in Algorithm 1.
    * Temperature loss (Eq. 18), in ``Temperature``. The policy gradient treats alpha as a
      constant and the temperature gradient treats log pi as a constant.

    Noise draws per update, in order: the policy's noise for a' (next observations), then for
    a~ (observations). Each of the policy, every Q and the temperature has its own Adam.

    Args:
      target_entropy: 'auto' (= -|A|) or a number.
      fixed_alpha: if a number, the temperature stays at this value and is not learned
        (``target_entropy`` is then unused). If None, alpha is learned from ``initial_alpha``.
      target_update_interval: update the target networks every this many updates.
      policy_update_interval: the policy and temperature steps run on every this many-th
        update (1: every update). With ``n_train_repeat = policy_update_interval = G``, the
        G updates of one environment step are G critic steps and then one policy step (REDQ's
        Algorithm 1, DroQ).
    """

    # One Q value per critic (TQC's critics give quantiles).
    scalar_critics = True
    # Polyak-averaged copies of the Q functions form the target (CrossQ has none).
    target_networks = True
    # The Keras mode of the policy's network in the policy step (CrossQ's Batch
    # Renormalization moves its statistics there); elsewhere the policy runs in inference.
    policy_step_training = False

    def __init__(self, *, alpha_lr=3e-4, target_entropy="auto", initial_alpha=1.0,
                 fixed_alpha=None, policy_update_interval=1, **kwargs):
        super().__init__(**kwargs)
        check_hyperparameters(policy_update_interval=policy_update_interval)
        outputs = sorted({int(Q.output_shape[-1]) for Q in self._Qs})
        if self.scalar_critics and outputs != [1]:
            raise ValueError(f"{type(self).__name__}'s critics give one Q value each; these "
                             f"give {', '.join(map(str, outputs))} (n_quantiles needs TQC)")
        self._policy_update_interval = int(policy_update_interval)
        self._temperature = self._add_temperature(
            initial_alpha=initial_alpha, fixed_alpha=fixed_alpha, target_entropy=target_entropy,
            learning_rate=alpha_lr)
        self._Q_targets = self._add_Q_targets() if self.target_networks else ()
        if self._policy_update_interval > 1:
            # The last policy step's figures, reported by the updates between policy steps.
            self._last_policy_diagnostics = {
                name: self._track_variable(f"last_{name}", tf.Variable(0.0, trainable=False))
                for name in POLICY_DIAGNOSTICS}

    @property
    def alpha(self):
        return float(self._temperature())

    @property
    def Q_targets(self):
        return self._Q_targets

    # -- The update, in the order of Algorithm 1 -------------------------------------------
    def _soft_Q_target(self, batch, alpha):
        """y(r, s', d) of Eq. 3 with clipped double-Q target networks."""
        next_observations = batch["next_observations"]
        next_actions, next_log_probs = self._policy.actions_and_log_probs(next_observations)
        next_soft_values = (min_Q(self._Q_targets, next_observations, next_actions,
                                  training=True)
                            - alpha * next_log_probs)
        return self._bellman_target(batch, next_soft_values)

    def _policy_Q_estimate(self, observations, actions):
        """What the policy step maximizes beside the entropy: min_j Q_j(s, a~) (Eq. 7)."""
        return min_Q(self._Qs, observations, actions, training=True)

    def _update_step(self, batch):
        alpha = self._temperature()  # the same alpha throughout one iteration
        soft_Q_target = self._soft_Q_target(batch, alpha)                       # Eq. 3
        Q_values, Q_losses, regularizer_diagnostics = self._update_Qs(           # Eq. 5
            batch, soft_Q_target, self._Q_regularizer(batch, alpha))
        policy_diagnostics = self._policy_step_when_due(                        # Eqs. 7-8, 18
            batch["observations"], alpha)
        self._update_targets()
        return {**self._Q_diagnostics(soft_Q_target, Q_values, Q_losses),
                **regularizer_diagnostics, **policy_diagnostics, "alpha": alpha}

    def _Q_regularizer(self, batch, alpha):
        """A function ``Q_values -> (scalar, diagnostics)`` added to the critics' loss inside
        its tape, or None (SAC has none)."""
        return None

    def _policy_and_temperature_step(self, observations, alpha):
        policy_loss, log_probs = reparameterized_policy_step(                   # Eqs. 7-8
            self._policy, self._Qs, self._policy_optimizer, observations, alpha,
            Q_estimate=self._policy_Q_estimate, training=self.policy_step_training)
        alpha_loss = self._temperature.update(log_probs)                        # Eq. 18
        return {"policy_loss": policy_loss, "alpha_loss": alpha_loss,
                "entropy": -tf.reduce_mean(log_probs)}

    def _policy_step_when_due(self, observations, alpha):
        """The policy and temperature steps on every ``policy_update_interval``-th update;
        the others report the last step's figures."""
        if self._policy_update_interval == 1:  # every update: no conditional in the graph
            return self._policy_and_temperature_step(observations, alpha)
        last = self._last_policy_diagnostics

        def step():
            diagnostics = self._policy_and_temperature_step(observations, alpha)
            with tf.control_dependencies([last[name].assign(diagnostics[name])
                                          for name in POLICY_DIAGNOSTICS]):
                return {name: tf.identity(diagnostics[name]) for name in POLICY_DIAGNOSTICS}

        return tf.cond(self._update_count % self._policy_update_interval == 0, step,
                       lambda: {name: last[name].read_value() for name in POLICY_DIAGNOSTICS})
