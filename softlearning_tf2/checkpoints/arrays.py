"""How an algorithm's trainable state becomes the arrays of ``algorithm.npz``, and back.

An algorithm lists what a checkpoint must hold as three dicts (``checkpointables()``): Keras
models (their weights, in ``get_weights`` order), optimizers (every slot and step counter) and
single ``tf.Variable``s (log alpha, random generators' states, the update counter). Their keys
here are ``models/{name}/{index}``, ``optimizers/{name}/{index}`` and ``variables/{name}``.
"""
from softlearning_tf2.checkpoints.files import CheckpointError

POLICY_WEIGHTS_PREFIX = "models/policy/"


def to_arrays(models, optimizers, variables):
    arrays = {}
    for name, model in models.items():
        for index, weight in enumerate(model.get_weights()):
            arrays[f"models/{name}/{index}"] = weight
    for name, optimizer in optimizers.items():
        for index, variable in enumerate(optimizer.variables):
            arrays[f"optimizers/{name}/{index}"] = variable.numpy()
    for name, variable in variables.items():
        arrays[f"variables/{name}"] = variable.numpy()
    return arrays


def indexed(arrays, prefix, path="the checkpoint"):
    """``[arrays[prefix + '0'], arrays[prefix + '1'], ...]``."""
    count = sum(1 for key in arrays if key.startswith(prefix))
    try:
        return [arrays[f"{prefix}{index}"] for index in range(count)]
    except KeyError as error:
        raise CheckpointError(f"{path} is missing the array {error.args[0]!r}") from None


def assign_arrays(arrays, models, optimizers, variables, path="the checkpoint"):
    """Loads ``arrays`` into the checkpointables; CheckpointError where they do not fit."""
    try:
        for name, model in models.items():
            model.set_weights(indexed(arrays, f"models/{name}/", path))
        for name, optimizer in optimizers.items():
            values = indexed(arrays, f"optimizers/{name}/", path)
            if len(values) != len(optimizer.variables):
                raise CheckpointError(
                    f"{path} has {len(values)} variables for optimizer {name!r}, the "
                    f"optimizer has {len(optimizer.variables)}")
            for variable, value in zip(optimizer.variables, values):
                variable.assign(value)
        for name, variable in variables.items():
            key = f"variables/{name}"
            if key not in arrays:
                raise CheckpointError(f"{path} is missing the array {key!r}")
            variable.assign(arrays[key])
    except (ValueError, TypeError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"{path} does not fit the variant's networks: "
                              f"{' '.join(str(error).split())}") from None


def policy_weights(arrays, path="the checkpoint"):
    weights = indexed(arrays, POLICY_WEIGHTS_PREFIX, path)
    if not weights:
        raise CheckpointError(f"{path} holds no policy weights ({POLICY_WEIGHTS_PREFIX}0, ...)")
    return weights
