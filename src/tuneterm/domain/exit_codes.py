"""The exit codes of tuneterm's processes: the commands and the sweep's driver alike."""

from __future__ import annotations

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
