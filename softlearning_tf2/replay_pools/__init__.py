from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool  # noqa: F401
