"""What every command does with bad input: one line on stderr, exit code 2, nothing started."""

from __future__ import annotations

import sys
from typing import NoReturn

from tuneterm.domain.exit_codes import EXIT_USAGE
from tuneterm.domain.text import printable


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def print_error(message: str) -> None:
    """One `error: ...` line on stderr, control characters and newlines made visible."""
    print(f"error: {printable(message, escape_layout=True)}", file=sys.stderr)


def fail(message: str) -> NoReturn:
    """Print `message` as an error line and exit with the usage code."""
    print_error(message)
    sys.exit(EXIT_USAGE)
