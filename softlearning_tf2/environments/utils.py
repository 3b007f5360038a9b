"""Builds environments from the variant's ``environment_params``.

An environment is named by universe / domain / task, as in softlearning. In the ``gymnasium``
universe the gymnasium id is ``f"{domain}-{task}"``: ``Pendulum`` / ``v1`` is ``Pendulum-v1``,
``MultiGoal`` / ``Default-v0`` is ``MultiGoal-Default-v0``. In the ``dm_control`` universe the
domain and task are the suite's (``cartpole`` / ``swingup``).

``environment_params``: ``universe``, ``domain``, ``task``, ``kwargs`` (gymnasium.make's
keyword arguments; for dm_control, ``DmControlEnvironment``'s: ``observation``,
``action_repeat``, ``task_kwargs``), ``pixels`` (None, or ``{"width", "height", "camera_id",
"pixels_only"}``: rendered images under the dict key ``pixels``) and ``frame_stack``.
"""
import contextlib
import functools
import importlib.util
import io
import warnings

import gymnasium

from softlearning_tf2.environments.adapters.gymnasium_adapter import (
    GymnasiumAdapter, check_action_space, pixel_rendering_kwargs)
from softlearning_tf2.environments.observations import pixel_settings

UNIVERSES = ("gymnasium", "dm_control")


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


def register_gymnasium_robotics():
    """Registers gymnasium-robotics' tasks (PointMaze, AntMaze, Fetch, ...) by importing the
    package, where it is installed; only when a domain is not found otherwise, since the
    import takes a while and warns about tasks this project does not use. Its Fetch tasks
    get the joint helpers of ``robotics_compatibility`` (they fail to reset otherwise)."""
    if "PointMaze_UMaze-v3" in gymnasium.registry:
        return True
    if importlib.util.find_spec("gymnasium_robotics") is None:
        return False
    # It prints a notice about its Adroit tasks on import, to stderr, and warns.
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        import gymnasium_robotics  # noqa: F401 (registers on import)
        from gymnasium_robotics.utils import mujoco_utils
    from softlearning_tf2.environments.robotics_compatibility import patch_joint_helpers

    patch_joint_helpers(mujoco_utils)  # the Fetch tasks reset beside MuJoCo 3.17
    return True


def gymnasium_domains_and_tasks():
    """Maps each registered gymnasium domain to its sorted list of tasks."""
    domains = {}
    for environment_id in gymnasium.registry:
        if "-" not in environment_id:
            continue
        domain, task = environment_id.split("-", 1)
        domains.setdefault(domain, []).append(task)
    return {domain: sorted(tasks) for domain, tasks in domains.items()}


def dm_control_domains_and_tasks():
    """Maps each dm_control suite domain to its sorted list of tasks (ValueError, one line,
    where dm-control is not installed)."""
    try:
        from softlearning_tf2.environments.adapters.dm_control_adapter import suite_tasks

        return suite_tasks()
    except ImportError as error:
        raise ValueError(f"the dm_control universe needs the dm-control package "
                         f"(pip install -r requirements.txt): {error}") from None


def validate_environment_name(universe, domain, task):
    """Raises ValueError naming the bad value and the valid choices."""
    if universe not in UNIVERSES:
        raise ValueError(f"unknown universe {universe!r}; valid choices: {', '.join(UNIVERSES)}")
    domains = (gymnasium_domains_and_tasks() if universe == "gymnasium"
               else dm_control_domains_and_tasks())
    if universe == "gymnasium" and domain not in domains and register_gymnasium_robotics():
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
    if universe == "dm_control":
        return False  # the suite's actions are bounded boxes
    environment_id = f"{domain}-{task}"
    environment = gymnasium.make(environment_id)
    try:
        check_action_space(environment.action_space, environment_id)
        return isinstance(environment.action_space, gymnasium.spaces.Discrete)
    finally:
        environment.close()


@functools.lru_cache(maxsize=None)
def observation_kind(universe, domain, task):
    """'goal' for the GoalEnv convention (dict observations with ``achieved_goal`` and
    ``desired_goal``, and a ``compute_reward``: hindsight relabelling applies), 'dict' for
    other dict observations, 'flat' for one vector (the states of dm_control's tasks, as the
    adapter gives them). Makes a gymnasium environment once to look."""
    if universe != "gymnasium":
        return "flat"
    validate_environment_name(universe, domain, task)
    environment = gymnasium.make(f"{domain}-{task}")
    try:
        space = environment.observation_space
        if not isinstance(space, gymnasium.spaces.Dict):
            return "flat"
        goal = ({"achieved_goal", "desired_goal"} <= set(space.spaces)
                and callable(getattr(environment.unwrapped, "compute_reward", None)))
        return "goal" if goal else "dict"
    finally:
        environment.close()


def is_goal_environment(universe, domain, task):
    """Whether hindsight relabelling applies to the task (``observation_kind`` 'goal')."""
    return observation_kind(universe, domain, task) == "goal"


def make_raw_environment(universe, domain, task, environment_kwargs=None, pixels=None):
    """The environment in its own action bounds, with the dict key ``pixels`` where asked.
    Where it renders, this runs in a child process (``SubprocessEnvironment``)."""
    environment_kwargs = dict(environment_kwargs or {})
    if universe == "dm_control":
        from softlearning_tf2.environments.adapters.dm_control_adapter import (
            DmControlEnvironment)

        return DmControlEnvironment(domain, task, pixels=pixels, **environment_kwargs)
    if pixels is None:
        return gymnasium.make(f"{domain}-{task}", **environment_kwargs)
    from softlearning_tf2.environments.rendering import configure_headless_rendering

    configure_headless_rendering()
    render_mode, environment_kwargs = pixel_rendering_kwargs(pixels, environment_kwargs)
    environment = gymnasium.make(f"{domain}-{task}", render_mode=render_mode,
                                 **environment_kwargs)
    environment = gymnasium.wrappers.AddRenderObservation(
        environment, render_only=False, render_key="pixels", obs_key="state")
    if pixel_settings(pixels)["pixels_only"]:  # still a dict, with the one key
        environment = gymnasium.wrappers.FilterObservation(environment, ["pixels"])
    return environment


def get_environment(universe, domain, task, environment_kwargs=None, pixels=None,
                    frame_stack=1, step_delay=0.0):
    """The adapter of one task (see the module docstring for the arguments). An environment
    that renders pixel observations is stepped in a child process."""
    validate_environment_name(universe, domain, task)
    environment_id = (f"dm_control/{domain}-{task}" if universe == "dm_control"
                      else f"{domain}-{task}")
    arguments = {"universe": universe, "domain": domain, "task": task,
                 "environment_kwargs": environment_kwargs, "pixels": pixels}
    if pixels is not None:
        from softlearning_tf2.environments.rendering import headless_backend
        from softlearning_tf2.environments.subprocess_environment import (
            SubprocessEnvironment)

        headless_backend()  # one line here where no headless OpenGL works

        raw = SubprocessEnvironment(f"{__name__}:make_raw_environment", arguments,
                                    name=environment_id)
    elif universe == "dm_control":
        raw = make_raw_environment(**arguments)
    else:
        return GymnasiumAdapter(domain, task, frame_stack=frame_stack, step_delay=step_delay,
                                **(environment_kwargs or {}))
    return GymnasiumAdapter(domain, task, environment=raw, frame_stack=frame_stack,
                            environment_id=environment_id, step_delay=step_delay)


def get_environment_from_params(environment_params):
    """``environment_params``: ``{'universe', 'domain', 'task', 'kwargs', 'pixels',
    'frame_stack', 'step_delay'}`` (the last three optional; ``step_delay``: seconds of CPU
    work added to every step, a stand-in for a costlier simulator)."""
    return get_environment(environment_params["universe"], environment_params["domain"],
                           environment_params["task"], environment_params.get("kwargs"),
                           pixels=environment_params.get("pixels"),
                           frame_stack=environment_params.get("frame_stack", 1),
                           step_delay=environment_params.get("step_delay", 0.0))
