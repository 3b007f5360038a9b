"""What the samplers, algorithms and the export need from a policy."""
import tensorflow as tf

from softlearning_tf2.environments.observations import batch_of_one, select


def batch_size_of(observations):
    """The leading dimension of a batch of observations (a tensor, or a dict of tensors)."""
    return tf.shape(tf.nest.flatten(observations)[0])[0]


def observation_signature(observation_size, layout):
    """``tf.TensorSpec``s of a batch of observations: [None, size] float32, or one per key of
    a dict observation in its own shape and dtype."""
    if layout is None:
        return tf.TensorSpec([None, observation_size], tf.float32)
    return {key: tf.TensorSpec([None, *shape], tf.as_dtype(dtype), name=key)
            for key, (shape, dtype) in layout.items()}


def weights_of_models(models):
    """Every weight array of ``models``, in order (a policy made of several networks)."""
    return [weight for model in models for weight in model.get_weights()]


def set_weights_of_models(models, weights, owner):
    """The inverse of ``weights_of_models``; ValueError (naming ``owner``) on a wrong count."""
    weights = list(weights)
    expected = sum(len(model.get_weights()) for model in models)
    if len(weights) != expected:
        raise ValueError(f"{owner} takes {expected} weight arrays, got {len(weights)}")
    for model in models:
        count = len(model.get_weights())
        model.set_weights(weights[:count])
        weights = weights[count:]


class ActsOnQFunctions:
    """For policies whose weights are their Q functions' (``Q_functions``): discrete SQL's
    Boltzmann policy, SQL's MCMC sampler."""

    @property
    def variables(self):
        return [variable for Q in self.Q_functions for variable in Q.trainable_variables]

    def get_weights(self):
        return weights_of_models(self.Q_functions)

    def set_weights(self, weights):
        set_weights_of_models(self.Q_functions, weights, f"{self.name} (its Q functions)")


class BasePolicy:
    """A stochastic policy over actions in [-1, 1]^d, written as a map of noise.

    Every policy is a map of noise: ``actions_from_noise(observations, noise)`` with noise from
    ``draw_noise`` (drawn from the policy's generator, or one passed in: diagnostics and the
    exported SavedModel bring their own). ``deterministic_actions`` is the evaluation action,
    the sample at zero noise. SAC's Gaussian also gives the log-density of the same sample
    (``actions_and_log_probs_from_noise``), which its training uses. ``action`` is the
    sampler's entry point: one numpy observation in, one numpy action out, through a compiled
    function so that acting costs no retracing.

    ``has_log_prob`` says whether ``log_probs`` is a tractable density.

    ``observation_size`` is the length of a flat observation, or, for dict observations, an
    ``ObservationInput`` (``models.observation_encoder``): then observations are dicts of the
    observed keys (``observation_keys``, in ``observation_layout``'s shapes and dtypes), and
    ``action`` takes the environment's whole dict and keeps those keys. ``variables`` are all
    the weights the policy's networks read; ``trainable_variables`` leave out an encoder that
    the critics train (``encoder_sharing="critic"``).
    """

    has_log_prob = False

    def __init__(self, observation_size, action_size, name, seed=None):
        if hasattr(observation_size, "layout"):  # an ObservationInput: dict observations
            self.observation_input = observation_size
            self.observation_layout = dict(observation_size.layout)
            self.observation_keys = list(self.observation_layout)
            self.observation_size = None
        else:
            self.observation_input = self.observation_layout = self.observation_keys = None
            self.observation_size = int(observation_size)
        self.action_size = int(action_size)
        self.name = name
        self.noise_generator = (tf.random.Generator.from_seed(seed) if seed is not None
                                else tf.random.Generator.from_non_deterministic_state())
        self.observation_spec = observation_signature(self.observation_size,
                                                      self.observation_layout)
        signature = [self.observation_spec]
        self._compiled_actions = tf.function(self.actions, input_signature=signature,
                                             autograph=False)
        self._compiled_deterministic_actions = tf.function(
            self.deterministic_actions, input_signature=signature, autograph=False)
        self._acting_graphs = {}

    def draw_noise(self, generator, batch_size):
        """The noise ``actions_from_noise`` expects: standard normal, [batch, action_size]."""
        return generator.normal((batch_size, self.action_size))

    def actions_from_noise(self, observations, noise):
        raise NotImplementedError

    def actions(self, observations, generator=None):
        generator = self.noise_generator if generator is None else generator
        noise = self.draw_noise(generator, batch_size_of(observations))
        return self.actions_from_noise(observations, noise)

    def deterministic_actions(self, observations):
        raise NotImplementedError

    def log_probs(self, observations, actions):
        raise NotImplementedError(f"{type(self).__name__} has no tractable log-probability")

    def select_observations(self, observations):
        """The observed keys of a dict observation (or batch); a flat one as it is."""
        return select(observations, self.observation_keys)

    def action(self, observation, deterministic=False):
        observations = batch_of_one(self.select_observations(observation),
                                    self.observation_layout)
        # The graph's flat signature: one tensor per observed key, in sorted key order.
        return self._acting_graph(deterministic)(
            *map(tf.constant, tf.nest.flatten(observations))).numpy()[0]

    def batch_actions(self, observations, deterministic=False):
        """Actions (numpy, one row per observation) for a batch of observations, in one call
        of the compiled graph (vector environments, sampler workers)."""
        observations = self.select_observations(observations)
        return self._acting_graph(deterministic)(
            *map(tf.constant, tf.nest.flatten(observations))).numpy()

    def _acting_graph(self, deterministic):
        """The traced graph itself: calling it directly skips tf.function's argument matching,
        a third of the cost of one action at HalfCheetah sizes."""
        if deterministic not in self._acting_graphs:
            function = (self._compiled_deterministic_actions if deterministic
                        else self._compiled_actions)
            self._acting_graphs[deterministic] = function.get_concrete_function()
        return self._acting_graphs[deterministic]

    @property
    def variables(self):
        """Every weight of the policy's networks (a critic-trained encoder's included)."""
        return []

    @property
    def trainable_variables(self):
        """The weights the policy's own loss trains."""
        variables = [variable for variable in self.variables
                     if getattr(variable, "trainable", True)]  # not normalization statistics
        if self.observation_input is None or self.observation_input.role != "actor":
            return variables
        shared = {id(variable) for variable in self.observation_input.encoding.shared_variables()}
        return [variable for variable in variables if id(variable) not in shared]

    def get_weights(self):
        return []

    def set_weights(self, weights):
        if weights:
            raise ValueError(f"{self.name} has no weights, got {len(weights)} arrays")

    def get_diagnostics(self, observations, generator):
        """Statistics on a batch; any noise comes from ``generator``, not the policy's own."""
        return {}
