"""Builds environments from the variant's ``environment_params``.

An environment is named by universe / domain / task, as in softlearning. In the ``gymnasium``
universe the gymnasium id is ``f"{domain}-{task}"``: ``Pendulum`` / ``v1`` is ``Pendulum-v1``,
``MultiGoal`` / ``Default-v0`` is ``MultiGoal-Default-v0``.
"""
import functools
import importlib.util

import gymnasium

from softlearning_tf2.environments.adapters.gymnasium_adapter import (
    GymnasiumAdapter, check_action_space)

UNIVERSES = ("gymnasium",)


MINATAR_GAMES = {"Asterix": "asterix", "Breakout": "breakout", "Freeway": "freeway",
                 "Seaquest": "seaquest", "SpaceInvaders": "space_invaders"}


def register_minatar():
    """Registers MinAtar's games with gymnasium when the ``minatar`` package is installed (it
    defines them but registers nothing on import): ``MinAtar/{Game}-v0`` with the full action
    set, ``-v1`` with the game's minimal one, as ``minatar.gym.register_envs`` names them.
    Registered by entry point, so that minatar (and the plotting libraries it imports) loads
    only when a MinAtar environment is made."""
    if "MinAtar/Breakout-v1" in gymnasium.registry or importlib.util.find_spec("minatar") is None:
        return
    for name, game in MINATAR_GAMES.items():
        for version, minimal in (("v0", False), ("v1", True)):
            gymnasium.register(f"MinAtar/{name}-{version}", entry_point="minatar.gym:BaseEnv",
                               kwargs={"game": game, "use_minimal_action_set": minimal})


register_minatar()


def gymnasium_domains_and_tasks():
    """Maps each registered gymnasium domain to its sorted list of tasks."""
    domains = {}
    for environment_id in gymnasium.registry:
        if "-" not in environment_id:
            continue
        domain, task = environment_id.split("-", 1)
        domains.setdefault(domain, []).append(task)
    return {domain: sorted(tasks) for domain, tasks in domains.items()}


def validate_environment_name(universe, domain, task):
    """Raises ValueError naming the bad value and the valid choices."""
    if universe not in UNIVERSES:
        raise ValueError(f"unknown universe {universe!r}; valid choices: {', '.join(UNIVERSES)}")
    domains = gymnasium_domains_and_tasks()
    if domain not in domains:
        raise ValueError(f"unknown domain {domain!r} in universe {universe!r}; valid choices: "
                         f"{', '.join(sorted(domains))}")
    if task not in domains[domain]:
        raise ValueError(f"unknown task {task!r} for domain {domain!r}; valid choices: "
                         f"{', '.join(domains[domain])}")


@functools.lru_cache(maxsize=None)
def has_discrete_actions(universe, domain, task):
    """Whether the task's action space is Discrete (True) or a bounded Box (False); ValueError
    (one line naming what is supported) for any other action space. Makes the environment
    once to look."""
    validate_environment_name(universe, domain, task)
    environment_id = f"{domain}-{task}"
    environment = gymnasium.make(environment_id)
    try:
        check_action_space(environment.action_space, environment_id)
        return isinstance(environment.action_space, gymnasium.spaces.Discrete)
    finally:
        environment.close()


def get_environment(universe, domain, task, environment_kwargs=None):
    validate_environment_name(universe, domain, task)
    return GymnasiumAdapter(domain, task, **(environment_kwargs or {}))


def get_environment_from_params(environment_params):
    """``environment_params``: ``{'universe', 'domain', 'task', 'kwargs'}``."""
    return get_environment(environment_params["universe"], environment_params["domain"],
                           environment_params["task"], environment_params.get("kwargs"))
