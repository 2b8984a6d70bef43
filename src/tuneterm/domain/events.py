"""The event log: what happened in a sweep, in order. The store keeps it; every client folds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class EventKind:
    """The kinds of event in the log (plain strings in the database)."""

    EXPERIMENT_STARTED = "experiment_started"
    TRIAL_STARTED = "trial_started"
    RESULT = "result"
    TRIAL_ENDED = "trial_ended"
    EXPERIMENT_ENDED = "experiment_ended"
    CONTROL_REQUESTED = "control_requested"
    CONTROL_RESOLVED = "control_resolved"
    TRIAL_PAUSED = "trial_paused"
    TRIAL_RESUMED = "trial_resumed"
    TRIAL_HEALTH = "trial_health"
    """The driver found a trial's health changed (domain.health; its data: `health`, the rule
    that flags it or "ok", and `reason`, one line)."""
    NOTE_ADDED = "note_added"
    """A note was typed (the event's data: note_id, text)."""
    HYPOTHESIS_ADDED = "hypothesis_added"
    """A hypothesis was added while the sweep ran (its data: the hypothesis's fields)."""
    VERDICT_RECORDED = "verdict_recorded"
    """A verdict was marked for a hypothesis (its data: hypothesis id, verdict, justification)."""
    ALERT = "alert"
    """The driver delivered an alert, or gave up on it (its data: the alert's JSON, `channel`,
    `delivered`, `attempts`, `error`; see `domain.alerts`)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the event log."""

    seq: int
    time: float
    kind: str
    trial_id: str | None
    iteration: int | None
    data: dict[str, Any]
