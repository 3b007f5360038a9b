from softlearning_tf2.replay_pools.hindsight_experience_replay_pool import (  # noqa: F401
    HindsightExperienceReplayPool)
from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool  # noqa: F401
