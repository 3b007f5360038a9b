"""Learning curves: mean over seeds with a band of one standard deviation."""


def plot_curves(curves, ylabel, output, xlabel="timestep", title="", reference=None):
    """Draws ``curves`` ({label: {"x", "mean", "std", "num_trials"}}) into the PNG ``output``.

    ``reference``: optional ``(x, y, label)`` drawn as black points (published results).
    Returns the figure.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for label, curve in curves.items():
        line, = axis.plot(curve["x"], curve["mean"],
                          label=f"{label} ({curve['num_trials']} seeds)")
        axis.fill_between(curve["x"], curve["mean"] - curve["std"],
                          curve["mean"] + curve["std"], color=line.get_color(), alpha=0.2)
    if reference is not None:
        x, y, label = reference
        axis.plot(x, y, "ko--", label=label)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    return figure
