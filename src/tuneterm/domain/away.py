"""What happened while nobody watched: the banner a dashboard shows on attach.

A dashboard records in the store when it last showed the sweep (`dashboard_seen_at`). The next
one to attach folds the whole event log into an `AwayTally` cut at that time, and shows
"since you left at 14:02: 3 completed, 1 errored, new best 0.987 by 1a2b3c" when anything
besides results happened since: a trial ended or turned unhealthy, the best improved, the sweep
ended.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tuneterm.domain.alerts import ending_words, finite_value
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.health import HEALTHY
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.domain.text import number, one_line
from tuneterm.domain.trial import better

SEEN_KEY = "dashboard_seen_at"
"""The store's meta key holding when a dashboard last showed the sweep (Unix seconds)."""


@dataclass
class AwayTally:
    """Counts of what happened after `since`, folded from the whole event log in order."""

    since: float
    metric: str
    mode: str
    ended: Counter[str] = field(default_factory=Counter)
    """End reason -> trials that ended for it after `since`."""
    unhealthy: int = 0
    best_before: float | None = None
    best_after: float | None = None
    best_trial: str | None = None
    sweep_end: tuple[str, str] | None = None
    """The status and message the sweep ended with after `since`, if it did."""
    alerts_sent: int = 0
    alerts_failed: int = 0

    def observe(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.time <= self.since:
                self._before(event)
            else:
                self._after(event)

    def consider(self, value: float | None, trial_id: str | None, after: bool) -> None:
        """Fold one value of the metric, reported by `trial_id` before `since` or `after` it.

        A caller holding the best so far another way (a dashboard's sweep state) may hand over
        only the best instead of every result: the best before, then the best of them all."""
        if value is None:
            return
        if not after:
            if better(self.mode, value, self.best_before):
                self.best_before = value
            return
        incumbent = self.best_after if self.best_after is not None else self.best_before
        if better(self.mode, value, incumbent):
            self.best_after, self.best_trial = value, trial_id

    def _before(self, event: Event) -> None:
        if event.kind == EventKind.RESULT:
            self.consider(finite_value(event.data.get(self.metric)), event.trial_id, False)
        elif event.kind == EventKind.EXPERIMENT_STARTED:
            self.sweep_end = None

    def _after(self, event: Event) -> None:
        kind, data = event.kind, event.data
        if kind == EventKind.RESULT:
            self.consider(finite_value(data.get(self.metric)), event.trial_id, True)
        elif kind == EventKind.TRIAL_ENDED:
            self.ended[str(data.get("reason", EndReason.INTERRUPTED.value))] += 1
        elif kind == EventKind.TRIAL_HEALTH and data.get("health", HEALTHY) != HEALTHY:
            self.unhealthy += 1
        elif kind == EventKind.EXPERIMENT_STARTED:
            self.sweep_end = None
        elif kind == EventKind.EXPERIMENT_ENDED:
            self.sweep_end = (str(data.get("status", "")), str(data.get("message") or ""))
        elif kind == EventKind.ALERT:
            self.alerts_sent += bool(data.get("delivered"))
            self.alerts_failed += not data.get("delivered")

    @property
    def changed(self) -> bool:
        """Whether anything worth a banner happened after `since` (results alone are not)."""
        return bool(self.ended or self.unhealthy or self.best_after is not None or self.sweep_end)

    def parts(self) -> list[str]:
        """The banner's phrases: ends by reason, unhealthy flags, new best, the sweep's end."""
        parts = [f"{count} {ending_words(reason)}" for reason, count in self._ends()]
        if self.unhealthy:
            parts.append(f"{self.unhealthy} flagged unhealthy")
        if self.best_after is not None:
            parts.append(f"new best {number(self.best_after)} by {self.best_trial}")
        if self.sweep_end is not None:
            status, message = self.sweep_end
            parts.append(_sweep_words(status, message))
        if self.alerts_failed:
            plural = "s" if self.alerts_failed != 1 else ""
            parts.append(f"{self.alerts_failed} alert{plural} not delivered")
        return parts

    def _ends(self) -> list[tuple[str, int]]:
        order = [reason.value for reason in EndReason]
        known = [(reason, self.ended[reason]) for reason in order if self.ended[reason]]
        others = [(reason, n) for reason, n in self.ended.items() if reason not in order]
        return known + others

    def banner(
        self, now: float, local: Callable[[float], time.struct_time] = time.localtime
    ) -> str | None:
        """ "since you left at 14:02: ..." (with the date when that was another day); None when
        nothing changed."""
        if not self.changed:
            return None
        left, today = local(self.since), local(now)
        same_day = (left.tm_year, left.tm_yday) == (today.tm_year, today.tm_yday)
        at = time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", left)
        return f"since you left at {at}: {', '.join(self.parts())}"


def _sweep_words(status: str, message: str) -> str:
    words = {
        SweepStatus.FINISHED.value: "the sweep finished",
        SweepStatus.FAILED.value: "the sweep failed",
        SweepStatus.STOPPED.value: "the sweep was stopped",
        SweepStatus.CRASHED.value: "the sweep crashed",
    }
    said = words.get(status, f"the sweep ended ({one_line(status, 20)})")
    shown = status in (SweepStatus.FAILED.value, SweepStatus.CRASHED.value) and message
    return f"{said}: {one_line(message, 120)}" if shown else said
