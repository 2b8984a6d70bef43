"""The dashboard's alerts, worked out on the feed's thread: an `AlertObserver` sees each batch
of events once the sweep state has it, and keeps what the app should show (`ui/alerts.py`).

The history replayed on attach is folded cheaply: its few lifecycle events one by one, its results
(most of a large store) only through the sweep state's best. Live, results reach the deriver only
when one made a new best.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tuneterm.domain.alerts import Alert, AlertDeriver, finite_value
from tuneterm.domain.away import AwayTally
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line
from tuneterm.ui.feed import BATCH


@dataclass(frozen=True)
class Shown:
    """What the dashboard has to show, taken from an `AlertObserver` at once."""

    banner: str | None
    alerts: list[Alert]
    notices: list[str]
    """One line per alert the driver could not deliver."""


class AlertObserver:
    """Runs on the feed's thread (`SweepFeed.observers`, after each batch is applied to the
    sweep state): folds the events into an `AlertDeriver`, and into an `AwayTally` until the
    history is read; keeps what the app should show until it takes it."""

    def __init__(
        self, state: SweepState, directory: str, seen_at: float | None, clock: Callable[[], float]
    ) -> None:
        self.state = state
        self.deriver = AlertDeriver(state.name, directory, state.metric, state.mode)
        self.tally = None if seen_at is None else AwayTally(seen_at, state.metric, state.mode)
        self.clock = clock
        self.started_at = clock()
        """When the dashboard started: older events are history, even in a late poll."""
        self.live = False
        """Whether the history has been read: from then on, events are news."""
        self.wake: Callable[[], object] | None = None
        """Tells the app there is something to show; set once it runs."""
        self._best: tuple[float | None, str | None] = (None, None)
        """The sweep state's best value and trial, as last seen."""
        self._crossed = False
        """Whether the batch holding the last visit's time has been folded."""
        self._lock = threading.Lock()
        self._shown = Shown(None, [], [])

    def __call__(self, events: list[Event]) -> None:
        if not self.live:
            self._replay(events)
            return
        # Results reach the deriver only when one made a new best: the state has them all.
        told = [event for event in events if event.kind != EventKind.RESULT]
        if self.deriver.counting_reports:
            self.deriver.note_reported(reporters(events, self.state.metric))
        if (best := self._best_result(events)) is not None:
            told = sorted([*told, best], key=lambda event: event.seq)
        alerts = self.deriver.observe(told, self.started_at) + self.deriver.due(self.clock())
        fresh = [event for event in told if event.time >= self.started_at]
        notices = [notice for event in fresh if (notice := undelivered(event))]
        if alerts or notices:
            with self._lock:
                self._shown.alerts.extend(alerts)
                self._shown.notices.extend(notices)
            self._wake()

    def _replay(self, events: list[Event]) -> None:
        """Fold a batch of the history: its few other events one by one, its results (most of a
        large store) only through the sweep state's best, which has them applied already."""
        lifecycle = [event for event in events if event.kind != EventKind.RESULT]
        self.deriver.observe(lifecycle, math.inf)
        if self.tally is not None and events:
            self._tally_batch(self.tally, events, lifecycle)
        if len(events) >= BATCH:
            return
        self.live = True
        value, trial_id = self._best = self._state_best()
        with self.state.lock:
            reported = [row.trial_id for row in self.state.rows() if row.best_metric is not None]
        self.deriver.seed_best(value, trial_id, reported)
        if self.tally is not None:
            self.tally.consider(value, trial_id, after=True)
            banner = self.tally.banner(self.clock())
            if banner is not None:
                with self._lock:
                    self._shown = Shown(banner, self._shown.alerts, self._shown.notices)
                self._wake()

    def _tally_batch(self, tally: AwayTally, events: list[Event], lifecycle: list[Event]) -> None:
        if events[-1].time <= tally.since:
            # All before the last visit: the best so far is the best before it.
            tally.consider(*self._state_best(), after=False)
            tally.observe(lifecycle)
        elif not self._crossed:
            self._crossed = True
            tally.observe(events)
        else:
            tally.observe(lifecycle)

    def _best_result(self, events: list[Event]) -> Event | None:
        """The result of `events` that made the sweep state's new best, if one did."""
        best = self._state_best()
        if best == self._best or best[0] is None:
            return None
        self._best = best
        value, trial_id = best
        metric = self.state.metric
        for event in reversed(events):
            if event.trial_id == trial_id and event.data.get(metric) == value:
                return event if event.kind == EventKind.RESULT else None
        return None

    def _state_best(self) -> tuple[float | None, str | None]:
        with self.state.lock:
            best = self.state.best()
        return (None, None) if best is None else (best.best_metric, best.trial_id)

    def _wake(self) -> None:
        if self.wake is not None:
            self.wake()

    def take(self) -> Shown:
        """What is to show, once."""
        with self._lock:
            shown, self._shown = self._shown, Shown(None, [], [])
        return shown


def reporters(events: list[Event], metric: str) -> set[str]:
    """The trials whose results in `events` report a finite value of `metric`."""
    return {
        event.trial_id
        for event in events
        if event.trial_id is not None
        and event.kind == EventKind.RESULT
        and finite_value(event.data.get(metric)) is not None
    }


def undelivered(event: Event) -> str | None:
    """A line for an alert the driver could not deliver; None for any other event."""
    if event.kind != EventKind.ALERT or event.data.get("delivered", True):
        return None
    what = f"{event.data.get('event')} by {event.data.get('channel')}"
    return one_line(f"The driver could not deliver {what}: {event.data.get('error')}", 200)
