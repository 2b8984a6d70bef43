"""Trials as the store records them: status, why a trial ended, and its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneterm.domain.status import EndReason, TrialStatus


@dataclass(frozen=True, slots=True)
class Result:
    """One report of one trial."""

    trial_id: str
    iteration: int
    time: float
    """Wall-clock time (Unix seconds) at which the driver received it."""
    metrics: dict[str, float]
    """Every numeric metric of the report, Ray's own (time_total_s, ...) included."""


@dataclass(frozen=True, slots=True)
class Trial:
    """A trial's current state, as the store's `trials` table holds it."""

    trial_id: str
    config: dict[str, Any]
    status: TrialStatus
    started_at: float | None = None
    ended_at: float | None = None
    reason: EndReason | None = None
    """Why it ended; None while it has not."""
    stop_iteration: int | None = None
    """The iteration at which it ended (for scheduler stops: the rung)."""
    last_iteration: int = 0
    last_metric: float | None = None
    best_metric: float | None = None
    error: str | None = None
    """The traceback text of an errored trial."""

    @property
    def runtime(self) -> float | None:
        """Seconds from start to end (or to now's last record, while running)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


def better(mode: str, candidate: float, incumbent: float | None) -> bool:
    """Whether `candidate` beats `incumbent` for an experiment in `mode` ("max" or "min")."""
    if incumbent is None:
        return True
    return candidate > incumbent if mode == "max" else candidate < incumbent
