"""What the algorithms say about action spaces, importable without TensorFlow (the CLI checks
variants with it before anything heavy is imported)."""
import numpy as np

DISCRETE_COUNTERPARTS_HELP = ("--algorithm SAC and SQL choose DiscreteSAC / DiscreteSQL for "
                              "Discrete actions; SACV, TQC, REDQ and DroQ have no discrete "
                              "version")

# Discrete SAC's default target entropy, as a fraction of the maximum entropy log|A|. The
# paper's 0.98 log|A| (arXiv:1910.07207) asks for an almost uniform policy: alpha stays high,
# the policy dithers between actions, and learning is reported to stall (Xu et al. 2021,
# arXiv:2112.02852; Zhou et al. 2022, arXiv:2209.10081). Measured here (benchmarks/README.md,
# "Discrete actions"): on Acrobot-v1, which needs many consistent actions to reach its goal,
# 0.6 and above never reached it in 30k steps and 0.3 did; CartPole-v1, where the entropy
# bonus rewards staying alive, learned fastest at 0.89 (its per-task default).
DEFAULT_TARGET_ENTROPY_RATIO = 0.3


def discrete_target_entropy(target_entropy, target_entropy_ratio, num_actions):
    """'auto' is ``target_entropy_ratio * log|A|``; a number is used as given."""
    if target_entropy == "auto":
        return float(target_entropy_ratio) * float(np.log(num_actions))
    return float(target_entropy)
