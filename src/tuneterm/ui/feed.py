"""The live feed: a loop, on a worker thread, that tails the event source into the sweep state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from textual.message import Message

from tuneterm.domain.events import Event
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.sources.protocol import EventSource
from tuneterm.ui.messages import SweepUpdated

BATCH = 5_000
"""Most events read per poll; a full batch means more are waiting, so the next poll follows after
`CATCH_UP_PAUSE`. Small batches keep the GIL free for the UI in short stretches while a big store
is replayed, and keep the memory Python keeps for a batch's rows small."""
CATCH_UP_PAUSE = 0.005
"""Seconds between full batches: the UI thread takes the GIL, so keys are answered in a replay."""
LIVENESS_INTERVAL = 2.0
"""Seconds between checks that the driver process still runs."""
KEY_PRIORITY = 0.06
"""Seconds the feed stays off the GIL after a key press, so that the answering frame is drawn
without competing with a replay or a fast feed (new data waits at most this long)."""
BUSY_QUEUE = 20
"""Messages waiting in the app's queue above which the feed polls less often."""
BUSY_SLOWDOWN = 10.0


class SweepFeed:
    """Reads events from `source`, applies them to `state` (under its lock) and posts one
    `SweepUpdated` per batch; never touches a widget."""

    def __init__(
        self,
        source: EventSource,
        state: SweepState,
        source_lock: threading.Lock,
        poll_interval: float,
    ) -> None:
        self.source = source
        self.state = state
        self.source_lock = source_lock
        """Held around every call into the source: the detail screen's loader reads it too."""
        self.poll_interval = poll_interval
        self.stop_requested = threading.Event()
        """Set (on unmount) to end the loop at its next wait."""
        self.delivered = threading.Event()
        """Set by the app once it handled the last `SweepUpdated`: at most one is in flight."""
        self.delivered.set()
        self.finished = threading.Event()
        """Set when `run` has returned (the worker thread is a pool thread: not joinable)."""
        self._hold_until = 0.0
        """Monotonic time before which the feed does not poll (see `hold`)."""
        self.observers: list[Callable[[list[Event]], None]] = []
        """Called on the feed's thread with each poll's events (perhaps none), once they are
        applied to the state; register them before `prime`."""

    def prime(self) -> tuple[frozenset[str], int]:
        """Apply the first batch on the calling thread, before the app starts; returns the changed
        trial ids and the event count. Read by the worker instead, it would compete for the GIL
        with the app's start-up and delay the first frame by a batch's worth of start-up work.
        A failing read is left to the worker, which shows its error in the app."""
        try:
            events = self._poll()
        except Exception:
            return frozenset(), 0
        return frozenset(self._apply(events)), len(events)

    def hold(self, seconds: float = KEY_PRIORITY) -> None:
        """Keep off the GIL for `seconds` from now (called from the UI thread on a key press)."""
        self._hold_until = time.monotonic() + seconds

    def _wait_for_ui(self) -> None:
        """Wait out a hold, but at most KEY_PRIORITY: keys pressed in a row must not starve the
        feed."""
        left = min(self._hold_until - time.monotonic(), KEY_PRIORITY)
        if left > 0:
            self.stop_requested.wait(left)

    def run(
        self,
        post: Callable[[Message], object],
        queue_length: Callable[[], int],
        first_delay: float = 0.0,
    ) -> None:
        try:
            if not self.stop_requested.wait(first_delay):
                self._follow(post, queue_length)
        finally:
            self.finished.set()

    def _follow(self, post: Callable[[Message], object], queue_length: Callable[[], int]) -> None:
        changed_ids: set[str] = set()
        event_count = 0
        alive: bool | None = None
        alive_changed = False
        alive_checked = -LIVENESS_INTERVAL
        posted_at = -self.poll_interval
        while not self.stop_requested.is_set():
            self._wait_for_ui()
            events = self._poll()
            behind = len(events) >= BATCH
            changed_ids |= self._apply(events)
            event_count += len(events)
            if time.monotonic() - alive_checked >= LIVENESS_INTERVAL:
                alive_checked = time.monotonic()
                now_alive = self._driver_alive()
                if now_alive != alive:
                    alive_changed = True
                    if now_alive is False:
                        self._adopt_meta_status()
                alive = now_alive
            # While catching up, the UI repaints at the polling rate, not once per batch.
            due = not behind or time.monotonic() - posted_at >= self.poll_interval
            if (event_count or alive_changed) and due and self.delivered.is_set():
                posted_at = time.monotonic()
                self.delivered.clear()
                post(SweepUpdated(frozenset(changed_ids), event_count, alive))
                changed_ids, event_count, alive_changed = set(), 0, False
            if not behind:
                self.stop_requested.wait(self._delay(queue_length()))
            else:
                time.sleep(CATCH_UP_PAUSE)

    def _poll(self) -> list[Event]:
        with self.source_lock:
            return self.source.poll(BATCH)

    def _apply(self, events: list[Event]) -> set[str]:
        """Fold `events` into the state; then show them (even none) to the observers."""
        changed: set[str] = set()
        if events:
            with self.state.lock:
                changed = self.state.apply(events)
        for observe in self.observers:
            observe(events)
        return changed

    def _driver_alive(self) -> bool | None:
        with self.source_lock:
            return self.source.driver_alive()

    def _adopt_meta_status(self) -> None:
        """A driver that dies writes no event; the source's meta then says "crashed"."""
        with self.source_lock:
            status = self.source.meta().get("status")
        if isinstance(status, str):
            with self.state.lock:
                self.state.status = status

    def _delay(self, queued_messages: int) -> float:
        if queued_messages > BUSY_QUEUE:
            return self.poll_interval * BUSY_SLOWDOWN
        return self.poll_interval
