"""Pictures of a policy on MultiGoal: Q contours over the action square, rollout paths."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from softlearning_tf2.samplers.utils import rollout  # noqa: E402

CONTOUR_OBSERVATIONS = ((-2.5, 0.0), (0.0, 0.0), (2.5, 2.5))


def stochastic_rollouts(environment, policy, num_rollouts, max_path_length=30):
    """Positions of each path, the index of the goal it reached (-1: none), its return."""
    paths = []
    for _ in range(num_rollouts):
        path = rollout(environment, policy.action, max_path_length)
        positions = np.array([info["position"] for info in path["infos"]])
        goal_index = int(path["infos"][-1]["goal_index"]) if path["terminated"] else -1
        paths.append({"positions": positions, "goal_index": goal_index,
                      "return": path["return"]})
    return paths


def goal_counts(paths, num_goals=4):
    """How many paths reached each goal."""
    counts = np.zeros(num_goals, int)
    for path in paths:
        if path["goal_index"] >= 0:
            counts[path["goal_index"]] += 1
    return counts


def plot_paths(paths, goals, path, bounds=(-7.0, 7.0), title=""):
    """The goal map (distance-cost contours, goals) with every rollout's path."""
    figure, axis = plt.subplots(figsize=(6, 6))
    grid = np.linspace(*bounds, 141)
    xs, ys = np.meshgrid(grid, grid)
    goals = np.asarray(goals, float)
    distance = np.min([(xs - gx) ** 2 + (ys - gy) ** 2 for gx, gy in goals], axis=0)
    axis.contour(xs, ys, distance, levels=12, colors="0.75", linewidths=0.8)
    axis.plot(goals[:, 0], goals[:, 1], "r*", markersize=16, label="goals")
    for episode in paths:
        positions = episode["positions"]
        axis.plot(positions[:, 0], positions[:, 1], "b-", linewidth=0.8, alpha=0.6)
        axis.plot(positions[-1, 0], positions[-1, 1], "b.", markersize=5)
    counts = goal_counts(paths, len(goals))
    axis.set_title(f"{title}\n{len(paths)} stochastic rollouts; reached per goal: "
                   f"{counts.tolist()}")
    axis.set_xlim(*bounds)
    axis.set_ylim(*bounds)
    axis.set_aspect("equal")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return counts


def Q_grid(Qs, observation, resolution=61):
    """min_i Q_i(observation, a) on a resolution x resolution grid over [-1, 1]^2."""
    grid = np.linspace(-1.0, 1.0, resolution, dtype=np.float32)
    a_x, a_y = np.meshgrid(grid, grid)
    actions = np.stack([a_x.ravel(), a_y.ravel()], axis=1)
    observations = np.repeat(np.asarray(observation, np.float32)[None], len(actions), axis=0)
    values = np.min([Q([tf.constant(observations), tf.constant(actions)]).numpy()[:, 0]
                     for Q in Qs], axis=0)
    return a_x, a_y, values.reshape(a_x.shape)


def plot_Q_contours(Qs, policy, path, observations=CONTOUR_OBSERVATIONS, num_actions=100,
                    title=""):
    """Q(s, .) over the action square at each observation, with sampled actions on top."""
    figure, axes = plt.subplots(1, len(observations), figsize=(5 * len(observations), 4.6))
    for axis, observation in zip(np.atleast_1d(axes), observations):
        a_x, a_y, values = Q_grid(Qs, observation)
        contours = axis.contourf(a_x, a_y, values, levels=20, cmap="viridis")
        figure.colorbar(contours, ax=axis, shrink=0.85)
        batch = tf.constant(np.repeat(np.asarray(observation, np.float32)[None], num_actions, 0))
        actions = policy.actions(batch).numpy()
        axis.plot(actions[:, 0], actions[:, 1], "r.", markersize=4)
        axis.set_title(f"Q(s, a) at s = {observation}")
        axis.set_xlim(-1, 1)
        axis.set_ylim(-1, 1)
        axis.set_aspect("equal")
        axis.set_xlabel("action x")
        axis.set_ylabel("action y")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
