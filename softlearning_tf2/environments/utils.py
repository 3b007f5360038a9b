"""Builds environments from the variant's ``environment_params``.

An environment is named by universe / domain / task, as in softlearning. In the ``gymnasium``
universe the gymnasium id is ``f"{domain}-{task}"``: ``Pendulum`` / ``v1`` is ``Pendulum-v1``,
``MultiGoal`` / ``Default-v0`` is ``MultiGoal-Default-v0``.
"""
import gymnasium

from softlearning_tf2.environments.adapters.gymnasium_adapter import GymnasiumAdapter

UNIVERSES = ("gymnasium",)


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


def get_environment(universe, domain, task, environment_kwargs=None):
    validate_environment_name(universe, domain, task)
    return GymnasiumAdapter(domain, task, **(environment_kwargs or {}))


def get_environment_from_params(environment_params):
    """``environment_params``: ``{'universe', 'domain', 'task', 'kwargs'}``."""
    return get_environment(environment_params["universe"], environment_params["domain"],
                           environment_params["task"], environment_params.get("kwargs"))
