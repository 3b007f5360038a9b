"""Trained policies as self-contained TensorFlow artifacts.

A checkpoint written by the Tune runner holds the whole trial: the resolved variant, every
network and optimizer, the replay pool. ``export_policy`` keeps only what acting needs and writes
it as a SavedModel that plain TensorFlow runs, without this package, TFP or any Keras object:

* ``serving_default(observations) -> {"actions"}``: the deterministic (evaluation) action;
* ``sample(observations) -> {"actions"}``: a stochastic action, with noise drawn inside;
* ``log_prob(observations, actions) -> {"log_prob"}``: log pi(a|s), for policies that have a
  density (the squashed Gaussian, the Gaussian mixture, the RealNVP and latent-space flows;
  not SQL's amortized or MCMC samplers).

On a Discrete action space the signatures are ``serving_default`` (the most probable action's
index), ``sample`` (a sampled index) and ``probabilities(observations) -> {"probabilities"}``
([batch, n]); indices are int64 in the environment's own numbering (``start`` added).

Observations are float32 ``[batch, obs_dim]`` for any batch size; for dict observations, one
named input per observed key, in the environment's shape and dtype (uint8 images stay uint8;
``observation_layout`` in the metadata lists them). Actions are in the
environment's own bounds, mapped from the policy's [-1, 1] exactly as ``GymnasiumAdapter``'s
gymnasium wrappers map them (clip, then ``RescaleAction``'s ``(a - intercept) / gradient`` in
float32), so ``env.step(actions[0])`` on the raw gymnasium environment is what training did.
``log_prob`` takes environment-bound actions and returns the density in that space: the
policy's log-density of the normalized action minus sum(log((high - low) / 2)), the
log-Jacobian of the affine map.

``sample`` runs the policy's sampling method ``actions_from_noise`` with noise drawn inside;
``serving_default`` its ``deterministic_actions`` (the sample at zero noise; the mixture's
heaviest component's mean; for the MCMC sampler, gradient ascent on Q). The MCMC sampler's
``sample`` runs a cold chain (its burn-in) on every call: an export keeps no chain state.

The export is a ``tf.Module`` whose attributes are plain ``tf.Variable`` objects (the policy
network's weights, the noise stream's state) and ``tf.function`` objects traced with fixed input
signatures. Tracing runs the policy's own code (Keras layers, TFP bijectors), but what gets
saved is only the traced graph, and every op in it is checked to be a core TensorFlow op.
A JSON description of the policy (``assets/softlearning_policy.json``) travels inside the
SavedModel as an asset.

Noise of ``sample``: stateless normal draws keyed by (key, counter) with a counter variable that
every call advances. Until ``seed_noise(seed)`` is called on the loaded object, the key comes from
the wall clock at each call, so two processes that load one export do not draw the same noise;
after ``seed_noise(seed)`` the stream is reproducible.
"""
import json
import math
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from softlearning_tf2.checkpoints import Checkpoint
from softlearning_tf2.policies.trained_policy import (
    EXPORT_METADATA_FILE, load_policy, make_environment)
from softlearning_tf2.policies.base_policy import batch_size_of
from softlearning_tf2.policies.export_output import ExportError, check_output_dir
from softlearning_tf2.version import __version__

TFLITE_FILE = "policy.tflite"
FORMATS = ("saved_model", "tflite")
EXPORT_FORMAT_VERSION = 1


# -- The exported module --------------------------------------------------------------------

def _tracked_variable(variable):
    # A Keras 3 variable on the TensorFlow backend wraps a tf.Variable (``.value``): the traced
    # graphs read that one, so that is what the module must hold for saving.
    value = getattr(variable, "value", None)
    return value if isinstance(value, tf.Variable) else variable


class _StatelessNoise:
    """What a policy's ``draw_noise`` needs of a generator, as stateless draws under one seed."""

    def __init__(self, seed):
        self.seed = seed

    def normal(self, shape):
        return tf.random.stateless_normal(shape, seed=self.seed)

    def uniform(self, shape, minval, maxval):
        return tf.random.stateless_uniform(shape, seed=self.seed, minval=minval, maxval=maxval)


class _ExportedModule(tf.Module):
    """The policy's weights and the noise stream of ``sample``, shared by both exports."""

    def __init__(self, policy, name):
        super().__init__(name=name)
        self._policy = policy  # plain Python object: not tracked, nothing of it is saved
        self.policy_variables = [_tracked_variable(v) for v in policy.variables]
        self.noise_key = tf.Variable(0, dtype=tf.int64, trainable=False, name="noise_key")
        self.noise_counter = tf.Variable(0, dtype=tf.int64, trainable=False,
                                         name="noise_counter")
        self.noise_seeded = tf.Variable(False, trainable=False, name="noise_seeded")
        self.seed_noise = tf.function(self._seed_noise, input_signature=[
            tf.TensorSpec([], tf.int64, name="seed")], autograph=False)

    @property
    def observation_spec(self):
        """The inputs of every signature: ``observations`` [None, size] float32, or one named
        input per observed key of a dict observation. (A property: a dict attribute of a
        tf.Module would be wrapped for tracking, and a wrapped dict is no input signature.)"""
        if self._policy.observation_layout is None:
            return tf.TensorSpec([None, self._policy.observation_size], tf.float32,
                                 name="observations")
        return self._policy.observation_spec

    def _noise(self, observations):
        count = self.noise_counter.assign_add(1)
        clock = tf.bitcast(tf.timestamp(), tf.int64)
        key = tf.where(self.noise_seeded, self.noise_key.read_value(), clock)
        return self._policy.draw_noise(_StatelessNoise(tf.stack([key, count])),
                                       batch_size_of(observations))

    def _seed_noise(self, seed):
        self.noise_key.assign(seed)
        self.noise_counter.assign(0)
        self.noise_seeded.assign(True)
        return seed


class ExportedDiscretePolicy(_ExportedModule):
    """A categorical policy acting with the environment's own action indices (``start``
    added), as saveable ``tf.function``s."""

    def __init__(self, policy, action_start=0, name="softlearning_policy"):
        super().__init__(policy, name)
        self._start = int(action_start)
        signature = [self.observation_spec]
        self.deterministic_actions = tf.function(self._deterministic_actions,
                                                 input_signature=signature, autograph=False)
        self.sample_actions = tf.function(self._sample_actions, input_signature=signature,
                                          autograph=False)
        self.probabilities = tf.function(self._probabilities, input_signature=signature,
                                         autograph=False)

    def _to_environment(self, indices):
        return tf.cast(indices, tf.int64) + self._start

    def _deterministic_actions(self, observations):
        return {"actions": self._to_environment(
            self._policy.deterministic_actions(observations))}

    def _sample_actions(self, observations):
        noise = self._noise(observations)
        return {"actions": self._to_environment(
            self._policy.actions_from_noise(observations, noise))}

    def _probabilities(self, observations):
        return {"probabilities": self._policy.probabilities(observations)}

    def signatures(self):
        return {"serving_default": self.deterministic_actions.get_concrete_function(),
                "sample": self.sample_actions.get_concrete_function(),
                "probabilities": self.probabilities.get_concrete_function()}


class ExportedPolicy(_ExportedModule):
    """A policy acting in the environment's action bounds, as saveable ``tf.function``s.

    ``action_rescaling``: ``(gradient, intercept)`` of the environment adapter
    (``GymnasiumAdapter.action_rescaling``); ``action_low`` / ``action_high``: the raw bounds,
    for ``log_prob``'s Jacobian.
    """

    def __init__(self, policy, action_rescaling, action_low, action_high,
                 name="softlearning_policy"):
        super().__init__(policy, name)
        gradient, intercept = (np.asarray(value, np.float32) for value in action_rescaling)
        self._gradient, self._intercept = gradient, intercept
        self._low = np.asarray(action_low, np.float64)
        self._high = np.asarray(action_high, np.float64)
        if gradient.shape != (policy.action_size,) or self._low.shape != gradient.shape:
            raise ExportError(f"action bounds of shape {self._low.shape} do not fit a policy "
                              f"with {policy.action_size} action dimensions")
        observations = self.observation_spec
        actions = tf.TensorSpec([None, policy.action_size], tf.float32, name="actions")
        self.deterministic_actions = tf.function(self._deterministic_actions,
                                                 input_signature=[observations], autograph=False)
        self.sample_actions = tf.function(self._sample_actions, input_signature=[observations],
                                          autograph=False)
        self.has_log_prob = policy.has_log_prob
        if self.has_log_prob:
            self.log_prob = tf.function(self._log_prob, input_signature=[observations, actions],
                                        autograph=False)

    def _to_environment(self, actions):
        """ClipAction then RescaleAction, op for op as the adapter's wrappers do them."""
        clipped = tf.clip_by_value(actions, -1.0, 1.0)
        return (clipped - tf.constant(self._intercept)) / tf.constant(self._gradient)

    def _from_environment(self, actions):
        center = tf.constant(((self._high + self._low) / 2).astype(np.float32))
        half_width = tf.constant(((self._high - self._low) / 2).astype(np.float32))
        return (actions - center) / half_width

    def _deterministic_actions(self, observations):
        return {"actions": self._to_environment(
            self._policy.deterministic_actions(observations))}

    def _sample_actions(self, observations):
        noise = self._noise(observations)
        return {"actions": self._to_environment(
            self._policy.actions_from_noise(observations, noise))}

    def _log_prob(self, observations, actions):
        normalized = self._from_environment(actions)
        log_jacobian = float(np.sum(np.log((self._high - self._low) / 2)))
        log_probs = self._policy.log_probs(observations, normalized)
        return {"log_prob": tf.cast(log_probs, tf.float32) - log_jacobian}

    def signatures(self):
        signatures = {
            "serving_default": self.deterministic_actions.get_concrete_function(),
            "sample": self.sample_actions.get_concrete_function(),
        }
        if self.has_log_prob:
            signatures["log_prob"] = self.log_prob.get_concrete_function()
        return signatures


def graph_op_types(concrete_function):
    """Every op type in a concrete function's graph, nested functions included."""
    graph_def = concrete_function.graph.as_graph_def()
    library = {function.signature.name for function in graph_def.library.function}
    types = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        types.update(node.op for node in function.node_def)
    return types - library


def check_core_ops(concrete_functions):
    """Raises ``ExportError`` if a traced graph holds an op that core TensorFlow lacks."""
    for name, function in concrete_functions.items():
        foreign = sorted(op for op in graph_op_types(function) if not hasattr(tf.raw_ops, op))
        if foreign:
            raise ExportError(f"the {name} graph uses ops outside core TensorFlow: "
                              f"{', '.join(foreign)}")


# -- Metadata -------------------------------------------------------------------------------

def _json_numbers(array):
    """A float array as a JSON-safe nested list; infinities as the strings "inf" / "-inf"."""
    def convert(value):
        value = float(value)
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return np.vectorize(convert, otypes=[object])(np.asarray(array)).tolist()


def describe_box(space):
    return {"shape": list(space.shape), "dtype": str(np.dtype(space.dtype)),
            "low": _json_numbers(space.low), "high": _json_numbers(space.high)}


def describe_discrete(space):
    return {"type": "Discrete", "n": int(space.n), "start": int(space.start),
            "dtype": str(np.dtype(space.dtype))}


SIGNATURE_DESCRIPTIONS = {
    "serving_default": "observations [batch, obs_dim] float32 -> actions (deterministic, "
                       "environment bounds)",
    "sample": "observations -> actions (stochastic, environment bounds)",
    "log_prob": "observations, actions (environment bounds) -> log_prob (log density in "
                "environment action space)",
}
DISCRETE_SIGNATURE_DESCRIPTIONS = {
    "serving_default": "observations [batch, obs_dim] float32 -> actions int64 [batch] (the "
                       "most probable action's index, environment numbering)",
    "sample": "observations -> actions int64 [batch] (a sampled index)",
    "probabilities": "observations -> probabilities float32 [batch, n] (pi(a|s) of every "
                     "action, in index order)",
}


def observation_entries(environment):
    """The metadata's description of what the policy observes."""
    layout = environment.observation_layout
    if layout is None:
        return {"observation_space": describe_box(environment.raw.observation_space)}
    return {"observation_layout": {key: {"shape": list(shape), "dtype": dtype}
                                   for key, (shape, dtype) in layout.items()}}


def export_metadata(checkpoint, environment, signatures, observation_keys=None):
    raw = environment.raw
    if environment.discrete_actions:
        action_space = describe_discrete(raw.action_space)
        action_entries = {"action_space": action_space}
        descriptions = DISCRETE_SIGNATURE_DESCRIPTIONS
    else:
        action_space = describe_box(raw.action_space)
        action_entries = {"action_space": action_space,
                          "action_bounds": {"low": action_space["low"],
                                            "high": action_space["high"]}}
        descriptions = SIGNATURE_DESCRIPTIONS
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "softlearning_tf2_version": __version__,
        "tensorflow_version": tf.__version__,
        "environment_id": environment.environment_id,
        "environment_params": {key: checkpoint.environment_params.get(key)
                               for key in ("universe", "domain", "task", "kwargs")},
        **observation_entries(environment),
        **action_entries,
        "algorithm": checkpoint.algorithm,
        "policy_params": checkpoint.variant["policy_params"],
        "training_timestep": checkpoint.timestep,
        "epoch": checkpoint.epoch,
        "signatures": {name: descriptions[name] for name in signatures},
        "observation_keys": observation_keys,
    }


def exported_module(policy, environment):
    """The ``tf.Module`` to save for ``policy`` acting in ``environment`` (an adapter)."""
    if environment.discrete_actions:
        return ExportedDiscretePolicy(policy, environment.raw.action_space.start)
    try:
        action_rescaling = environment.action_rescaling()
    except RuntimeError as error:  # a gymnasium whose RescaleAction works otherwise
        raise ExportError(str(error)) from None
    return ExportedPolicy(policy, action_rescaling, environment.raw.action_space.low,
                          environment.raw.action_space.high)


def convert_to_tflite(module):
    """The deterministic policy as a TFLite flatbuffer (bytes)."""
    function = module.deterministic_actions.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def export_policy(checkpoint, output_dir, format="saved_model", overwrite=False,
                  progress=None):
    """Exports the checkpoint's policy into ``output_dir``; returns the metadata written.

    ``checkpoint`` is a checkpoint directory or a ``Checkpoint`` already read. Problems with
    it raise ``CheckpointError``; problems with the export itself ``ExportError``.

    ``format="tflite"`` writes the SavedModel and ``policy.tflite`` (deterministic actions)
    inside it. Everything is written into a temporary directory next to ``output_dir`` and
    moved into place at the end; an existing ``output_dir`` (with ``overwrite``) is replaced
    only after the export succeeded.
    """
    progress = progress or (lambda message: None)
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}; valid choices: {', '.join(FORMATS)}")
    check_output_dir(output_dir, overwrite)
    if not isinstance(checkpoint, Checkpoint):
        progress(f"reading checkpoint {checkpoint}")
        checkpoint = Checkpoint.read(checkpoint, for_acting=True)

    environment = make_environment(checkpoint.environment_params)
    policy = load_policy(checkpoint, environment)
    module = exported_module(policy, environment)
    signatures = module.signatures()
    check_core_ops(signatures)
    metadata = export_metadata(checkpoint, environment, signatures, policy.observation_keys)
    environment.close()

    output_dir = os.path.abspath(output_dir)
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(output_dir)}.export-")
    try:
        metadata_path = os.path.join(staging, EXPORT_METADATA_FILE)
        with open(metadata_path, "w") as file:
            json.dump(metadata, file, indent=2)
        module.metadata = tf.saved_model.Asset(metadata_path)
        saved_dir = os.path.join(staging, "export")
        progress(f"writing SavedModel ({', '.join(signatures)})")
        tf.saved_model.save(module, saved_dir, signatures=signatures)
        if format == "tflite":
            progress("converting the deterministic policy to TFLite")
            flatbuffer = convert_to_tflite(module)
            with open(os.path.join(saved_dir, TFLITE_FILE), "wb") as file:
                file.write(flatbuffer)
        _move_into_place(saved_dir, output_dir, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return metadata


def _move_into_place(new_dir, output_dir, staging):
    if not os.path.exists(output_dir):
        os.rename(new_dir, output_dir)
        return
    previous = os.path.join(staging, "previous")
    os.rename(output_dir, previous)
    try:
        os.rename(new_dir, output_dir)
    except BaseException:
        os.rename(previous, output_dir)
        raise
