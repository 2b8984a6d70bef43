"""How the live picture of a sweep keeps each trial's health (domain.health): the driver's flags
folded in, and the periodic stall pass over the running trials."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tuneterm.domain.events import Event
from tuneterm.domain.health import HealthPolicy, HealthSettings
from tuneterm.domain.status import TrialStatus
from tuneterm.domain.sweep.rows import TrialRecord


def health_policy(meta: Mapping[str, Any], metrics: Iterable[tuple[str, str]]) -> HealthPolicy:
    """The rules' policy for a sweep: its metrics, and the settings its meta records under
    "health" (the defaults for a store written before them)."""
    return HealthPolicy.of(tuple(metrics), HealthSettings.of(meta.get("health")))


def note_flag(records: Mapping[str, TrialRecord], event: Event) -> bool:
    """Fold a `trial_health` event in; returns whether the trial's row changed."""
    record = records.get(event.trial_id or "")
    data = event.data
    if record is None or not record.health.note(data.get("health"), data.get("reason")):
        return False
    record.row = None
    return True


def stall_pass(records: Iterable[TrialRecord], now: float) -> set[str]:
    """Apply the stall rule at `now` to every running trial; returns the ids of those whose
    health changed (their cached rows are dropped)."""
    changed: set[str] = set()
    running = TrialStatus.RUNNING
    for record in records:
        if record.status is running and record.health.check_stall(now):
            record.row = None
            changed.add(record.trial_id)
    return changed
