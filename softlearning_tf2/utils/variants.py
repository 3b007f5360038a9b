"""Building objects from the variant dict.

Every buildable entry of a variant has exactly one shape, ``{'class_name': str, 'config': dict}``,
so every ``get_*_from_variant`` builder goes through :func:`build_from_params` and none of them
guesses at the layout.
"""
from collections.abc import Mapping


def build_from_params(params, registry, kind, **dependencies):
    """Builds ``registry[params['class_name']](**params['config'], **dependencies)``.

    Args:
      params: ``{'class_name': name, 'config': keyword arguments}``.
      registry: maps class names to classes or factory functions.
      kind: what is being built ("policy", "Q function", ...), used in error messages.
      **dependencies: objects the builder passes besides the config (environments, pools, ...).
    """
    if not isinstance(params, Mapping) or set(params) != {"class_name", "config"}:
        raise ValueError(
            f"{kind} params must be a dict with exactly the keys 'class_name' and 'config', "
            f"got {params!r}")
    class_name = params["class_name"]
    if class_name not in registry:
        raise ValueError(f"unknown {kind} class_name {class_name!r}; "
                         f"valid choices: {', '.join(sorted(registry))}")
    config = dict(params["config"])
    overlap = set(config) & set(dependencies)
    if overlap:
        raise ValueError(f"{kind} config may not set {sorted(overlap)}: the builder provides them")
    return registry[class_name](**config, **dependencies)
