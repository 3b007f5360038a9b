"""Soft vs hard policies and optimistic posterior dynamics on a stochastic-cliff gridworld.

Run as ``python -m examples.control_as_inference.main [--output-dir DIR]
[--temperatures 0.1 0.5 1 2]``. Everything is exact tabular computation with
``softlearning_tf2.inference`` (numpy only); figures are written with matplotlib's Agg backend.

Two figures are produced:

* ``soft_policies.png`` - for the hard-optimal policy and the soft-optimal policy at each
  temperature: the state values with the action probabilities drawn as arrows in every cell,
  and the discounted state visitation from the start cell.
* ``posterior_dynamics.png`` - how likely exact posterior inference thinks a gust is to blow
  the agent into the cliff (versus the true probability), and what that optimism costs when the
  resulting policy is run in the real, stochastic world, compared with the max-ent
  (variational) policy that plans with the true dynamics.
"""

import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from softlearning_tf2.inference import (  # noqa: E402
    backward_messages, cliff_gridworld, discounted_state_visitation,
    finite_horizon_soft_value_iteration, hard_value_iteration, posterior_dynamics,
    posterior_policy, soft_value_iteration)

ARROWS = {"up": "^", "right": ">", "down": "v", "left": "<"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="./control_as_inference_output",
                        help="directory for the PNG files (created if missing)")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.1, 0.5, 1.0, 2.0],
                        help="positive entropy temperatures alpha to compare")
    parser.add_argument("--discount", type=float, default=0.95)
    parser.add_argument("--horizon", type=int, default=30,
                        help="episode length T for the finite-horizon inference part")
    parser.add_argument("--slip-probability", type=float, default=0.1,
                        help="chance of being blown into the cliff when acting on its edge")
    parser.add_argument("--cliff-reward", type=float, default=-20.0)
    args = parser.parse_args(argv)
    if any(temperature <= 0 for temperature in args.temperatures):
        parser.error("--temperatures must all be > 0 (the hard policy is always shown)")
    return args


# ----------------------------------------------------------------------------- text output


def policy_text(mdp, policy):
    """One line per grid row: the most likely action and its probability in each cell."""
    lines = []
    for row in range(mdp.shape[0]):
        cells = []
        for col in range(mdp.shape[1]):
            if (row, col) in mdp.cliff:
                cells.append("  C  ")
            elif (row, col) == mdp.goal:
                cells.append("  G  ")
            else:
                probabilities = policy[mdp.state(row, col)]
                best = int(np.argmax(probabilities))
                cells.append(f"{ARROWS[mdp.action_names[best]]}{probabilities[best]:.2f}")
        lines.append(" ".join(cells))
    return lines


def edge_occupancy(mdp, policy, discount):
    visitation = discounted_state_visitation(mdp.transitions, policy, discount,
                                             mdp.initial_state_distribution)
    return float(sum(visitation[mdp.state(*cell)] for cell in mdp.edge)), visitation


def rollout_statistics(mdp, time_varying_policy):
    """Expected falls and total reward over one episode, run under the *true* dynamics."""
    distribution = mdp.initial_state_distribution.copy()
    cliff_states = [mdp.state(*cell) for cell in mdp.cliff]
    falls, total_reward = 0.0, 0.0
    for policy in time_varying_policy:
        falls += distribution[cliff_states].sum()
        total_reward += np.einsum("s,sa,sa->", distribution, policy, mdp.rewards)
        distribution = np.einsum("s,sa,sat->t", distribution, policy, mdp.transitions)
    return falls, total_reward


# ----------------------------------------------------------------------------- figures


def draw_grid_panel(ax, mdp, cell_values, policy, title, colorbar_label, cmap,
                    mask_goal=False):
    """Heat map of ``cell_values`` with the policy's action probabilities as arrows.

    Cliff cells (and the goal with ``mask_goal``) are drawn grey and left out of the colour
    scale, so that e.g. the absorbing goal does not swamp a visitation map.
    """
    height, width = mdp.shape
    grid = np.array(mdp.to_grid(cell_values), dtype=float)
    blocked = np.zeros(mdp.shape, dtype=bool)
    for cell in mdp.cliff + ((mdp.goal,) if mask_goal else ()):
        blocked[cell] = True
    image = ax.imshow(np.ma.masked_array(grid, blocked), cmap=cmap)
    ax.imshow(np.ma.masked_array(np.ones(mdp.shape), ~blocked), cmap="Greys", vmin=0, vmax=1.4)
    plt.colorbar(image, ax=ax, fraction=0.035, pad=0.02, label=colorbar_label)
    for cell in mdp.edge:
        ax.add_patch(plt.Rectangle((cell[1] - 0.5, cell[0] - 0.5), 1, 1, fill=False,
                                   edgecolor="tab:red", linewidth=1.0, linestyle="--"))
    labels = {mdp.start: "S", mdp.goal: "G", **{cell: "C" for cell in mdp.cliff}}
    for (row, col), label in labels.items():
        ax.text(col, row + (0.3 if label == "S" else 0.0), label, ha="center", va="center",
                fontsize=9, fontweight="bold", color="white" if blocked[row, col] else "black")
    if policy is not None:
        xs, ys, us, vs = [], [], [], []
        for row in range(height):
            for col in range(width):
                if (row, col) in mdp.cliff or (row, col) == mdp.goal:
                    continue
                for action, (d_row, d_col) in enumerate(mdp.action_offsets):
                    length = 0.45 * policy[mdp.state(row, col), action]
                    if length < 0.02:
                        continue
                    xs.append(col), ys.append(row)
                    us.append(d_col * length), vs.append(d_row * length)
        ax.quiver(xs, ys, us, vs, angles="xy", scale_units="xy", scale=1, width=0.012,
                  headwidth=3.5, headlength=3.5, headaxislength=3.0, color="black")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_policies(mdp, results, discount, path):
    """``results``: list of (title, values, policy, visitation)."""
    columns = len(results)
    figure, axes = plt.subplots(2, columns, figsize=(3.6 * columns, 5.2), squeeze=False)
    for column, (title, values, policy, visitation) in enumerate(results):
        draw_grid_panel(axes[0, column], mdp, values, policy, title, "V(s)", "viridis")
        draw_grid_panel(axes[1, column], mdp, visitation, None,
                        "visitation from S (goal masked)", "d(s)", "magma",
                        mask_goal=True)
    figure.suptitle(
        f"Stochastic cliff (slip into C with p={mdp.slip_probability:g} when acting on a "
        f"dashed edge cell), discount {discount:g}\n"
        "top: soft value and action probabilities (arrow length = pi(a|s)); "
        "bottom: where the policy spends its time", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_posterior(mdp, temperatures, posterior, horizon, path):
    """``posterior[alpha]`` holds ``slip_over_time``, falls and the two time-0 policies."""
    figure = plt.figure(figsize=(13, 8.2))
    grid = figure.add_gridspec(2, 2, height_ratios=[1.0, 0.9])
    left, right = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    colors = plt.cm.viridis(np.linspace(0.1, 0.85, len(temperatures)))

    steps = np.arange(horizon - 1)
    left.axhline(mdp.slip_probability, color="black", linestyle="--", label="true dynamics")
    for color, temperature in zip(colors, temperatures):
        left.plot(steps, posterior[temperature]["slip_over_time"], color=color, marker=".",
                  label=f"exact posterior, alpha={temperature:g}")
    left.set_yscale("log")
    left.set_ylim(top=2.0)
    left.set_xlabel("time step t (of the T-step episode)")
    left.set_ylabel("p(blown into the cliff | s_t, a_t, O)")
    middle_edge = mdp.edge[len(mdp.edge) // 2]
    left.set_title(f"Exact posterior dynamics are optimistic (edge cell {middle_edge}, action "
                   "'right')\np(s'|s,a,O) = p(s'|s,a) beta_t+1(s') / E[beta_t+1]: the agent "
                   "'chooses its luck'", fontsize=10)
    left.legend(fontsize=8, loc="lower right")

    positions = np.arange(len(temperatures))
    optimistic = [posterior[t]["posterior_falls"] for t in temperatures]
    variational = [posterior[t]["variational_falls"] for t in temperatures]
    bars = right.bar(positions - 0.2, optimistic, 0.4, color="tab:red",
                     label="exact-posterior policy (plans with optimistic dynamics)")
    right.bar_label(bars, fmt="%.2f", fontsize=8)
    bars = right.bar(positions + 0.2, variational, 0.4, color="tab:blue",
                     label="max-ent / variational policy (plans with true dynamics)")
    right.bar_label(bars, fmt="%.2f", fontsize=8)
    right.set_xticks(positions, [f"alpha={t:g}" for t in temperatures])
    right.set_ylabel(f"expected falls per {horizon}-step episode")
    right.set_ylim(0, 1.15 * max(optimistic + variational + [1e-3]))
    right.set_title("Cost of optimism when run in the real, stochastic world", fontsize=10)
    right.legend(fontsize=8)

    shown = temperatures[int(np.argmin(np.abs(np.log(temperatures))))]  # Closest to alpha=1.
    for column, (key, name) in enumerate((("posterior_policy", "exact-posterior policy"),
                                          ("variational_policy", "max-ent (variational) policy"))):
        ax = figure.add_subplot(grid[1, column])
        draw_grid_panel(ax, mdp, posterior[shown][key + "_values"], posterior[shown][key],
                        f"{name}, alpha={shown:g}, t=0", "V_0(s)", "viridis")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


# ----------------------------------------------------------------------------- main


def main(argv=None):
    args = parse_args(argv)
    mdp = cliff_gridworld(slip_probability=args.slip_probability, cliff_reward=args.cliff_reward)
    discount, horizon, temperatures = args.discount, args.horizon, args.temperatures
    os.makedirs(args.output_dir, exist_ok=True)
    print(f"Stochastic-cliff gridworld {mdp.shape[0]}x{mdp.shape[1]}: start S={mdp.start}, "
          f"goal G={mdp.goal}, slip p={mdp.slip_probability:g} on edge cells {mdp.edge}, "
          f"cliff reward {args.cliff_reward:g}, discount {discount:g}.")

    # Soft vs hard policies (infinite horizon, discounted).
    _, hard_values, hard_policy = hard_value_iteration(mdp.transitions, mdp.rewards, discount)
    hard_edge, hard_visitation = edge_occupancy(mdp, hard_policy, discount)
    results = [("hard optimal (alpha -> 0)", hard_values, hard_policy, hard_visitation)]
    print("\nHard-optimal policy (most likely action and its probability per cell):")
    print("\n".join("  " + line for line in policy_text(mdp, hard_policy)))
    print(f"  discounted time on the cliff edge: {hard_edge:.3f}, V(S) = "
          f"{hard_values[mdp.state(*mdp.start)]:.2f}")
    for temperature in temperatures:
        _, values, policy = soft_value_iteration(mdp.transitions, mdp.rewards, discount,
                                                 temperature)
        edge, visitation = edge_occupancy(mdp, policy, discount)
        results.append((f"soft, alpha={temperature:g}", values, policy, visitation))
        print(f"\nSoft-optimal policy, alpha={temperature:g}:")
        print("\n".join("  " + line for line in policy_text(mdp, policy)))
        print(f"  discounted time on the cliff edge: {edge:.3f}, soft V(S) = "
              f"{values[mdp.state(*mdp.start)]:.2f}")

    # Exact posterior inference (finite horizon) vs the variational / max-ent solution.
    right = mdp.action("right")
    middle_edge = mdp.edge[len(mdp.edge) // 2]
    posterior = {}
    print(f"\nFinite horizon T={horizon}: exact posterior vs true dynamics (edge cells, action "
          f"'right', first step) and expected falls into the cliff per episode in the true world:")
    print(f"  {'alpha':>6} {'true slip':>10} {'posterior slip (min..max)':>27} "
          f"{'falls: posterior':>17} {'falls: max-ent':>15}")
    for temperature in temperatures:
        dynamics = posterior_dynamics(mdp.transitions, mdp.rewards, horizon,
                                      temperature=temperature)
        slips = np.array([dynamics[0, mdp.state(row, col), right, mdp.state(row + 1, col)]
                          for row, col in mdp.edge])
        row, col = middle_edge
        slip_over_time = dynamics[:, mdp.state(row, col), right, mdp.state(row + 1, col)]
        log_beta_sa, log_beta_s = backward_messages(mdp.transitions, mdp.rewards / temperature,
                                                    horizon)
        optimistic_policy = posterior_policy(log_beta_sa, log_beta_s)
        _, variational_values, variational_policy = finite_horizon_soft_value_iteration(
            mdp.transitions, mdp.rewards, horizon, temperature)
        posterior_falls, posterior_reward = rollout_statistics(mdp, optimistic_policy)
        variational_falls, variational_reward = rollout_statistics(mdp, variational_policy)
        posterior[temperature] = dict(
            slip_over_time=slip_over_time, posterior_falls=posterior_falls,
            variational_falls=variational_falls, posterior_policy=optimistic_policy[0],
            posterior_policy_values=temperature * log_beta_s[0],
            variational_policy=variational_policy[0],
            variational_policy_values=variational_values[0])
        print(f"  {temperature:>6g} {mdp.slip_probability:>10.3g} "
              f"{slips.min():>13.2e}..{slips.max():<13.2e} {posterior_falls:>17.3f} "
              f"{variational_falls:>15.3f}")
        print(f"  {'':>6} expected episode reward: exact-posterior policy "
              f"{posterior_reward:.2f}, max-ent policy {variational_reward:.2f}")

    policies_path = os.path.join(args.output_dir, "soft_policies.png")
    posterior_path = os.path.join(args.output_dir, "posterior_dynamics.png")
    plot_policies(mdp, results, discount, policies_path)
    plot_posterior(mdp, temperatures, posterior, horizon, posterior_path)
    print("\nWrote:")
    for path in (policies_path, posterior_path):
        print(f"  {os.path.abspath(path)}")
    return [policies_path, posterior_path]


if __name__ == "__main__":
    main()
