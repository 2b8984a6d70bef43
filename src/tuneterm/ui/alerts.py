"""`AlertActions`: the dashboard's part in alerts. The events the driver would alert of
(`domain.alerts`) show as notifications with a terminal bell as they arrive; on attach, a banner
says what happened since a dashboard last showed the sweep (`domain.away`); while it runs, the
dashboard records that it shows the sweep (`EventSource.mark_seen`) every few seconds and when it
leaves.

Only events that arrive after the history is read, and happened after the dashboard started, are
news: the history replayed on attach rings nothing. `b` turns the bell off and on;
`TUNETERM_BELL=0` starts the dashboard with it off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from tuneterm.domain.alerts import Alert, AlertEvent
from tuneterm.domain.away import SEEN_KEY
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.sources.protocol import EventSource
from tuneterm.ui.alert_feed import AlertObserver
from tuneterm.ui.feed import SweepFeed
from tuneterm.ui.widgets.away_banner import AwayBanner

if TYPE_CHECKING:
    from tuneterm.ui.screens.sweep import SweepScreen

BELL_ENV = "TUNETERM_BELL"
"""Set to 0 (or off, no, false) to start the dashboard with the bell off."""
SEEN_INTERVAL = 5.0
"""Seconds between two records of the dashboard showing the sweep."""
FIRST_SEEN_DELAY = 1.0
"""Seconds from mount to the first record: after the first frame."""
LEAVE_WAIT = 1.0
"""Seconds the dashboard waits, on the way out, for its last record."""
BANNER_SECONDS = 60.0
"""Seconds the "since you left" banner stays unless dismissed."""

TOGGLE_BELL = Binding(
    "b",
    "app.toggle_bell",
    "Bell",
    id="toggle-bell",
    show=False,
    tooltip="Turn the terminal bell for alerts off or on (TUNETERM_BELL=0 starts with it off)",
)
DISMISS_BANNER = Binding(
    "escape",
    "app.dismiss_banner",
    "Dismiss",
    id="dismiss-banner",
    show=False,
    tooltip='Hide the "since you left" banner',
)

_TITLES: dict[AlertEvent, tuple[str, SeverityLevel]] = {
    AlertEvent.NEW_BEST: ("New best", "information"),
    AlertEvent.TRIAL_ERRORED: ("Trial errored", "warning"),
    AlertEvent.TRIAL_UNHEALTHY: ("Trial unhealthy", "warning"),
    AlertEvent.SWEEP_FINISHED: ("Sweep finished", "information"),
    AlertEvent.SWEEP_FAILED: ("Sweep failed", "error"),
    AlertEvent.SWEEP_STOPPED: ("Sweep stopped", "information"),
    AlertEvent.SWEEP_CRASHED: ("Sweep crashed", "error"),
}


@dataclass
class AlertsDue(Message):
    """The feed's thread has alerts, undelivered-alert notices or the banner for the app."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AlertsDue)


def bell_from_environment(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether the bell starts on: unless TUNETERM_BELL is 0, off, no or false."""
    return environ.get(BELL_ENV, "1").strip().lower() not in ("0", "off", "no", "false")


class AlertActions(App[str]):
    """Mixed into the app: call `init_alerts(feed)` once `source`, `state` and `clock` are set,
    before the feed's `prime`."""

    BINDINGS: ClassVar[list[BindingType]] = [TOGGLE_BELL, DISMISS_BANNER]

    if TYPE_CHECKING:
        source: EventSource
        state: SweepState
        clock: Callable[[], float]
        sweep_screen: SweepScreen

    def init_alerts(self, feed: SweepFeed) -> None:
        # Plain Ray Tune directories keep no visits (and their meta reads files).
        seen_at = None if self.source.read_only else self.source.meta().get(SEEN_KEY)
        self.bell_on = bell_from_environment()
        """Whether alerts ring the terminal bell (`b` toggles it)."""
        self.bells_rung = 0
        self.away_banner: AwayBanner | None = None
        self._banner_timer: Timer | None = None
        self._seen_failed = False
        since = float(seen_at) if isinstance(seen_at, int | float) else None
        self.alert_observer = AlertObserver(self.state, str(self.source.path), since, self.clock)
        feed.observers.append(self.alert_observer)

    @on(events.Mount)
    def _start_alerts(self) -> None:
        self.alert_observer.wake = lambda: self.post_message(AlertsDue())
        self.set_timer(FIRST_SEEN_DELAY, self._follow_seen)
        self._show_alerts()

    def _follow_seen(self) -> None:
        self._mark_seen()
        self.set_interval(SEEN_INTERVAL, self._mark_seen)

    @on(events.Unmount)
    def _leave(self) -> None:
        """The last record of the dashboard showing the sweep: when it leaves."""
        if self._seen_failed:
            return
        now = self.clock()
        writer = threading.Thread(target=self._try_mark_seen, args=(now,), daemon=True)
        writer.start()
        writer.join(LEAVE_WAIT)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="seen",
        description="Record that the dashboard shows the sweep",
    )
    def _mark_seen(self) -> None:
        if not self._seen_failed:
            self._try_mark_seen(self.clock())

    def _try_mark_seen(self, now: float) -> None:
        try:
            self.source.mark_seen(now)
        except Exception:
            # A store this user cannot write to: the banner then counts from an older visit.
            self._seen_failed = True

    @on(AlertsDue)
    def _alerts_due(self) -> None:
        self._show_alerts()

    def _show_alerts(self) -> None:
        shown = self.alert_observer.take()
        if shown.banner is not None:
            self.show_banner(shown.banner)
        for alert in shown.alerts:
            title, severity = _TITLES[alert.event]
            self._notify(alert_line(alert), title, severity)
        for notice in shown.notices:
            self._notify(notice, "Alert not delivered", "warning")
        if shown.alerts and self.bell_on:
            self.bells_rung += 1
            self.bell()

    def _notify(self, text: str, title: str, severity: SeverityLevel) -> None:
        timeout = 10 if severity == "information" else 30
        self.notify(text, title=title, severity=severity, timeout=timeout, markup=False)

    def show_banner(self, text: str) -> None:
        """Show `text` under the sweep's header until dismissed or `BANNER_SECONDS` pass."""
        if not self.sweep_screen.header.is_mounted:
            # Known at start, before the screen is composed.
            self.call_after_refresh(self.show_banner, text)
            return
        if self.away_banner is None:
            self.away_banner = AwayBanner(text, id="away-banner")
            self.sweep_screen.mount(self.away_banner, after=self.sweep_screen.header)
        else:
            self.away_banner.show_text(text)
        if self._banner_timer is not None:
            self._banner_timer.stop()
        self._banner_timer = self.set_timer(BANNER_SECONDS, self.action_dismiss_banner)

    def action_dismiss_banner(self) -> None:
        banner, self.away_banner = self.away_banner, None
        if banner is not None:
            banner.remove()

    def action_toggle_bell(self) -> None:
        self.bell_on = not self.bell_on
        words = "on" if self.bell_on else "off: b turns it on again"
        self.notify(f"The bell for alerts is {words}", title="Bell", timeout=4, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Bell", "Turn the terminal bell for alerts off or on", self.action_toggle_bell
        )


def alert_line(alert: Alert) -> str:
    """The alert's text without the "tuneterm: NAME: " the dashboard's header already says."""
    return alert.text.removeprefix(f"tuneterm: {alert.experiment}: ")
