"""The ``softlearning`` command.

    softlearning run_example_local examples.development --algorithm SAC --domain Pendulum
    softlearning run_example_debug examples.development ... [--run-eagerly]
    softlearning run_example_dry   examples.development ...
"""
import os
import sys

COMMANDS = ("run_example_local", "run_example_debug", "run_example_dry")
USAGE = (f"usage: softlearning {{{','.join(COMMANDS)}}} EXAMPLE_MODULE [flags]\n"
         f"       softlearning COMMAND EXAMPLE_MODULE --help   lists the example's flags")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"softlearning: error: unknown command {command!r}; valid choices: "
              f"{', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    if not rest or rest[0].startswith("-"):
        print(f"softlearning: error: {command} needs an example module, "
              f"e.g. examples.development", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's C++ start-up chatter
    # Example modules (examples.*) are found from the working directory, as in softlearning.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())

    from examples import instrument
    instrument.configure_local_ray_environment()
    try:
        return getattr(instrument, command)(rest[0], rest[1:])
    except instrument.UsageError as error:
        print(f"softlearning: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
