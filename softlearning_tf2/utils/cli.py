"""What every ``softlearning`` command shares: one-line errors with exit code 2.

Bad input never produces a traceback: argparse errors, unreadable checkpoints and other
problems the user can fix are one line on stderr, ``PROG: error: MESSAGE``, and exit code 2.
"""
import argparse
import sys

USAGE_ERROR_EXIT_CODE = 2


def one_line(error):
    """An exception (or any text) as one line."""
    return " ".join(str(error).split()) or type(error).__name__


class OneLineErrorParser(argparse.ArgumentParser):
    """Reports a bad flag in one line (naming the value and the choices) and exits with 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {one_line(message)}\n")
        raise SystemExit(USAGE_ERROR_EXIT_CODE)


def report_error(prog, error):
    """Prints ``PROG: error: MESSAGE`` on stderr; returns the exit code 2."""
    print(f"{prog}: error: {one_line(error)}", file=sys.stderr, flush=True)
    return USAGE_ERROR_EXIT_CODE


def run_with_exit_code(function, *args):
    """``function(*args)``'s exit code, argparse's ``SystemExit`` (--help, bad flags)
    included."""
    try:
        return function(*args)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 2)


def _integer_parser(minimum, description):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text}")
        return value
    return parse


positive_int = _integer_parser(1, "a positive integer")
non_negative_int = _integer_parser(0, "a non-negative integer")


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit code 2, nothing started."""
