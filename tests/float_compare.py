"""Comparisons of float32 results that were computed differently.

Bit-for-bit equality holds only where the same computation runs twice on the same shapes in the
same kind of process (a resumed run against a straight one, fused updates against one-at-a-time
updates on the same batches): the tests of those properties assert it and say why it holds.
Everywhere else -- a batch of 1 against a batch of N (matrix kernels take another path for one
row), a SavedModel or TFLite interpreter against the Keras policy, numpy against TensorFlow, one
intra-op thread against two, oneDNN's kernels against Eigen's -- the last bits may differ, and
the tests compare in float32 units of least precision (ulps) with :func:`assert_float32_close`.
"""
import numpy as np

FLOAT32_EPS = float(np.finfo(np.float32).eps)  # 2**-23: one ulp of a number in [1, 2)


def float32_tolerance(desired, ulps):
    """``ulps`` float32 ulps of the largest magnitude in ``desired`` (at least of 1e-30, so that
    an all-zero array still gets a tolerance of a few subnormal-free ulps)."""
    scale = max(float(np.max(np.abs(np.asarray(desired, np.float64)), initial=0.0)), 1e-30)
    return ulps * FLOAT32_EPS * scale


def assert_float32_close(actual, desired, ulps=4, differs=""):
    """``actual`` equals ``desired`` to within ``ulps`` float32 ulps of ``desired``'s largest
    magnitude, elementwise; ``differs`` names what differs between the two computations and
    goes into the failure message."""
    actual = np.asarray(actual)
    desired = np.asarray(desired)
    assert actual.shape == desired.shape, (actual.shape, desired.shape, differs)
    tolerance = float32_tolerance(desired, ulps)
    np.testing.assert_allclose(
        actual.astype(np.float64), desired.astype(np.float64), rtol=0.0, atol=tolerance,
        err_msg=f"more than {ulps} float32 ulps apart ({tolerance:.3g}); differs: {differs}")
