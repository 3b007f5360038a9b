"""How policies and Q functions read a dict observation: one preprocessor per key.

``ObservationEncoding`` holds the observed keys (``observation_keys``), their shapes and
dtypes, and one preprocessor per key: image keys (uint8, rank 3) through a ``convnet`` (the
variant's, or ``convnet``'s own defaults), flat keys as they are (float32); the
features are concatenated in sorted key order. Every network that takes observations is built
on ``encoding.input_for(role)``, in place of an observation size:

* ``encoder_sharing="critic"`` (the default; SAC-AE arXiv:1910.01741 and DrQ arXiv:2004.13649):
  one encoder, shared by the Q functions (role ``"critic"``) and the policy (``"actor"``).
  The policy reads it through ``StopGradient``, so only the critics' loss trains it: the
  algorithm gives the shared variables one optimizer of their own (see
  ``SoftQAlgorithm``), and the policy leaves them out of its trainable variables.
* ``encoder_sharing="separate"``: every network builds its own encoder and trains it with
  its own loss.

Other roles (SACV's V function, ``"value"``) always get an encoder of their own.

A shared encoder sits in every network's graph as one ``SharedFeatures`` layer. Inside
``shared_features_once(models)`` (the Q regression step and the policy step use it), that
layer encodes each batch of observations once and hands the same features to every network
that reads the same observation tensors: the twin Q functions and the policy then cost one
encoder pass (and one backward pass) instead of one each.
"""
import contextlib

import keras

from softlearning_tf2.environments.observations import is_image
from softlearning_tf2.models.convnet import convnet
from softlearning_tf2.models.normalization import RunningObservationNormalization

ENCODER_SHARING = ("critic", "separate")
PREPROCESSORS = {"convnet": convnet}
# An image key without a preprocessor in the variant: ``convnet`` with its own defaults.
DEFAULT_IMAGE_PREPROCESSOR = {"class_name": "convnet", "config": {}}


@keras.saving.register_keras_serializable(package="softlearning_tf2")
class StopGradient(keras.layers.Layer):
    """The identity whose gradient is zero: the policy's view of a critic-trained encoder."""

    def call(self, inputs):
        return keras.ops.stop_gradient(inputs)


@keras.saving.register_keras_serializable(package="softlearning_tf2")
class SharedFeatures(keras.layers.Layer):
    """The shared encoder as a layer of the networks that read it (see the module docstring).

    Outside ``shared_features_once`` every call runs the encoder. Inside it, calls on the same
    observation tensors (by identity, within one trace) return the first call's features.
    """

    def __init__(self, encoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self._features = None  # {ids of the input tensors: features} while caching

    def call(self, inputs):
        if self._features is None:
            return self.encoder(inputs)
        key = tuple(id(tensor) for tensor in keras.tree.flatten(inputs))
        if key not in self._features:
            # The inputs are kept with their features: ids stay unique while both live.
            self._features[key] = (inputs, self.encoder(inputs))
        return self._features[key][1]

    def compute_output_spec(self, inputs):
        return self.encoder.compute_output_spec(inputs)

    def get_config(self):
        return {**super().get_config(),
                "encoder": keras.saving.serialize_keras_object(self.encoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)


@contextlib.contextmanager
def shared_features_once(models):
    """Within the block, the ``SharedFeatures`` layers of ``models`` encode each observation
    batch once. Use it around one loss's computation (inside one gradient tape), so that the
    features it reuses carry that tape's gradient."""
    layers = {id(layer): layer for model in models for layer in _layers(model)
              if isinstance(layer, SharedFeatures) and layer._features is None}
    for layer in layers.values():  # an enclosing block's layers stay as that block set them
        layer._features = {}
    try:
        yield
    finally:
        for layer in layers.values():
            layer._features = None


def _layers(model):
    return getattr(model, "layers", [])


def clone_sharing(models):
    """Copies of ``models`` (new weights, equal values) that share one copy of each
    ``SharedFeatures`` layer the originals share: the target networks of twin Q functions
    with a shared encoder have one target encoder, as the networks have one encoder. A
    ``RunningObservationNormalization`` is not copied: the copies read the originals' one
    (SimBa's target networks normalize as the networks do)."""
    if not any(isinstance(layer, (SharedFeatures, RunningObservationNormalization))
               for model in models for layer in _layers(model)):
        return [_clone(model) for model in models]
    copies = {}

    def clone_layer(layer):
        if isinstance(layer, RunningObservationNormalization):
            return layer  # not trained: a target normalizes with the networks' statistics
        if isinstance(layer, SharedFeatures):
            if id(layer) not in copies:
                copies[id(layer)] = SharedFeatures.from_config(layer.get_config())
            return copies[id(layer)]
        return _fresh_layer(layer)

    return [_clone(model, clone_layer) for model in models]


# A copy's dropout layers draw masks from seeds this far from the original's: a target
# network's masks are not the online network's (DroQ evaluates both with dropout on).
CLONE_DROPOUT_SEED_OFFSET = 7919


def _fresh_layer(layer):
    """A layer of ``layer``'s configuration (new weights); a seeded dropout layer gets a seed
    of its own."""
    config = layer.get_config()
    if isinstance(layer, keras.layers.Dropout) and config.get("seed") is not None:
        config["seed"] = int(config["seed"]) + CLONE_DROPOUT_SEED_OFFSET
    return layer.__class__.from_config(config)


def _clone(model, clone_layer=_fresh_layer):
    """A new model of ``model``'s architecture starting from its weights. A subclassed model
    (no layer graph for Keras to rebuild layer by layer) is cloned from its config."""
    graph = isinstance(model, keras.Sequential) or type(model).__name__ == "Functional"
    clone = (keras.models.clone_model(model, clone_function=clone_layer) if graph
             else keras.models.clone_model(model))
    clone.set_weights(model.get_weights())
    return clone


class ObservationInput:
    """What a network builder gets in place of an observation size: the encoding and the
    network's role (``"critic"``, ``"actor"`` or ``"value"``)."""

    def __init__(self, encoding, role):
        self.encoding = encoding
        self.role = role

    @property
    def layout(self):
        return self.encoding.layout

    @property
    def keys(self):
        return self.encoding.keys

    def build(self, name):
        """(dict of keras.Input, features tensor) for a functional model named ``name``."""
        return self.encoding.build_features(self.role, name)


class ObservationEncoding:
    """See the module docstring. ``layout``: ``{key: (shape, dtype)}`` of the observed keys."""

    def __init__(self, layout, preprocessors=None, encoder_sharing="critic", seed=None):
        if encoder_sharing not in ENCODER_SHARING:
            raise ValueError(f"unknown encoder_sharing {encoder_sharing!r}; valid choices: "
                             f"{', '.join(ENCODER_SHARING)}")
        preprocessors = dict(preprocessors or {})
        unknown = sorted(set(preprocessors) - set(layout))
        if unknown:
            raise ValueError(f"preprocessors given for {unknown}, which are not observed; "
                             f"observed keys: {', '.join(sorted(layout))}")
        for key, params in preprocessors.items():
            if params is None:
                continue
            if not isinstance(params, dict) or params.get("class_name") not in PREPROCESSORS:
                raise ValueError(f"preprocessor of {key!r} must be null or "
                                 f"{{'class_name': one of {sorted(PREPROCESSORS)}, 'config': "
                                 f"{{...}}}}, got {params!r}")
            if not is_image(*layout[key]):
                raise ValueError(f"preprocessor {params['class_name']} of {key!r} needs uint8 "
                                 f"images (height, width, channels); {key!r} is "
                                 f"{layout[key][1]} of shape {layout[key][0]}")
        self.layout = {key: layout[key] for key in sorted(layout)}
        self.keys = list(self.layout)
        self.preprocessors = {
            key: preprocessors.get(key, DEFAULT_IMAGE_PREPROCESSOR
                                   if is_image(*self.layout[key]) else None)
            for key in self.keys}
        self.encoder_sharing = encoder_sharing
        self._seed = seed
        self._built = 0
        self.shared_encoder = (self._new_encoder("shared_encoder")
                               if encoder_sharing == "critic" else None)
        self.shared_features = (SharedFeatures(self.shared_encoder, name="shared_features")
                                if self.shared_encoder is not None else None)

    def input_for(self, role):
        return ObservationInput(self, role)

    def inputs(self):
        return {key: keras.Input(shape=shape, dtype=dtype, name=key)
                for key, (shape, dtype) in self.layout.items()}

    def _new_encoder(self, name):
        """A Keras model: dict of observed keys -> concatenated features."""
        seed = None if self._seed is None else self._seed + 1000 * self._built
        self._built += 1
        inputs = self.inputs()
        features = []
        for index, key in enumerate(self.keys):
            params = self.preprocessors[key]
            if params is None:
                features.append(keras.layers.Identity(name=f"{key}_features")(inputs[key]))
            else:
                preprocessor = PREPROCESSORS[params["class_name"]](
                    self.layout[key][0], **params["config"], name=f"{name}_{key}",
                    seed=None if seed is None else seed + 10 * index)
                features.append(preprocessor(inputs[key]))
        output = features[0] if len(features) == 1 else keras.layers.Concatenate(
            axis=-1, name="features")(features)
        return keras.Model(inputs, output, name=name)

    def build_features(self, role, name):
        inputs = self.inputs()
        if self.shared_encoder is not None and role in ("critic", "actor"):
            features = self.shared_features(inputs)
            if role == "actor":
                features = StopGradient(name="critic_trained_features")(features)
        else:
            features = self._new_encoder(f"{name}_encoder")(inputs)
        return inputs, features

    def shared_variables(self):
        """The shared encoder's variables (none when every network has its own)."""
        return [] if self.shared_encoder is None else list(
            self.shared_encoder.trainable_variables)
