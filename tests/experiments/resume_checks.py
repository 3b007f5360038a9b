"""One check shared by the resume tests of this folder."""
import numpy as np

from softlearning_tf2 import Experiment


def save_restore_and_compare(experiment, checkpoint_dir):
    """Saves ``experiment`` into ``checkpoint_dir``, trains it one more epoch, and trains a
    copy loaded from the checkpoint one epoch too: the two epochs' diagnostics (timings
    aside) and Q_0's weights must be identical. Returns the restored copy."""
    experiment.save(str(checkpoint_dir))
    expected = experiment.train(1)[0]
    restored = Experiment.load(str(checkpoint_dir))
    actual = restored.train(1)[0]
    # A resumed run against the straight one, in this process on the same batches: bit for bit.
    for key, value in expected.items():
        if not key.startswith("times/"):
            same = actual[key] == value or (np.isnan(actual[key]) and np.isnan(value))
            assert same, (key, actual[key], value)
    for mine, theirs in zip(experiment.algorithm.checkpointables()[0]["Q_0"].get_weights(),
                            restored.algorithm.checkpointables()[0]["Q_0"].get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    return restored
