"""What SAC, SACV and SQL share: soft Q functions, target networks, optimizers, diagnostics."""
import tensorflow as tf

from softlearning_tf2.algorithms.action_spaces import DISCRETE_COUNTERPARTS_HELP
from softlearning_tf2.algorithms.common import (
    Adam, Q_regression_step, clone_as_target, continuous_Q_values, partition_shared,
    policy_models, squared_error_loss, update_target_models)
from softlearning_tf2.algorithms.rl_algorithm import RLAlgorithm
from softlearning_tf2.algorithms.temperature import Temperature
from softlearning_tf2.utils.validation import check_hyperparameters
from softlearning_tf2.models.observation_encoder import clone_sharing


class SoftQAlgorithm(RLAlgorithm):
    """An algorithm that regresses soft Q functions onto a soft Bellman target.

    Holds the Q functions (``Qs``: one, or two for clipped double-Q) with one Adam each
    (``adam_beta_1``, 0.9 as Adam's paper, is the first moment's decay; ``weight_decay``
    makes it AdamW, and where it is None the networks' own default applies: SimBa's 1e-2,
    none for an MLP), the policy's Adam, the reward scale and discount of the target, and the
    target networks: ``_add_target(name, model)`` makes a Polyak-averaged copy of any network
    (SAC's Qs, SACV's V, SQL's Qs) and ``_update_targets`` moves every copy by ``tau`` every
    ``target_update_interval`` updates. Every network, target and optimizer made here is
    registered for checkpoints.

    ``discrete_actions`` says which action spaces a subclass trains on (Box or Discrete): the
    environment is checked against it, with one line naming the algorithm that fits instead.
    ``trains_policy`` is False where the policy has no weights of its own (discrete SQL's
    Boltzmann policy is its Q function): then there is no policy optimizer.

    Q functions that share an observation encoder (dict observations, ``encoder_sharing=
    "critic"``) train it with an Adam of its own (``Q_shared``) on the gradient of their
    summed loss; each Q's Adam holds only its own head.
    """

    discrete_actions = False
    trains_policy = True
    Q_values_at = staticmethod(continuous_Q_values)
    Q_loss = staticmethod(squared_error_loss)

    def __init__(self, *, Qs, policy_lr=3e-4, Q_lr=3e-4, reward_scale=1.0, discount=0.99,
                 tau=5e-3, target_update_interval=1, adam_beta_1=0.9, weight_decay=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._check_action_space()
        check_hyperparameters(policy_lr=policy_lr, Q_lr=Q_lr, reward_scale=reward_scale,
                              discount=discount, tau=tau,
                              target_update_interval=target_update_interval,
                              adam_beta_1=adam_beta_1, weight_decay=weight_decay)
        self._adam_beta_1 = float(adam_beta_1)
        self._weight_decay = weight_decay
        self._Qs = tuple(Qs)
        self._reward_scale = float(reward_scale)
        self._discount = float(discount)
        self._tau = float(tau)
        self._target_update_interval = int(target_update_interval)
        self._target_pairs = []
        for index, Q in enumerate(self._Qs):
            self._track_model(f"Q_{index}", Q)
        own_variables, shared_variables = partition_shared(self._Qs)
        self._Q_variable_groups = [
            (self._add_optimizer(f"Q_{index}", variables, Q_lr, [Q]), variables)
            for index, (Q, variables) in enumerate(zip(self._Qs, own_variables))]
        if shared_variables:
            self._Q_variable_groups.append(
                (self._add_optimizer("Q_shared", shared_variables, Q_lr, self._Qs),
                 shared_variables))
        self._policy_optimizer = (self._add_optimizer(
            "policy", self._policy.trainable_variables, policy_lr,
            policy_models(self._policy)) if self.trains_policy else None)

    @property
    def Qs(self):
        return self._Qs

    def _check_action_space(self):
        environment = self._training_environment
        discrete = bool(getattr(environment, "discrete_actions", False))
        if discrete != self.discrete_actions:
            kinds = ("Box", "Discrete") if discrete else ("Discrete", "Box")
            name = getattr(environment, "environment_id", type(environment).__name__)
            raise ValueError(
                f"{type(self).__name__} trains on {kinds[0]} action spaces; {name} has "
                f"{kinds[1]} actions ({DISCRETE_COUNTERPARTS_HELP})")

    def _add_optimizer(self, name, variables, learning_rate, models=()):
        """An Adam for ``variables`` (first-moment decay ``adam_beta_1``: CrossQ's 0.5),
        built now so that checkpoints hold its slots. With a weight decay (``weight_decay``,
        or where that is None the one the ``models`` ask for: SimBa's 1e-2) it is AdamW
        (Loshchilov & Hutter 2019): each step first shrinks every variable by
        learning_rate * weight_decay times itself, then takes Adam's step."""
        weight_decay = self._weight_decay
        if weight_decay is None:
            weight_decay = max((getattr(model, "default_weight_decay", 0.0) for model in models),
                               default=0.0)
        optimizer = Adam(learning_rate=learning_rate, beta_1=self._adam_beta_1,
                         weight_decay=float(weight_decay) or None, name=f"{name}_adam")
        optimizer.build(variables)
        return self._track_optimizer(name, optimizer)

    def _add_target(self, name, model):
        """A Polyak-averaged copy of ``model``, starting from its weights."""
        target = clone_as_target(model)
        self._target_pairs.append((model, target))
        return self._track_model(name, target)

    def _add_Q_targets(self):
        """Targets of the Q functions, ``Q_target_{index}``; Q functions that share an
        encoder get targets that share one target encoder."""
        targets = clone_sharing(self._Qs)
        for index, (Q, target) in enumerate(zip(self._Qs, targets)):
            self._target_pairs.append((Q, target))
            self._track_model(f"Q_target_{index}", target)
        return tuple(targets)

    def _add_temperature(self, **config):
        """A ``Temperature`` (learned or fixed alpha) over this task's action dimension."""
        temperature = Temperature(self._training_environment.action_size, **config)
        self._track_variable("log_alpha", temperature.log_alpha)
        self._track_optimizer("alpha", temperature.optimizer)
        return temperature

    def _update_targets(self):
        """Polyak averaging of every target, every ``target_update_interval`` updates."""
        if not self._target_pairs:  # an algorithm without target networks (CrossQ)
            return
        models, targets = zip(*self._target_pairs)
        if self._target_update_interval == 1:  # every update: no conditional in the graph
            update_target_models(models, targets, self._tau)
        else:
            def update():
                update_target_models(models, targets, self._tau)
                return tf.constant(True)

            tf.cond(self._update_count % self._target_update_interval == 0, update,
                    lambda: tf.constant(False))

    def _bellman_target(self, batch, next_values):
        """reward_scale * r + discount * (1 - terminal) * V(s'), held constant.
        ``next_values`` [batch], or [batch, atoms] for one target per atom (TQC)."""
        rewards, terminals = batch["rewards"], batch["terminals"]
        if next_values.shape.rank == 2:
            rewards, terminals = rewards[:, None], terminals[:, None]
        return tf.stop_gradient(
            self._reward_scale * rewards + self._discount * (1.0 - terminals) * next_values)

    def _update_Qs(self, batch, Q_target, regularizer=None):
        """One Adam step on each 0.5 * mean((Q_i(s, a) - Q_target)^2) (or ``Q_loss``), plus
        ``regularizer``'s term (see ``Q_regression_step``); (Q values, losses, the
        regularizer's diagnostics)."""
        return Q_regression_step(self._Qs, self._Q_variable_groups, batch["observations"],
                                 batch["actions"], Q_target, self.Q_values_at, self.Q_loss,
                                 regularizer)

    @staticmethod
    def _Q_diagnostics(Q_target, Q_values, Q_losses):
        diagnostics = {"Q_target-mean": tf.reduce_mean(Q_target)}
        for index, (Q_value, Q_loss) in enumerate(zip(Q_values, Q_losses)):
            diagnostics[f"Q_{index}-mean"] = tf.reduce_mean(Q_value)
            diagnostics[f"Q_{index}_loss"] = Q_loss
        return diagnostics
