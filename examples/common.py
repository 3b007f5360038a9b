"""What the measuring examples share: their output directory, CSV files and figure finish."""
import csv
import os


def prepare_output(output_dir, *subdirectories):
    """Imports TensorFlow quietly and makes ``output_dir`` (and its subdirectories); returns
    its absolute path."""
    from softlearning_tf2.utils.quiet import import_tensorflow

    import_tensorflow()
    output = os.path.abspath(output_dir)
    for subdirectory in ("", *subdirectories):
        os.makedirs(os.path.join(output, subdirectory), exist_ok=True)
    return output


def write_csv(path, columns, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(rows)


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_mean_and_range(axis, x, values, label, color=None, marker=None):
    """The mean over the rows of ``values`` (seeds) as a line, lowest to highest as a band."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    line, = axis.plot(x, values.mean(axis=0), label=label, color=color, marker=marker)
    axis.fill_between(x, values.min(axis=0), values.max(axis=0), color=line.get_color(),
                      alpha=0.2)
    return line


def finish_axis(axis, xlabel, ylabel, title, legend_size=8):
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=legend_size)


def save_figure(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot().close(figure)
