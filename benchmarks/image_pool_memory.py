"""Memory of a pool of frame-stacked 84x84 images: bytes per transition, measured.

    python -m benchmarks.image_pool_memory --size 100000

Fills a ``SimpleReplayPool`` of ``--size`` transitions with the observations of 125-step
episodes (dm_control cartpole at action repeat 8) of 84x84x3 frames stacked 3 deep (uint8,
84x84x9), as the sampler adds them, and prints one JSON line: the process's resident memory
before and after (bytes per transition), the pool's own count of bytes held (``nbytes``),
what storing every next observation beside its observation would take, and the time to draw
a batch of 128. Frames are synthetic (a random base image rolled by the step number), so each
step's image differs from the last, as rendered frames do.
"""
import argparse
import json
import time

import numpy as np

from softlearning_tf2.replay_pools.simple_replay_pool import SimpleReplayPool

SHAPE = (84, 84, 9)


def resident_bytes():
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * 4096


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--episode-length", type=int, default=125)
    args = parser.parse_args(argv)

    base = np.random.default_rng(0).integers(0, 256, SHAPE, np.uint8)
    before = resident_bytes()
    pool = SimpleReplayPool(action_shape=(1,), max_size=args.size, seed=0,
                            observation_layout={"pixels": (SHAPE, "uint8")})
    start, step = time.perf_counter(), 0
    while pool.size < args.size:
        observation = np.roll(base, step, axis=1)
        for index in range(args.episode_length):
            step += 1
            next_observation = np.roll(base, step, axis=1)
            pool.add_sample({"observations": {"pixels": observation}, "actions": np.zeros(1),
                             "rewards": 0.0, "terminals": 0.0,
                             "next_observations": {"pixels": next_observation}})
            observation = next_observation
            if pool.size == args.size:
                break
        step += 1  # a reset: the next episode starts from a new frame
    fill_seconds = time.perf_counter() - start
    after = resident_bytes()
    start = time.perf_counter()
    for _ in range(20):
        pool.random_batch(128)
    batch_ms = (time.perf_counter() - start) / 20 * 1000
    image_bytes = int(np.prod(SHAPE))
    per_transition_other = 1 * 4 + 4 + 4  # action, reward, terminal
    print(json.dumps({
        "transitions": pool.size,
        "observation_shape": list(SHAPE),
        "resident_bytes_per_transition": round((after - before) / pool.size, 1),
        "pool_nbytes_per_transition": round(pool.nbytes / pool.size, 1),
        "next_images_kept_apart": len(pool.explicit_next_images),
        "observation_and_next_observation_bytes_per_transition":
            2 * image_bytes + per_transition_other,
        "resident_gib": round((after - before) / 2 ** 30, 2),
        "fill_seconds": round(fill_seconds, 1),
        "random_batch_128_ms": round(batch_ms, 2),
    }), flush=True)


if __name__ == "__main__":
    main()
