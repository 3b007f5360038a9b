"""Pieces that SAC, SACV and SQL share: Adam, target networks, the soft Q regression step and
the reparameterized policy step."""
import keras
import tensorflow as tf

from softlearning_tf2.models.observation_encoder import clone_sharing, shared_features_once

# The Keras internals the fused Adam step reads; checked when an optimizer is built.
KERAS_ADAM_INTERNALS = ("_momentums", "_velocities", "_get_variable_index")


class Adam(keras.optimizers.Adam):
    """Keras's Adam, with each variable's step done by TensorFlow's fused ``ApplyAdam`` kernel.

    The same rule as ``keras.optimizers.Adam`` (Kingma & Ba 2015, Algorithm 1 with the bias
    correction folded into the step size, epsilon outside the square root), the same slot
    variables and checkpoints, in one operation per variable instead of about a dozen: the
    SAC update's graph shrinks by a third.

    The fused step reads Keras's slot lists (``KERAS_ADAM_INTERNALS``), which are not public:
    ``build`` checks that they exist and fails with one line naming the Keras version if not.
    """

    def build(self, variables):
        super().build(variables)
        missing = [name for name in KERAS_ADAM_INTERNALS if not hasattr(self, name)]
        if missing:
            raise RuntimeError(
                f"Keras {keras.__version__}'s Adam lacks {', '.join(missing)}, which the fused "
                f"Adam step reads; install the Keras version in requirements.txt")

    _beta_powers = None  # {dtype: (beta_1^t, beta_2^t)} while one step is being applied

    def _backend_update_step(self, gradients, trainable_variables, learning_rate):
        # beta^t once per step and dtype, not once per variable: fewer ops in the graph.
        self._beta_powers = {}
        try:
            super()._backend_update_step(gradients, trainable_variables, learning_rate)
        finally:
            self._beta_powers = None

    def _powers(self, dtype):
        if self._beta_powers is not None and dtype in self._beta_powers:
            return self._beta_powers[dtype]
        local_step = tf.cast(self.iterations + 1, dtype)
        powers = (tf.pow(tf.cast(self.beta_1, dtype), local_step),
                  tf.pow(tf.cast(self.beta_2, dtype), local_step))
        if self._beta_powers is not None:
            self._beta_powers[dtype] = powers
        return powers

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        beta1_power, beta2_power = self._powers(dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=beta1_power,
            beta2_power=beta2_power,
            lr=tf.cast(learning_rate, dtype), beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype), epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype))


def polyak_update(source_variables, target_variables, tau):
    """target <- tau * source + (1 - tau) * target, variable by variable (tau = 1: a copy)."""
    for source, target in zip(source_variables, target_variables):
        target.assign(tau * source + (1.0 - tau) * target)


def update_target_models(models, target_models, tau):
    """Polyak-averages each target model towards its model (every trainable variable; a
    variable that several targets share, such as one target encoder, moves once)."""
    moved = set()
    for model, target_model in zip(models, target_models):
        pairs = [(source, target) for source, target in zip(model.trainable_variables,
                                                            target_model.trainable_variables)
                 if id(target) not in moved]
        moved.update(id(target) for _, target in pairs)
        polyak_update([source for source, _ in pairs], [target for _, target in pairs], tau)


def clone_as_target(model):
    """A new Keras model of the same architecture, starting from ``model``'s weights."""
    return clone_sharing([model])[0]


def continuous_Q_values(Q, observations, actions, training=False):
    """Q(s, a), [batch], of a Q model called as ``Q([observations, actions])``.

    ``training``: the Keras training mode; the updates evaluate their Q functions with it on
    (DroQ's dropout masks), diagnostics with it off. A plain MLP computes the same either way.
    """
    return Q([observations, actions], training=training)[:, 0]


def discrete_Q_values(Q, observations, actions, training=False):
    """Q(s, a), [batch], of a model with one output per action, at int32 action indices."""
    return tf.gather(Q(observations, training=training), actions, axis=1, batch_dims=1)


def squared_error_loss(Q_values, Q_target):
    """0.5 * mean((Q(s, a) - y)^2): the soft Q loss (arXiv:1812.05905 Eq. 5)."""
    return 0.5 * tf.reduce_mean(tf.square(Q_values - Q_target))


def Q_regression_step(Qs, variable_groups, observations, actions, Q_target,
                      Q_values_at=continuous_Q_values, Q_loss=squared_error_loss,
                      regularizer=None):
    """One Adam step on the sum over Q functions of 0.5 * mean((Q_i(s, a) - Q_target)^2)
    (``Q_loss(Q_values, Q_target)`` replaces that loss: TQC's quantile Huber loss), plus
    ``regularizer(Q_values) -> (scalar, diagnostics)`` where given: a term computed inside
    the same tape, which may evaluate the Q functions elsewhere (CQL's penalty at sampled
    actions, EDAC's action-gradient diversity).

    ``variable_groups``: ``[(optimizer, variables), ...]``, a partition of the Q functions'
    variables: one group per Q function, and one more for an encoder they share (its gradient
    is that of the summed loss, applied once). ``Q_values_at(Q, observations, actions)`` reads
    Q(s, a) off a model (continuous or discrete actions). Returns the Q values and the losses,
    one of each per Q function, and the regularizer's diagnostics (empty without one).
    """
    group_variables = [variables for _, variables in variable_groups]
    diagnostics = {}
    with tf.GradientTape() as tape, shared_features_once(Qs):
        Q_values = [Q_values_at(Q, observations, actions, training=True) for Q in Qs]
        Q_losses = [Q_loss(Q_value, Q_target) for Q_value in Q_values]
        total_Q_loss = tf.add_n(Q_losses)  # each head's gradient is its own loss's
        if regularizer is not None:
            regularization, diagnostics = regularizer(Q_values)
            total_Q_loss += regularization
    gradients = tape.gradient(total_Q_loss, group_variables)
    for (optimizer, variables), group_gradients in zip(variable_groups, gradients):
        optimizer.apply_gradients(zip(group_gradients, variables))
    return Q_values, Q_losses, diagnostics


def partition_shared(models):
    """(each model's variables less those it shares with another model, the shared ones):
    the Q functions' variable groups when they share an observation encoder."""
    counts = {}
    for model in models:
        for variable in model.trainable_variables:
            counts[id(variable)] = counts.get(id(variable), 0) + 1
    own = [[variable for variable in model.trainable_variables if counts[id(variable)] == 1]
           for model in models]
    seen, shared = set(), []
    for model in models:
        for variable in model.trainable_variables:
            if counts[id(variable)] > 1 and id(variable) not in seen:
                seen.add(id(variable))
                shared.append(variable)
    return own, shared


def min_Q(Qs, observations, actions, training=False):
    """min_i Q_i(s, a), [batch]: the pessimistic estimate of clipped double-Q."""
    with shared_features_once(Qs):
        return tf.reduce_min([Q([observations, actions], training=training)[:, 0] for Q in Qs],
                             axis=0)


def mean_Q(Qs, observations, actions, training=False):
    """mean_i Q_i(s, a), [batch]: what REDQ's policy maximizes (arXiv:2101.05982)."""
    with shared_features_once(Qs):
        return tf.reduce_mean([Q([observations, actions], training=training)[:, 0]
                               for Q in Qs], axis=0)


def policy_models(policy):
    """The Keras models of a policy (for ``shared_features_once``)."""
    return [value for value in vars(policy).values() if isinstance(value, keras.Model)]


def reparameterized_policy_step(policy, Qs, optimizer, observations, alpha, Q_estimate=None,
                                training=False):
    """One Adam step on J_pi = mean(alpha log pi(a~|s) - min_i Q_i(s, a~)),
    a~ = tanh(shift(s) + scale(s) eps) (arXiv:1812.05905 Eqs. 7-8; arXiv:1801.01290 Eq. 12).

    Alpha is a constant here. Returns the loss and log pi(a~|s) (for the temperature step).
    ``Q_estimate(observations, actions) -> [batch]`` replaces min_i Q_i where an algorithm
    maximizes another estimate (REDQ's ensemble mean, TQC's mean over atoms); the Q functions
    are evaluated in training mode, as in every update. ``training`` is the policy network's
    Keras mode (True: its Batch Renormalization statistics move, CrossQ).

    A policy with ``component_samples`` (``GMMPolicy``) gives one reparameterized action per
    mixture component and the components' weights: the loss is then the exact expectation over
    components, mean_s sum_k w_k(s) (alpha log pi(a~_k|s) - min_i Q_i(s, a~_k)), and the log
    pi returned is sum_k w_k log pi(a~_k|s) per state.
    """
    if Q_estimate is None:
        def Q_estimate(observations, actions):
            return min_Q(Qs, observations, actions, training=True)
    if hasattr(policy, "component_samples"):
        return _mixture_policy_step(policy, Q_estimate, optimizer, observations, alpha)
    with tf.GradientTape() as tape, shared_features_once([*Qs, *policy_models(policy)]):
        actions, log_probs = (policy.actions_and_log_probs(observations, training=True)
                              if training else policy.actions_and_log_probs(observations))
        policy_loss = tf.reduce_mean(alpha * log_probs - Q_estimate(observations, actions))
    variables = policy.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(policy_loss, variables), variables))
    return policy_loss, log_probs


def _mixture_policy_step(policy, Q_estimate, optimizer, observations, alpha):
    """``reparameterized_policy_step`` with the expectation over mixture components taken
    exactly (see ``GMMPolicy``)."""
    with tf.GradientTape() as tape:
        actions, log_probs, weights = policy.component_samples(observations)  # [B, K, ...]
        batch_size, num_components = tf.shape(actions)[0], tf.shape(actions)[1]
        tiled = tf.nest.map_structure(
            lambda values: tf.repeat(values, num_components, axis=0), observations)
        Q_values = tf.reshape(
            Q_estimate(tiled, tf.reshape(actions, (-1, policy.action_size))),
            (batch_size, num_components))
        expected_log_probs = tf.reduce_sum(weights * log_probs, axis=-1)
        policy_loss = tf.reduce_mean(alpha * expected_log_probs
                                     - tf.reduce_sum(weights * Q_values, axis=-1))
    variables = policy.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(policy_loss, variables), variables))
    return policy_loss, expected_log_probs
