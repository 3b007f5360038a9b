"""Builds the observation encoding from a variant's ``observation_params``."""
from softlearning_tf2.environments.observations import select_observation_keys

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


def get_observation_encoding_from_variant(variant, environment, seed=None):
    """``None`` for a flat observation; for a dict one, the ``ObservationEncoding`` of the
    observed keys. ValueError (one line) for keys the environment lacks, or for dict settings
    given to a flat observation."""
    params = observation_params_of(variant)
    layout = getattr(environment, "observation_layout", None)
    name = getattr(environment, "environment_id", "the environment")
    keys = select_observation_keys(layout, params["observation_keys"], name)
    if layout is None:
        if params["preprocessors"] or params["random_shift"]:
            raise ValueError(f"observation_params.preprocessors and random_shift apply to dict "
                             f"observations; {name} has a flat (Box) observation")
        return None
    from softlearning_tf2.models.observation_encoder import ObservationEncoding

    return ObservationEncoding({key: layout[key] for key in keys}, params["preprocessors"],
                               params["encoder_sharing"], seed=seed)


def observation_input(environment, encoding, role):
    """What a network builder takes as its observation: a size, or the encoding's input."""
    return environment.observation_size if encoding is None else encoding.input_for(role)
