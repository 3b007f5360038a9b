"""Soft Q-Learning's policy drawn by Markov chain Monte Carlo instead of an amortized network.

Haarnoja et al. 2017 (arXiv:1702.08165, Sec. 3.2) name two ways to sample the energy-based
policy pi(a|s) ∝ exp(Q(s, a) / alpha): MCMC, exact but costly per action, and the amortized
SVGD sampler they train. This policy is the first, with TensorFlow Probability's kernels
(``tfp.mcmc``): Metropolis-adjusted Langevin (``kernel="langevin"``) or Hamiltonian Monte Carlo
(``kernel="hmc"``).
"""
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from softlearning_tf2.distributions.squashed_gaussian import tanh_log_jacobian
from softlearning_tf2.policies.base_policy import (
    ActsOnQFunctions, BasePolicy, batch_size_of)

KERNELS = ("langevin", "hmc")
COMBINATIONS = ("min", "sum")
SEED_RANGE = float(2 ** 24)  # integers a float32 uniform represents exactly


class MCMCSamplerPolicy(ActsOnQFunctions, BasePolicy):
    """a ~ exp(min_i Q_i(s, a) / temperature) on [-1, 1]^d, by a chain in u = atanh(a).

    ``combine="sum"`` samples exp(sum_i Q_i(s, a) / temperature) instead: the composition of
    soft Q functions trained on separate rewards (Haarnoja et al. 2018, arXiv:1803.06773,
    Sec. 4: for r = r_1 + r_2 the sum of their soft Q functions approximates the soft Q of r).
    Below, min_i stands for the combination chosen.

    The chain runs on the unbounded pre-squash u, whose density is that of a carried back
    through a = tanh(u):

        log p(u|s) = min_i Q_i(s, tanh(u)) / temperature + sum_j log(1 - tanh(u_j)^2),

    the same log density SQL's SVGD follows (Q plus the log-Jacobian of tanh). One chain per
    observation of a batch, all advanced together.

    * A cold start (``actions_from_noise``: diagnostics, the export's ``sample``, batches of
      several observations) draws u_0 ~ N(0, I) and runs ``num_burnin_steps`` transitions.
    * Acting (``actions`` on one observation, with the policy's own generator) is warm-started:
      the chain goes on from the previous action's state for ``num_steps`` transitions,
      Q having changed little between consecutive states. Its state (``chain_state``) is part
      of the checkpoint.
    * ``deterministic_actions``: tanh of u after ``num_burnin_steps`` steps of gradient ascent
      on min_i Q_i(s, tanh(u)) from u = 0 (the chain without noise nor entropy term: the
      greedy action).

    The noise of one call (``draw_noise``) is a pair of integers, carried as floats, that seeds
    TFP's stateless kernels; the policy has no weights of its own: ``variables`` and
    ``get_weights`` are its Q functions'. No density: ``has_log_prob`` is False.
    """

    has_log_prob = False

    def __init__(self, observation_size, action_size, Q_functions, kernel="langevin",
                 temperature=1.0, step_size=0.1, num_steps=10, num_burnin_steps=100,
                 num_leapfrog_steps=3, warm_start=True, combine="min", seed=None,
                 name="mcmc_sampler"):
        if kernel not in KERNELS:
            raise ValueError(f"unknown MCMC kernel {kernel!r}; valid choices: "
                             f"{', '.join(KERNELS)}")
        if combine not in COMBINATIONS:
            raise ValueError(f"unknown combine {combine!r}; valid choices: "
                             f"{', '.join(COMBINATIONS)}")
        self.combine = combine
        for key, value in (("temperature", temperature), ("step_size", step_size)):
            if not float(value) > 0.0:
                raise ValueError(f"{key} must be positive, got {value!r}")
        for key, value in (("num_steps", num_steps), ("num_burnin_steps", num_burnin_steps),
                           ("num_leapfrog_steps", num_leapfrog_steps)):
            if int(value) < 1:
                raise ValueError(f"{key} must be >= 1, got {value!r}")
        self.Q_functions = tuple(Q_functions)
        self.kernel = kernel
        self.temperature = float(temperature)
        self.step_size = float(step_size)
        self.num_steps = int(num_steps)
        self.num_burnin_steps = int(num_burnin_steps)
        self.num_leapfrog_steps = int(num_leapfrog_steps)
        self.warm_start = bool(warm_start)
        self.chain_state = tf.Variable(tf.zeros((1, int(action_size))), trainable=False,
                                       name=f"{name}_chain_state")
        self.chain_started = tf.Variable(False, trainable=False, name=f"{name}_chain_started")
        super().__init__(observation_size, action_size, name, seed=seed)

    # -- The target and the chain ----------------------------------------------------------
    def _min_Q(self, observations, actions):
        """min_i Q_i(s, a) (or the sum, with ``combine="sum"``), [batch]."""
        values = [Q([observations, actions])[:, 0] for Q in self.Q_functions]
        if self.combine == "sum":
            return tf.add_n(values)
        return tf.reduce_min(values, axis=0)

    def target_log_prob_fn(self, observations):
        """log p(u|s) up to a constant, for a batch of chains [B, d] -> [B]."""
        def target_log_prob(pre_squash):
            return (self._min_Q(observations, tf.tanh(pre_squash)) / self.temperature
                    + tanh_log_jacobian(pre_squash))
        return target_log_prob

    def transition_kernel(self, observations):
        target = self.target_log_prob_fn(observations)
        if self.kernel == "hmc":
            return tfp.mcmc.HamiltonianMonteCarlo(target, step_size=self.step_size,
                                                  num_leapfrog_steps=self.num_leapfrog_steps)
        return tfp.mcmc.MetropolisAdjustedLangevinAlgorithm(target, step_size=self.step_size)

    def run_chain(self, observations, initial_state, num_steps, seed):
        """u after ``num_steps`` transitions from ``initial_state`` [B, d]."""
        return tfp.mcmc.sample_chain(
            num_results=1, num_burnin_steps=num_steps - 1, current_state=initial_state,
            kernel=self.transition_kernel(observations), trace_fn=None, seed=seed)[0]

    # -- The policy ------------------------------------------------------------------------
    def draw_noise(self, generator, batch_size):
        """Two integers (as float32) that seed the chain: [batch, 2]; row 0 is used."""
        return generator.uniform((batch_size, 2), 0.0, SEED_RANGE)

    @staticmethod
    def _seed_of(noise):
        return tf.cast(noise[0], tf.int32)

    def _cold_start(self, observations, seed):
        initial_seed, chain_seed = tfp.random.split_seed(seed, n=2)
        initial = tf.random.stateless_normal((batch_size_of(observations), self.action_size),
                                             seed=initial_seed)
        return self.run_chain(observations, initial, self.num_burnin_steps, chain_seed)

    def actions_from_noise(self, observations, noise):
        observations = tf.nest.map_structure(tf.convert_to_tensor, observations)
        return tf.tanh(self._cold_start(observations, self._seed_of(noise)))

    def actions(self, observations, generator=None):
        observations = tf.nest.map_structure(tf.convert_to_tensor, observations)
        if generator is not None or not self.warm_start:
            return super().actions(observations, generator)
        noise = self.draw_noise(self.noise_generator, batch_size_of(observations))
        seed = self._seed_of(noise)
        single = tf.equal(batch_size_of(observations), 1)
        warm = tf.logical_and(single, self.chain_started)
        pre_squash = tf.cond(
            warm,
            lambda: self.run_chain(  # the batch dimension left unknown, as the Q's output
                observations, tf.broadcast_to(self.chain_state, (
                    batch_size_of(observations), self.action_size)), self.num_steps, seed),
            lambda: self._cold_start(observations, seed))

        def remember():
            self.chain_state.assign(pre_squash)
            self.chain_started.assign(True)
            return tf.constant(True)

        stored = tf.cond(single, remember, lambda: tf.constant(False))
        with tf.control_dependencies([stored]):
            return tf.tanh(tf.identity(pre_squash))

    def deterministic_actions(self, observations):
        observations = tf.nest.map_structure(tf.convert_to_tensor, observations)
        # Langevin's drift, (step^2 / 2) grad log p, without its noise and entropy term.
        learning_rate = 0.5 * self.step_size ** 2 / self.temperature

        def ascend(step, pre_squash):
            with tf.GradientTape() as tape:
                tape.watch(pre_squash)
                values = tf.reduce_sum(self._min_Q(observations, tf.tanh(pre_squash)))
            return step + 1, pre_squash + learning_rate * tape.gradient(values, pre_squash)

        initial = tf.zeros((batch_size_of(observations), self.action_size))
        _, pre_squash = tf.while_loop(lambda step, _: step < self.num_burnin_steps, ascend,
                                      (tf.constant(0), initial))
        return tf.tanh(pre_squash)

    def reset_chain(self):
        """The next action starts a fresh chain (after a restore, say)."""
        self.chain_started.assign(False)

    def state_variables(self):
        """Variables besides the weights that a checkpoint keeps."""
        return {"chain_state": self.chain_state, "chain_started": self.chain_started}


    def get_diagnostics(self, observations, generator):
        observations = tf.nest.map_structure(lambda values: tf.convert_to_tensor(values[:64]),
                                             observations)
        actions = self.actions(observations, generator)
        return {"actions-abs-mean": float(tf.reduce_mean(tf.abs(actions))),
                "actions-std": float(np.mean(np.std(actions.numpy(), axis=0)))}
