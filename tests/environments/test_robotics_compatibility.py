"""The joint helpers that let gymnasium-robotics' Fetch tasks reset beside MuJoCo 3.17."""
import gymnasium
import mujoco
import numpy as np

from softlearning_tf2.environments import robotics_compatibility
from softlearning_tf2.environments.utils import is_goal_environment, register_gymnasium_robotics

MODEL = """
<mujoco><worldbody>
  <body name="a"><freejoint name="free"/><geom size=".1"/></body>
  <body name="b" pos="1 0 0"><joint name="ball" type="ball"/><geom size=".1"/>
    <body name="c" pos="0 1 0"><joint name="hinge" type="hinge"/><geom size=".1"/>
      <body name="d" pos="0 0 1"><joint name="slide" type="slide"/><geom size=".1"/></body>
    </body>
  </body>
</worldbody></mujoco>"""


def test_each_joint_gets_its_own_slice_of_qpos_and_qvel():
    model = mujoco.MjModel.from_xml_string(MODEL)
    data = mujoco.MjData(model)
    # free: qpos 0-6, qvel 0-5; ball: qpos 7-10, qvel 6-8; hinge: 11 / 9; slide: 12 / 10.
    expected = {"free": (slice(0, 7), slice(0, 6)), "ball": (slice(7, 11), slice(6, 9)),
                "hinge": (slice(11, 12), slice(9, 10)), "slide": (slice(12, 13), slice(10, 11))}
    assert model.nq == 13 and model.nv == 11
    for name, (qpos, qvel) in expected.items():
        assert robotics_compatibility.joint_slice(model, name) == qpos
        assert robotics_compatibility.joint_slice(model, name, velocity=True) == qvel
        width = qpos.stop - qpos.start
        value = np.arange(1, width + 1, dtype=float) if width > 1 else 0.5
        robotics_compatibility.set_joint_qpos(model, data, name, value)
        np.testing.assert_array_equal(data.qpos[qpos], np.atleast_1d(value))
        np.testing.assert_array_equal(robotics_compatibility.get_joint_qpos(model, data, name),
                                      np.atleast_1d(value))
        velocity = -np.ones(qvel.stop - qvel.start)
        robotics_compatibility.set_joint_qvel(model, data, name, velocity)
        np.testing.assert_array_equal(robotics_compatibility.get_joint_qvel(model, data, name),
                                      velocity)
    assert not np.isnan(data.qpos).any()


def test_fetch_reach_resets_steps_and_is_a_goal_task():
    assert register_gymnasium_robotics()
    environment = gymnasium.make("FetchReach-v4")
    observation, _ = environment.reset(seed=0)
    assert observation["achieved_goal"].shape == observation["desired_goal"].shape == (3,)
    observation, reward, *_ = environment.step(environment.action_space.sample())
    assert reward == environment.unwrapped.compute_reward(
        observation["achieved_goal"], observation["desired_goal"], {})
    assert is_goal_environment("gymnasium", "FetchReach", "v4")
