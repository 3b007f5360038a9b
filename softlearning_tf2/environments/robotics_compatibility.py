"""gymnasium-robotics 1.4.2's Fetch tasks beside MuJoCo 3.17 and numpy 2.

Its joint helpers (``gymnasium_robotics.utils.mujoco_utils``: ``set_joint_qpos``,
``set_joint_qvel``, ``get_joint_qpos``, ``get_joint_qvel``) test a joint's type with
``model.jnt_type[i] in (mjtJoint.mjJNT_HINGE, mjtJoint.mjJNT_SLIDE)``. ``in`` compares with the
enum on the left, and MuJoCo 3.17's pybind11 enum says a numpy int32 is never equal to it
(``mjJNT_SLIDE == np.int32(2)`` is False while ``np.int32(2) == mjJNT_SLIDE`` is True), so
every hinge or slide joint fails the assertion and ``FetchReach-v4`` cannot reset: the bare
``AssertionError`` that FetchReach-v4 raises on make/reset with these versions (seen here;
requirements.txt notes it beside the gymnasium-robotics pin).

``patch_joint_helpers(mujoco_utils)`` replaces the four helpers with versions that compare
integers. They read and write the same slices of ``qpos`` / ``qvel`` (a ball joint's velocity
has 3 entries; the original's getter took 4). This file imports nothing of this package, so the
Stable-Baselines3 comparison (``benchmarks/sb3_her.py``) loads it by path and runs the same
tasks.
"""
import mujoco
import numpy as np

# Entries of qpos and of qvel per joint type.
_QPOS_WIDTH = {int(mujoco.mjtJoint.mjJNT_FREE): 7, int(mujoco.mjtJoint.mjJNT_BALL): 4,
               int(mujoco.mjtJoint.mjJNT_SLIDE): 1, int(mujoco.mjtJoint.mjJNT_HINGE): 1}
_QVEL_WIDTH = {int(mujoco.mjtJoint.mjJNT_FREE): 6, int(mujoco.mjtJoint.mjJNT_BALL): 3,
               int(mujoco.mjtJoint.mjJNT_SLIDE): 1, int(mujoco.mjtJoint.mjJNT_HINGE): 1}


def joint_slice(model, name, velocity=False):
    """The slice of ``data.qvel`` (``velocity``) or ``data.qpos`` that joint ``name`` owns."""
    joint_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)
    if joint_id == -1:
        raise ValueError(f"joint {name!r} is not part of the model")
    joint_type = int(model.jnt_type[joint_id])
    if velocity:
        start, width = int(model.jnt_dofadr[joint_id]), _QVEL_WIDTH[joint_type]
    else:
        start, width = int(model.jnt_qposadr[joint_id]), _QPOS_WIDTH[joint_type]
    return slice(start, start + width)


def _set(array, where, name, value):
    value = np.asarray(value)
    width = where.stop - where.start
    if width > 1 and value.shape != (width,):
        raise ValueError(f"joint {name!r} takes {width} values, got shape {value.shape}")
    array[where] = value


def set_joint_qpos(model, data, name, value):
    _set(data.qpos, joint_slice(model, name), name, value)


def set_joint_qvel(model, data, name, value):
    _set(data.qvel, joint_slice(model, name, velocity=True), name, value)


def get_joint_qpos(model, data, name):
    return data.qpos[joint_slice(model, name)].copy()


def get_joint_qvel(model, data, name):
    return data.qvel[joint_slice(model, name, velocity=True)].copy()


def enum_comparison_is_broken():
    """Whether this MuJoCo's joint-type enum refuses numpy integers (the bug patched here)."""
    return not (np.int32(int(mujoco.mjtJoint.mjJNT_SLIDE))
                in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE))


def patch_joint_helpers(mujoco_utils):
    """Replaces the module's four joint helpers (see the module docstring), where needed."""
    if not enum_comparison_is_broken():
        return False
    mujoco_utils.set_joint_qpos = set_joint_qpos
    mujoco_utils.set_joint_qvel = set_joint_qvel
    mujoco_utils.get_joint_qpos = get_joint_qpos
    mujoco_utils.get_joint_qvel = get_joint_qvel
    return True
