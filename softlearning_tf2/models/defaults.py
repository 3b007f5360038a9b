"""The normalizing networks' defaults, in plain Python: the variants read them without
importing Keras (building a variant must not start TensorFlow)."""

# CrossQ's Batch Renormalization (Bhatt et al. 2024, arXiv:1902.05605, as in its authors'
# code and SBX): momentum 0.99 in Keras's convention (running <- 0.99 running + 0.01 batch),
# epsilon 1e-3, Ioffe's final bounds r_max = 3 and d_max = 5, and 100k training calls as
# batch normalization first.
BATCH_RENORM_DEFAULTS = {"momentum": 0.99, "epsilon": 1e-3, "r_max": 3.0, "d_max": 5.0,
                         "warmup_steps": 100_000}

# SimBa's SAC settings (Lee et al. 2024, arXiv:2410.09754, its table of hyperparameters): the
# critic 512 wide with 2 blocks, the actor 128 wide with 1 block, AdamW with weight decay 1e-2.
SIMBA_DEFAULTS = {"critic": {"width": 512, "blocks": 2}, "actor": {"width": 128, "blocks": 1}}
SIMBA_WEIGHT_DECAY = 1e-2
