"""Dict observations: what each key holds, which keys the networks see, frame stacking.

An environment's observation is either one flat float32 vector (a Box space) or a dict of
arrays (a gymnasium ``Dict`` space). In a dict, an *image* key holds uint8 arrays of shape
(height, width, channels) and keeps its dtype everywhere (pool, batches, the exported
SavedModel's input); every other key is a flat float32 vector (scalars become shape (1,)).

``observation_keys`` (the variant's ``observation_params.observation_keys``) selects the keys
that policies and Q functions see; the replay pool keeps every key (goal relabelling reads
keys the networks do not see).
"""
import collections

import gymnasium
import numpy as np


def is_image_space(space):
    """A uint8 Box of rank 3: (height, width, channels)."""
    return isinstance(space, gymnasium.spaces.Box) and is_image(space.shape, space.dtype)


PIXEL_DEFAULTS = {"width": 84, "height": 84, "camera_id": None, "pixels_only": True}


def pixel_settings(pixels):
    """An environment's ``pixels`` entry with every setting filled in; ValueError (one line)
    for settings that do not exist."""
    unknown = sorted(set(pixels) - set(PIXEL_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown pixels settings {unknown}; valid: "
                         f"{', '.join(PIXEL_DEFAULTS)}")
    settings = {**PIXEL_DEFAULTS, **pixels}
    return {"width": int(settings["width"]), "height": int(settings["height"]),
            "camera_id": None if settings["camera_id"] is None else int(settings["camera_id"]),
            "pixels_only": bool(settings["pixels_only"])}


def is_image(shape, dtype):
    """Whether a key of this shape and dtype (a layout entry) holds images."""
    return len(shape) == 3 and np.dtype(dtype) == np.uint8


def image_keys(layout):
    """The image keys of an observation layout (none for a flat observation)."""
    return [key for key, (shape, dtype) in (layout or {}).items() if is_image(shape, dtype)]


def observation_layout(space):
    """``None`` for a flat Box; for a Dict, ``{key: (shape, dtype name)}`` in sorted key order."""
    if not isinstance(space, gymnasium.spaces.Dict):
        return None
    return {key: (tuple(int(size) for size in space[key].shape), np.dtype(space[key].dtype).name)
            for key in sorted(space.spaces)}


def select_observation_keys(layout, observation_keys, environment_id="the environment"):
    """The sorted keys the networks see: ``observation_keys`` (checked) or every key.

    ValueError in one line for an unknown key, or for keys asked of a flat observation."""
    if layout is None:
        if observation_keys:
            raise ValueError(f"observation_keys {list(observation_keys)} given, but "
                             f"{environment_id} has a flat (Box) observation, not a dict")
        return None
    if observation_keys is None:
        return sorted(layout)
    if isinstance(observation_keys, str):
        observation_keys = [observation_keys]
    unknown = [key for key in observation_keys if key not in layout]
    if unknown or not observation_keys:
        what = f"unknown observation key {unknown[0]!r}" if unknown else "no observation keys"
        raise ValueError(f"{what} for {environment_id}; valid keys: {', '.join(sorted(layout))}")
    return sorted(set(observation_keys))


def convert_dict_space(space):
    """The Dict space the networks and pool get from a raw Dict space: uint8 rank-3 Boxes
    stay, other Boxes become flat float32 Boxes. ValueError for any other sub-space."""
    converted = {}
    for key in sorted(space.spaces):
        subspace = space[key]
        if is_image_space(subspace):
            converted[key] = subspace
        elif isinstance(subspace, gymnasium.spaces.Box):
            size = int(np.prod(subspace.shape)) if subspace.shape else 1
            converted[key] = gymnasium.spaces.Box(-np.inf, np.inf, (size,), np.float32)
        else:
            raise ValueError(f"observation key {key!r} is a {type(subspace).__name__} space; "
                             f"dict observations may hold Box spaces only")
    return gymnasium.spaces.Dict(converted)


def convert_dict_observation(observation, space):
    """One raw dict observation in the form of ``convert_dict_space(raw space)``."""
    converted = {}
    for key, subspace in space.spaces.items():
        value = np.asarray(observation[key])
        converted[key] = (value.astype(np.uint8, copy=False) if is_image_space(subspace)
                          else value.astype(np.float32).reshape(-1))
    return converted


def batch_of_one(observation, layout):
    """One observation with a leading batch axis of 1, in the layout's dtypes."""
    if layout is None:
        return np.asarray(observation, np.float32).reshape(1, -1)
    return {key: np.asarray(observation[key], np.dtype(dtype)).reshape(1, *shape)
            for key, (shape, dtype) in layout.items()}


def select(observations, keys):
    """The entries of a dict observation (or batch) that the networks see."""
    if keys is None:
        return observations
    return {key: observations[key] for key in keys}


def all_finite(observation):
    """Whether every float entry of an observation (flat or dict) is finite."""
    values = observation.values() if isinstance(observation, dict) else [observation]
    return all(np.all(np.isfinite(value)) for value in values
               if np.issubdtype(np.asarray(value).dtype, np.floating))


class FrameStack(gymnasium.ObservationWrapper):
    """Stacks the last ``num_frames`` images of dict key ``key`` along the channel axis:
    (height, width, channels * num_frames), oldest first. A reset fills the stack with the
    first frame. Other keys pass through."""

    def __init__(self, env, num_frames, key="pixels"):
        super().__init__(env)
        if not isinstance(env.observation_space, gymnasium.spaces.Dict) or \
                key not in env.observation_space.spaces:
            raise ValueError(f"frame stacking needs a dict observation with the image key "
                             f"{key!r}")
        image_space = env.observation_space[key]
        if not is_image_space(image_space):
            raise ValueError(f"frame stacking needs a uint8 (height, width, channels) image "
                             f"under {key!r}")
        self.num_frames = int(num_frames)
        self.key = key
        height, width, channels = image_space.shape
        spaces = dict(env.observation_space.spaces)
        spaces[key] = gymnasium.spaces.Box(0, 255, (height, width, channels * self.num_frames),
                                           np.uint8)
        self.observation_space = gymnasium.spaces.Dict(spaces)
        self._frames = collections.deque(maxlen=self.num_frames)

    def reset(self, **kwargs):
        observation, info = self.env.reset(**kwargs)
        self._frames.clear()
        for _ in range(self.num_frames):
            self._frames.append(observation[self.key])
        return self._stacked(observation), info

    def observation(self, observation):
        self._frames.append(observation[self.key])
        return self._stacked(observation)

    def _stacked(self, observation):
        return {**observation, self.key: np.concatenate(list(self._frames), axis=-1)}
