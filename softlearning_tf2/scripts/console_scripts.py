"""The ``softlearning`` command.

    softlearning run_example_local examples.development --algorithm SAC --domain Pendulum
    softlearning run_example_ray   examples.development --address HOST:PORT ...
    softlearning run_example_debug examples.development ... [--run-eagerly]
    softlearning run_example_dry   examples.development ...
    softlearning plot EXPERIMENT_DIR [--metric M] [--output curves.png]
    softlearning export_policy CHECKPOINT_DIR OUTPUT_DIR [--format saved_model|tflite]
    softlearning simulate_policy PATH [--num-rollouts N] [--deterministic] ...
    softlearning make_dataset CHECKPOINT_DIR --dataset-id ID [--episodes N | --replay] ...
"""
import importlib
import os
import sys

from softlearning_tf2.utils.cli import report_error, run_with_exit_code

EXAMPLE_COMMANDS = ("run_example_local", "run_example_ray", "run_example_debug",
                    "run_example_dry")
# Each of these is a module softlearning_tf2.scripts.<command> with main(argv) -> exit code.
OTHER_COMMANDS = ("plot", "export_policy", "simulate_policy", "make_dataset")
COMMANDS = EXAMPLE_COMMANDS + OTHER_COMMANDS
USAGE = (f"usage: softlearning {{{','.join(EXAMPLE_COMMANDS)}}} EXAMPLE_MODULE [flags]\n"
         f"       softlearning COMMAND EXAMPLE_MODULE --help   lists the example's flags\n"
         f"       softlearning plot EXPERIMENT_DIR [--metric M] [--output PNG]\n"
         f"       softlearning export_policy CHECKPOINT_DIR OUTPUT_DIR [--format ...]\n"
         f"       softlearning simulate_policy PATH [--num-rollouts N] ...\n"
         f"       softlearning make_dataset CHECKPOINT_DIR --dataset-id ID [--replay] ...")


def _error(message):
    return report_error("softlearning", message)


def run_example_command(command, example_module_name, example_argv):
    # Example modules (examples.*) are found from the working directory, as in softlearning.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from softlearning_tf2.experiments import launcher
    if command == "run_example_ray":
        launcher.configure_ray_client_environment()
    else:
        launcher.configure_local_ray_environment()
    try:
        return run_with_exit_code(getattr(launcher, command), example_module_name,
                                  example_argv)
    except launcher.UsageError as error:
        return _error(error)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        return _error(f"unknown command {command!r}; valid choices: {', '.join(COMMANDS)}")
    verbose = "--verbose" in rest
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose else "3")
    if command in OTHER_COMMANDS:
        module = importlib.import_module(f"softlearning_tf2.scripts.{command}")
        return module.main(rest)
    if not rest or rest[0].startswith("-"):
        return _error(f"{command} needs an example module, e.g. examples.development")
    return run_example_command(command, rest[0], rest[1:])


if __name__ == "__main__":
    sys.exit(main())
