"""Ray's view of a trial, named once for the runner: its statuses and its last iteration.

Ray knows only five statuses; completed, scheduler-stopped and user-stopped trials are all
TERMINATED (see decisions.py for who stopped them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ray.tune.experiment import Trial

PENDING: Final[str] = Trial.PENDING
RUNNING: Final[str] = Trial.RUNNING
PAUSED: Final[str] = Trial.PAUSED
TERMINATED: Final[str] = Trial.TERMINATED
ERROR: Final[str] = Trial.ERROR

ENDED: Final = frozenset({TERMINATED, ERROR})
"""Ray's statuses of a trial that will not run again."""

ITERATION: Final = "training_iteration"
"""The key of Ray's iteration counter in a result (and ASHA's default time attribute)."""


def result_iteration(result: Mapping[str, Any]) -> int:
    """The iteration a result reports (0 for an empty one)."""
    return int(result.get(ITERATION, 0) or 0)


def last_iteration(trial: Any) -> int:
    """The iteration of `trial`'s last report (0 before its first)."""
    return result_iteration(trial.last_result or {})
