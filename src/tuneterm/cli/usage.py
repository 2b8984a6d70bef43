"""Exit codes, and what every command does with bad input: one line on stderr, exit code 2,
nothing started."""

from __future__ import annotations

import sys
from typing import NoReturn

from tuneterm.domain.text import printable

EXIT_OK = 0
"""The command did its work; for a followed sweep: it finished (or the user stopped it) and at
least one trial reported the metric."""
EXIT_FAILED = 1
"""A followed sweep failed (its driver crashed, every trial errored, no trial reported the
metric), or a driver did not answer a request."""
EXIT_USAGE = 2
"""Bad input: a command line, path, address or config that cannot work; nothing was started."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT), the shells' 128 + 2."""


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def print_error(message: str) -> None:
    """One `error: ...` line on stderr, control characters and newlines made visible."""
    print(f"error: {printable(message, escape_layout=True)}", file=sys.stderr)


def fail(message: str) -> NoReturn:
    """Print `message` as an error line and exit with the usage code."""
    print_error(message)
    sys.exit(EXIT_USAGE)
