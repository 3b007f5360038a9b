"""Roll out a trained policy: ``python -m examples.development.simulate_policy PATH [flags]``.

PATH is a checkpoint directory or a directory written by ``softlearning export_policy``; the
same command is ``softlearning simulate_policy PATH [flags]``. The implementation lives in
``softlearning_tf2.scripts.simulate_policy``; ``--help`` lists the flags.
"""
import sys

from softlearning_tf2.scripts.simulate_policy import main

if __name__ == "__main__":
    sys.exit(main())
