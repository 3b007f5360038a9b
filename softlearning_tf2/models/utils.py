"""Builds the observation encoding from a variant's ``observation_params``."""
from softlearning_tf2.environments.observations import image_keys, select_observation_keys

OBSERVATION_PARAMS_KEYS = ("observation_keys", "preprocessors", "encoder_sharing",
                           "random_shift")


def observation_params_of(variant):
    """The variant's ``observation_params`` (absent in variants saved before they existed:
    then the defaults of a flat observation)."""
    params = dict(variant.get("observation_params") or {})
    unknown = sorted(set(params) - set(OBSERVATION_PARAMS_KEYS))
    if unknown:
        raise ValueError(f"unknown observation_params {unknown}; valid: "
                         f"{', '.join(OBSERVATION_PARAMS_KEYS)}")
    params.setdefault("observation_keys", None)
    params.setdefault("preprocessors", {})
    params.setdefault("encoder_sharing", "critic")
    params.setdefault("random_shift", 0)
    return params


def check_observation_params(params, layout, name="the environment"):
    """The observed keys, after checking ``observation_params`` against an observation
    ``layout`` (``{key: (shape, dtype)}``, None for flat) without building anything: ValueError
    (one line) for unknown keys, preprocessors of unobserved or non-image keys, dict settings on
    a flat observation, or a random shift with no image observed."""
    keys = select_observation_keys(layout, params["observation_keys"], name)
    if layout is None:
        if params["preprocessors"] or params["random_shift"]:
            raise ValueError(f"observation_params.preprocessors and random_shift apply to dict "
                             f"observations; {name} has a flat (Box) observation")
        return None
    preprocessors = params["preprocessors"] or {}
    if not isinstance(preprocessors, dict):
        raise ValueError(f"observation_params.preprocessors must map keys to preprocessors, "
                         f"got {preprocessors!r}")
    unknown = sorted(set(preprocessors) - set(keys))
    if unknown:
        raise ValueError(f"preprocessors given for {unknown}, which are not observed; observed "
                         f"keys: {', '.join(keys)}")
    images = image_keys({key: layout[key] for key in keys})
    for key, preprocessor in preprocessors.items():
        if preprocessor is not None and key not in images:
            raise ValueError(f"the preprocessor of {key!r} needs uint8 images (height, width, "
                             f"channels); {key!r} is {layout[key][1]} of shape {layout[key][0]}")
    if int(params["random_shift"]) and not images:
        raise ValueError(f"observation_params.random_shift needs an image among the observed "
                         f"keys ({', '.join(keys)})")
    return keys


def validate_observation_params(variant):
    """Checks the variant's ``observation_params`` against its training environment before
    any trial starts (makes the environment only when they differ from the defaults)."""
    params = observation_params_of(variant)
    if (params["observation_keys"] is None and not params["preprocessors"]
            and not params["random_shift"]):
        return
    from softlearning_tf2.environments.utils import get_environment_from_params

    environment = get_environment_from_params(variant["environment_params"]["training"])
    try:
        check_observation_params(params, environment.observation_layout,
                                 environment.environment_id)
    finally:
        environment.close()


def get_observation_encoding_from_variant(variant, environment, seed=None):
    """``None`` for a flat observation; for a dict one, the ``ObservationEncoding`` of the
    observed keys. ValueError (one line) for keys the environment lacks, or for dict settings
    given to a flat observation."""
    params = observation_params_of(variant)
    layout = getattr(environment, "observation_layout", None)
    name = getattr(environment, "environment_id", "the environment")
    keys = check_observation_params(params, layout, name)
    if layout is None:
        return None
    from softlearning_tf2.models.observation_encoder import ObservationEncoding

    return ObservationEncoding({key: layout[key] for key in keys}, params["preprocessors"],
                               params["encoder_sharing"], seed=seed)


def observation_input(environment, encoding, role):
    """What a network builder takes as its observation: a size, or the encoding's input."""
    return environment.observation_size if encoding is None else encoding.input_for(role)


def uses_simba(params):
    """Whether a network's ``*_params`` ask for SimBa's (``config.network == "simba"``)."""
    return (params or {}).get("config", {}).get("network", "mlp") == "simba"


def get_observation_normalizer_from_variant(variant):
    """The one ``RunningObservationNormalization`` that every SimBa network of the variant
    reads its observations through (the Q functions', the policy's), or None without them."""
    # Keras on first use only: this module is read when a variant is built, without TF.
    from softlearning_tf2.models.simba import new_observation_normalizer

    if not any(uses_simba(variant.get(name)) for name in ("Q_params", "policy_params")):
        return None
    return new_observation_normalizer()
