"""Dropout Q-functions for doubly efficient reinforcement learning (DroQ).

Hiraoka, Imagawa, Hashimoto, Onishi & Tsuruoka 2022, arXiv:2110.02034. DroQ is REDQ's
algorithm with a small ensemble whose every member is a "Dr Q function": after each hidden
layer's weights, dropout, then layer normalization, then the activation (the order of the
authors' code). With N = M = 2 the random subset is the whole ensemble, so the target is
clipped double-Q over the two Q functions and the policy maximizes their mean (as the
authors' code does with dropout on; SBX's SAC takes the minimum). The dropout rate 0.01 is
the authors' for Hopper, Walker2d, Ant and Humanoid.
"""
from softlearning_tf2.algorithms.redq import REDQ


class DroQ(REDQ):
    """REDQ (``redq.py``, same update order) over two Q functions with dropout and layer
    normalization (``Q_params``: ``feedforward_Q_ensemble`` with ``dropout_rate=0.01`` and
    ``layer_normalization=true``), at G = 20 updates per environment step.

    Dropout acts in every Q evaluation of an update (the target networks', the critic loss's
    and the policy loss's: the Q functions are called with ``training=True``) and nowhere
    else: the policy, which acts and is evaluated and exported, has no dropout, and the
    diagnostics evaluate the Q functions with it off. The masks come from each network's
    seed generator, whose state checkpoints hold.

    Args:
      subset_size: as REDQ's; the default, 2, is the whole of DroQ's two Q functions.
    """

    def __init__(self, *, subset_size=2, **kwargs):
        super().__init__(subset_size=subset_size, **kwargs)
