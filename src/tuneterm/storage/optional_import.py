"""Whether an optional module really imports on this machine, tried in a child process.

Finding a module is not enough: a torchvision wheel built for another torch is found, then fails
to import (a RuntimeError about a missing operator), and a worse mismatch can crash the
interpreter. A child process survives both, and spares the caller (the CLI, which then opens the
dashboard) the seconds and the memory of importing torch.
"""

from __future__ import annotations

import functools
import re
import signal
import subprocess
import sys

from tuneterm.domain.text import one_line

IMPORT_TIMEOUT_S = 120.0
"""The longest an import may take before it counts as failed (torch cold from disk: seconds)."""

_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@functools.cache
def import_problem(module: str) -> str | None:
    """Why `module` does not import here, on one line (the exception's last line); None when it
    does. Remembered for the life of the process."""
    if _MODULE_NAME.fullmatch(module) is None:
        return f"{module!r} is not a module name"
    try:
        completed = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"importing {module} took more than {IMPORT_TIMEOUT_S:g} s"
    except OSError as error:
        return f"cannot start {sys.executable}: {error.strerror or error}"
    if completed.returncode == 0:
        return None
    return _failure(module, completed.returncode, completed.stderr)


def _failure(module: str, returncode: int, stderr: str) -> str:
    if returncode < 0:
        return f"importing {module} crashed the interpreter ({_signal_name(-returncode)})"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return one_line(lines[-1], 200) if lines else f"importing {module} failed (exit {returncode})"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
