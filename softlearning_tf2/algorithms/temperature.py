"""The temperature alpha of maximum-entropy RL, fixed or learned (arXiv:1812.05905, Sec. 5)."""
import numpy as np
import tensorflow as tf

from softlearning_tf2.algorithms.common import Adam
from softlearning_tf2.utils.validation import check_hyperparameters


def resolve_target_entropy(target_entropy, action_size):
    """'auto' is the heuristic -|A| of arXiv:1812.05905 Sec. 5; a number is used as given."""
    if target_entropy == "auto":
        return -float(action_size)
    return float(target_entropy)


class Temperature:
    """alpha = exp(log_alpha): learned from ``initial_alpha``, or fixed at ``fixed_alpha``.

    Temperature loss (Eq. 18 of arXiv:1812.05905), optimized in log alpha so that alpha stays
    positive: J(alpha) = -log alpha * (log pi(a~|s) + target_entropy), with log pi constant.
    ``log_alpha`` and ``optimizer`` are what a checkpoint holds.
    """

    def __init__(self, action_size, *, initial_alpha=1.0, fixed_alpha=None,
                 target_entropy="auto", learning_rate=3e-4):
        check_hyperparameters(alpha_lr=learning_rate, initial_alpha=initial_alpha,
                              fixed_alpha=fixed_alpha)
        self.learned = fixed_alpha is None
        self.target_entropy = (resolve_target_entropy(target_entropy, action_size)
                               if self.learned else float("nan"))
        initial_log_alpha = np.log(float(initial_alpha if self.learned else fixed_alpha)
                                   or np.finfo(np.float32).tiny)
        self.log_alpha = tf.Variable(initial_log_alpha, dtype=tf.float32, name="log_alpha")
        self.optimizer = Adam(learning_rate=learning_rate, name="alpha_adam")
        self.optimizer.build([self.log_alpha])

    def __call__(self):
        return tf.exp(self.log_alpha)

    def update(self, log_probs):
        """One Adam step on J(alpha) (Eq. 18); returns the loss (0 when alpha is fixed)."""
        if not self.learned:
            return tf.constant(0.0)
        log_probs = tf.stop_gradient(log_probs)
        with tf.GradientTape() as tape:
            alpha_loss = -tf.reduce_mean(self.log_alpha * (log_probs + self.target_entropy))
        gradients = tape.gradient(alpha_loss, [self.log_alpha])
        self.optimizer.apply_gradients(zip(gradients, [self.log_alpha]))
        return alpha_loss
