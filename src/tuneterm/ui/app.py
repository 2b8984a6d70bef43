"""The live dashboard: `create_app(source)` builds it for the CLI and for the tests.

The app is a client of an experiment directory: it reads the event store that the detached driver
writes, never runs Ray and never signals the driver, so quitting leaves the sweep running. Requests
to stop, pause or resume trials go the same way: written into the store, applied by the driver.
"""

from __future__ import annotations

import gc
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tuneterm.domain.status import is_live, shown_status
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line
from tuneterm.domain.trial import Result
from tuneterm.storage.sources.protocol import EventSource
from tuneterm.ui.alerts import AlertActions
from tuneterm.ui.budget import OutputMeter, counting_writer
from tuneterm.ui.control_actions import ControlActions
from tuneterm.ui.feed import SweepFeed
from tuneterm.ui.journal_actions import JournalActions
from tuneterm.ui.key_list import help_sections
from tuneterm.ui.keys import DETACH, SHOW_HELP
from tuneterm.ui.messages import RefreshDue, SweepUpdated, TrialDetailRequested
from tuneterm.ui.plot_actions import PlotActions
from tuneterm.ui.screens.help import HelpScreen
from tuneterm.ui.screens.role import LiveScreen
from tuneterm.ui.screens.sweep import SweepScreen
from tuneterm.ui.trial_readers import TrialReaders
from tuneterm.ui.widgets.header import READ_ONLY_STATUS, SweepFacts

CLOCK_TICK = 1.0
"""Seconds between repaints of the elapsed time, only while the sweep runs."""
JOIN_TIMEOUT = 2.0
FIRST_PAINT_WAIT = 0.5
"""Seconds the first paint waits for the first data, so that an empty table is not drawn first."""
JOURNAL_CATCH_UP_DELAY = 1.0
"""Seconds from mount until journal.md is checked against the notes: after the first frame."""
DATA_RETRY = 0.1
"""Seconds until stale table lines left by a paced data refresh are painted."""
INGEST_DELAY = 0.05
"""Seconds from mount to the feed's start when the first batch was read before the app started:
about the time the first frame takes."""


class TuneTermApp(ControlActions, JournalActions, AlertActions, PlotActions):
    """The dashboard of one sweep; its return value tells how to come back to it."""

    CSS_PATH = "tuneterm.tcss"
    TITLE = "tuneterm"
    BINDINGS: ClassVar[list[BindingType]] = [DETACH, SHOW_HELP]

    def __init__(
        self,
        source: EventSource,
        *,
        clock: Callable[[], float] = time.time,
        poll_interval: float = 0.1,
        output_budget: int = 16_384,
    ) -> None:
        super().__init__()
        self.source = source
        self.state = SweepState(source.meta())
        self.clock = clock
        self.meter = OutputMeter(output_budget)
        """Bytes written to the terminal in the last second; see `tuneterm.ui.budget`."""
        self._source_lock = threading.Lock()
        self.trial_readers = TrialReaders(source, self._source_lock)
        """Trials' output files and resource samples, for the detail screen and the table."""
        self._feed = SweepFeed(source, self.state, self._source_lock, poll_interval)
        self.init_alerts(self._feed)
        self._primed = self._feed.prime()
        self._feed_started = False
        self.events_seen = 0
        """Events applied since start; 0 means the driver has not written anything yet."""
        self.deferred_refreshes = 0
        """Data refreshes held back by the output budget (for the curious and the tests)."""
        self._driver_alive: bool | None = None
        self._feed_error: str | None = None
        self._retry_timer: Timer | None = None
        self._clock_timer: Timer | None = None
        self.attached_at = clock()
        """When the dashboard attached: older refusals by the driver are not news."""
        self.sweep_screen = SweepScreen(
            self.state,
            self.sweep_facts,
            clock,
            read_only=source.read_only,
            readers=self.trial_readers,
        )
        self.init_journal()
        self._first_paint_hold: AbstractContextManager[None] | None = self.batch_update()
        self._first_paint_hold.__enter__()
        self._data_shown = False

    def get_default_screen(self) -> Screen[None]:
        return self.sweep_screen

    def on_mount(self) -> None:
        driver = self._driver
        if driver is not None and not driver.is_headless:
            driver.write = counting_writer(driver.write, self.meter)  # type: ignore[method-assign,assignment]
        self._feed_started = True
        changed_trial_ids, event_count = self._primed
        if event_count:
            self._feed.delivered.clear()
            self.post_message(SweepUpdated(changed_trial_ids, event_count, None))
        self._ingest()
        # After the first frame: its worker reads the config and notes, and would compete with it.
        self.set_timer(JOURNAL_CATCH_UP_DELAY, self.catch_up_journal)
        self.set_timer(FIRST_PAINT_WAIT, self._release_first_paint)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._feed.hold()
        await super().on_event(event)

    def _release_first_paint(self) -> None:
        """Paint from now on (held since start so that the first frame shows data)."""
        hold, self._first_paint_hold = self._first_paint_hold, None
        if hold is not None:
            hold.__exit__(None, None, None)
            # What start-up made lives as long as the app: full collections need not scan it
            # again (each paused the frames by 35-60 ms; key p99 in a fast output pane).
            gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()
        self._feed.stop_requested.set()
        if self._feed_started:
            self._feed.finished.wait(JOIN_TIMEOUT)
        self.close_journal()

    # -- the live feed --------------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="ingest",
        description="Follow the experiment's event store",
    )
    def _ingest(self) -> None:
        # After a primed first batch, the next ones wait for the first frame, so as not to compete
        # with it for the GIL.
        delay = INGEST_DELAY if self._primed[1] else 0.0
        self._feed.run(self.post_message, lambda: self.message_queue_size, delay)

    @on(SweepUpdated)
    def _sweep_updated(self, message: SweepUpdated) -> None:
        self._feed.delivered.set()
        self.events_seen += message.event_count
        self._driver_alive = message.driver_alive
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                screen.note_changes(message.changed_trial_ids)
        self._follow_clock()
        self.refresh_data()
        self._release_first_paint()
        with self.state.lock:
            notices = self.state.take_notices()
        self.show_refusals(notices)

    @on(RefreshDue)
    def _refresh_due(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        """Repaint what new data changed, paced by the output budget (see `tuneterm.ui.budget`):
        at most the allowance's worth of table lines now, the rest soon. The first data is
        painted at once. Key presses repaint regardless."""
        allowance = self.meter.data_allowance() if self._data_shown else None
        if allowance is not None and allowance <= 0:
            self.deferred_refreshes += 1
            self._retry_data(max(0.05, self.meter.seconds_until_data()))
            return
        table = self.sweep_screen.table
        painted = table.data_bytes
        self.sweep_screen.flush(allowance)
        self.meter.spend_data(table.data_bytes - painted)
        self._data_shown = self._data_shown or self.events_seen > 0
        if table.has_stale_lines:
            self._retry_data(DATA_RETRY)
        if self.screen is not self.sweep_screen and isinstance(self.screen, LiveScreen):
            self.screen.flush()

    def _retry_data(self, delay: float) -> None:
        if self._retry_timer is None:
            self._retry_timer = self.set_timer(delay, self._retry_refresh)

    def _retry_refresh(self) -> None:
        self._retry_timer = None
        self.refresh_data()

    def _follow_clock(self) -> None:
        """Tick the elapsed time once a second while the sweep runs, and not otherwise."""
        with self.state.lock:
            live = self._live_locked()
        if live and self._clock_timer is None:
            self._clock_timer = self.set_interval(CLOCK_TICK, self._tick)
        elif not live and self._clock_timer is not None:
            self._clock_timer.stop()
            self._clock_timer = None

    def _tick(self) -> None:
        # Stalls depend on the time alone: checked here, not per result, and only while the
        # driver is known to run (else its own stall events tell: another host, a dead driver).
        changed_trial_ids: set[str] = set()
        if self._driver_alive:
            with self.state.lock:
                changed_trial_ids = self.state.check_health(self.clock())
        self.sweep_screen.note_changes(changed_trial_ids)
        for screen in self.screen_stack if changed_trial_ids else ():
            if screen is not self.sweep_screen and isinstance(screen, LiveScreen):
                screen.note_changes(changed_trial_ids)
        self.refresh_data()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = one_line(f"{type(event.worker.error).__name__}: {event.worker.error}", 160)
        self.notify(
            f"{event.worker.description} failed: {error}",
            title="Error",
            severity="error",
            timeout=30,
            markup=False,
        )
        if event.worker.group == "ingest":
            self._feed_error = error
            self.sweep_screen.note_changes(())
            self.sweep_screen.flush()

    def _live_locked(self) -> bool:
        """Whether the sweep is live (`is_live`: a driver is there to apply requests); the
        caller holds the state's lock."""
        alive = self._driver_alive
        shown = shown_status(self.state.status, alive)
        return not self.source.read_only and is_live(shown, alive)

    def sweep_facts(self, state_filter: str | None, where: str = "") -> SweepFacts:
        with self.state.lock:
            best = self.state.best()
            return SweepFacts(
                name=self.state.name,
                status=READ_ONLY_STATUS if self.source.read_only else self.state.status,
                metric=self.state.metric,
                elapsed=self.state.elapsed(self.clock()),
                counts=self.state.counts(),
                best_trial_id=best.trial_id if best else None,
                best_value=best.best_metric if best else None,
                waiting=self.events_seen == 0,
                driver_alive=self._driver_alive,
                message=self.state.message,
                state_filter=state_filter,
                feed_error=self._feed_error,
                pending_action=self.state.pending_action if self._live_locked() else None,
                metrics=self.state.metrics,
                where=where,
            )

    # -- screens --------------------------------------------------------------------------------
    # Imported when first opened, so that the first frame does not wait for them.

    @on(TrialDetailRequested)
    def _show_detail(self, message: TrialDetailRequested) -> None:
        from tuneterm.ui.screens.detail import TrialDetailScreen

        self.push_screen(
            TrialDetailScreen(
                message.trial_id,
                self.state,
                self._trial_results,
                self.clock,
                load_notes=None if self.source.read_only else self.trial_notes,
                readers=self.trial_readers,
            )
        )

    def _trial_results(self, trial_id: str) -> Sequence[Result]:
        """Called on a worker thread: the feed thread uses the source too."""
        with self._source_lock:
            return self.source.trial_results(trial_id)

    def action_show_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_sections(), self.sweep_screen.table.column_legend()))

    def action_detach(self) -> None:
        self._feed.stop_requested.set()
        self.exit(self.reattach_hint())

    def reattach_hint(self) -> str:
        """What to tell the user on the way out: the sweep is not stopped by leaving."""
        command = f"tuneterm attach {shlex.quote(str(self.source.path))}"
        with self.state.lock:
            live = self._live_locked()
        if live:
            return f"The sweep keeps running. Reattach with: {command}"
        return f"Reopen with: {command}"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from self.plot_commands()
        yield SystemCommand(
            "Hypotheses", "Evidence for each hypothesis; mark verdicts", self.action_show_hypotheses
        )
        yield SystemCommand("Note", "Write a note in the journal", self.action_write_note)
        yield SystemCommand(
            "Filter by expression (/)",
            "Show only trials matching an expression",
            self.sweep_screen.action_edit_filter,
        )
        yield SystemCommand(
            "Filter by state (f)",
            "Show only trials in the next state: running, completed, …",
            self.sweep_screen.action_cycle_filter,
        )
        yield SystemCommand(
            "Journal", "The experiment's journal, rendered", self.action_show_journal
        )
        yield SystemCommand(
            "Compare",
            "This experiment beside the others in its directory",
            self.action_show_compare,
        )
        yield SystemCommand("Keys", "List every key (help)", self.action_show_help)
        yield SystemCommand(
            "Detach", "Leave the dashboard; the sweep keeps running", self.action_detach
        )


def create_app(
    source: EventSource,
    *,
    clock: Callable[[], float] = time.time,
    poll_interval: float = 0.1,
    output_budget: int = 16_384,
) -> TuneTermApp:
    """The dashboard for `source`; `app.run()` returns the reattach hint to print."""
    return TuneTermApp(
        source, clock=clock, poll_interval=poll_interval, output_budget=output_budget
    )
