"""Where a sweep and its trials are in their lives, and the one test of whether a sweep is live."""

from __future__ import annotations

from enum import StrEnum


class SweepStatus(StrEnum):
    """A sweep's status: as recorded in the store's meta, or as a user should see it."""

    CREATED = "created"
    """Recorded by `tuneterm run` before its driver took over."""
    STARTING = "starting"
    """Shown for CREATED while its driver is alive: Ray is starting."""
    RUNNING = "running"
    FINISHED = "finished"
    """Every trial ended and the searcher had nothing more to suggest (or the time budget ran
    out), and some trial reported the metric or the user stopped every trial."""
    FAILED = "failed"
    """The sweep ran to its end, but every trial errored or no trial ever reported the metric.

    Nothing was learned: a broken trainable, not a crashed driver (that is CRASHED)."""
    STOPPED = "stopped"
    """The user stopped the whole sweep, or its driver was interrupted."""
    CRASHED = "crashed"
    """Its driver died without saying so, or ended on an error."""


class TrialStatus(StrEnum):
    """Where a trial is in its life, as tuneterm records it."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a trial ended; Ray itself only says TERMINATED or ERROR."""

    COMPLETED = "completed"
    """It ran to its last iteration (or the scheduler's max_t)."""
    SCHEDULER = "scheduler"
    """The scheduler (ASHA, median stopping) stopped it early."""
    USER = "user"
    """Someone stopped it from tuneterm."""
    ERROR = "error"
    """The trainable raised or its worker died."""
    INTERRUPTED = "interrupted"
    """The driver stopped (or died) before the trial finished."""
    RULE = "rule"
    """The driver stopped it for a health rule (`[health] stop`; domain.health): the rule is in
    its end event's data ("rule": "nan")."""


LIVE_STATUSES = frozenset({SweepStatus.RUNNING, SweepStatus.STARTING})
"""Shown statuses of a sweep whose driver is there to apply requests."""


def shown_status(recorded: str, driver_alive: bool | None) -> SweepStatus | str:
    """The status a user should see for `recorded` (the store's meta) and its driver's liveness.

    A driver that died without ending its sweep leaves it CRASHED; a CREATED sweep whose driver
    runs is STARTING. `driver_alive` None means unknown (another host, or no driver recorded
    yet): the recorded status stands. An unknown recorded string is passed through as it is.
    """
    try:
        status = SweepStatus(recorded)
    except ValueError:
        return recorded
    if status not in (SweepStatus.CREATED, SweepStatus.RUNNING) or driver_alive is None:
        return status
    if not driver_alive:
        return SweepStatus.CRASHED
    return SweepStatus.STARTING if status is SweepStatus.CREATED else status


def is_live(status: str, driver_alive: bool | None = True) -> bool:
    """Whether a sweep is live: its shown status is running or starting and its driver is alive
    (None: not known to be dead, e.g. a driver on another host)."""
    return status in LIVE_STATUSES and driver_alive is not False
