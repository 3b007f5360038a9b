from softlearning_tf2.samplers.simple_sampler import SimpleSampler  # noqa: F401
