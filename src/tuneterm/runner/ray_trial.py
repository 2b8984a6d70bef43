"""Ray's view of a trial, named once for the runner: its statuses and its last iteration.

Ray knows only five statuses; completed, scheduler-stopped and user-stopped trials are all
TERMINATED (see decisions.py for who stopped them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ray.tune.experiment import Trial

from tuneterm.domain.control import TrialView
from tuneterm.domain.ray_result import ITERATION
from tuneterm.domain.trial import Trial as RecordedTrial

PENDING: Final[str] = Trial.PENDING
RUNNING: Final[str] = Trial.RUNNING
PAUSED: Final[str] = Trial.PAUSED
TERMINATED: Final[str] = Trial.TERMINATED
ERROR: Final[str] = Trial.ERROR

ENDED: Final = frozenset({TERMINATED, ERROR})
"""Ray's statuses of a trial that will not run again."""


def result_iteration(result: Mapping[str, Any]) -> int:
    """The iteration a result reports (0 for an empty one)."""
    return int(result.get(ITERATION, 0) or 0)


def last_iteration(trial: Any) -> int:
    """The iteration of `trial`'s last report (0 before its first)."""
    return result_iteration(trial.last_result or {})


def control_view(
    trial_id: str | None, ray_status: str | None, held: bool, recorded: RecordedTrial | None
) -> TrialView | None:
    """The driver's view of a trial for the control rule: Ray's status of it (None: Ray has no such
    trial), whether the driver holds it, and the store's row, which words how it ended. None when
    the request names no trial."""
    if trial_id is None:
        return None
    if ray_status is None:
        return TrialView(trial_id, found=False)
    if ray_status in ENDED:
        ended = TrialView.of_trial(recorded).ended if recorded is not None else None
        return TrialView(trial_id, ended=ended or ray_status.lower())
    return TrialView(trial_id, paused=held, running=ray_status == RUNNING)
