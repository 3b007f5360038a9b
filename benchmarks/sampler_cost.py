"""Cost of one action: SQL's amortized SVGD sampler against the MCMC sampler of Q.

    python -m benchmarks.sampler_cost [--repeats 300]

For each size (MultiGoal: 2-D observations and actions, SQL's 128x128 networks; HalfCheetah:
17 / 6, 256x256), times ``policy.action`` on one observation (the sampler's call while
collecting): the amortized sampler, the MCMC sampler warm-started (``num_steps`` transitions
from the previous action's chain) for Langevin and HMC, a cold start (``num_burnin_steps``
transitions, as the export's ``sample`` runs), and the deterministic action. Prints one JSON
line per row: milliseconds per action (median of ``--repeats``) and the ratio to the SVGD
sampler's, measured in the same process.
"""
import argparse
import json
import time

import numpy as np

SIZES = {"MultiGoal": (2, 2, (128, 128)), "HalfCheetah": (17, 6, (256, 256))}


def median_ms(act, observation, repeats):
    for _ in range(10):
        act(observation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        act(observation)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args(argv)

    from softlearning_tf2.experiments.variants import POLICY_CONFIGS
    from softlearning_tf2.models.feedforward import feedforward_model
    from softlearning_tf2.policies.amortized_sampler import AmortizedSamplerPolicy
    from softlearning_tf2.policies.mcmc_sampler_policy import MCMCSamplerPolicy

    mcmc = POLICY_CONFIGS["MCMCSamplerPolicy"]
    for name, (observation_size, action_size, hidden) in SIZES.items():
        Q = feedforward_model([observation_size, action_size], 1, hidden, seed=0)
        observation = np.random.default_rng(0).normal(size=observation_size).astype(np.float32)
        svgd = AmortizedSamplerPolicy(observation_size, action_size, hidden, seed=0)
        baseline = median_ms(svgd.action, observation, args.repeats)
        rows = [("SVGD sampler", baseline)]
        for kernel in ("langevin", "hmc"):
            policy = MCMCSamplerPolicy(observation_size, action_size, [Q],
                                       **{**mcmc, "kernel": kernel}, seed=0)
            rows.append((f"MCMC {kernel}, warm ({mcmc['num_steps']} steps)",
                         median_ms(policy.action, observation, args.repeats)))
            cold = MCMCSamplerPolicy(observation_size, action_size, [Q],
                                     **{**mcmc, "kernel": kernel, "warm_start": False}, seed=0)
            rows.append((f"MCMC {kernel}, cold ({mcmc['num_burnin_steps']} steps)",
                         median_ms(cold.action, observation, max(args.repeats // 10, 10))))
        rows.append((f"MCMC deterministic ({mcmc['num_burnin_steps']} ascent steps)",
                     median_ms(lambda o: policy.action(o, deterministic=True), observation,
                               max(args.repeats // 10, 10))))
        for label, milliseconds in rows:
            print(json.dumps({"size": name, "sampler": label, "ms_per_action": round(
                milliseconds, 3), "ratio_to_svgd": round(milliseconds / baseline, 1)}),
                flush=True)


if __name__ == "__main__":
    main()
