"""Keeping journal.md current while a sweep runs: re-rendered as things happen, throttled.

The driver runs a `JournalThread`. Every second it asks the store what is new (results are read
incrementally, see journal_data.ResultReader). A trial ending, a note, a hypothesis, a verdict, the
sweep starting or ending re-render the journal within a second; results alone at most every
`interval` seconds. A render never takes more than a tenth of the time: the gap before the next
one is at least ten times what the last one cost, so a store of a million results cannot slow
the sweep. The journal is a by-product: a failure is logged, never raised into the driver.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.events import EventKind
from tuneterm.domain.journal.render import render_journal
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_data import ResultReader, gather
from tuneterm.storage.journal_file import JournalWritten, write_journal
from tuneterm.storage.store import Store

URGENT_KINDS = frozenset(
    {
        EventKind.EXPERIMENT_STARTED,
        EventKind.TRIAL_ENDED,
        EventKind.EXPERIMENT_ENDED,
        EventKind.NOTE_ADDED,
        EventKind.HYPOTHESIS_ADDED,
        EventKind.VERDICT_RECORDED,
    }
)
"""Events after which the journal is re-rendered at once (within `min_gap`)."""

COST_FACTOR = 10.0
"""The gap between two renders is at least this many times what the last one took."""


class JournalKeeper:
    """Decides when journal.md is due and re-renders it; one per experiment, one thread."""

    def __init__(
        self,
        expdir: ExperimentDir,
        store: Store,
        config: ExperimentConfig,
        interval: float = 10.0,
        min_gap: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._expdir, self._store, self._config = expdir, store, config
        self._interval, self._min_gap, self._clock = interval, min_gap, clock
        self._reader = ResultReader(config.experiment.metric)
        self._rendered_at: float | None = None
        self._cost = 0.0
        self._news = False
        self._urgent = False

    def step(self) -> JournalWritten | None:
        """Re-render if the store has news and the throttle allows it; what was written."""
        kinds = self._reader.update(self._store)
        self._news = self._news or bool(kinds)
        self._urgent = self._urgent or not kinds.isdisjoint(URGENT_KINDS)
        return self.render() if self._news and self._due() else None

    def _due(self) -> bool:
        if self._rendered_at is None:
            return True
        floor = self._min_gap if self._urgent else self._interval
        return self._clock() - self._rendered_at >= max(floor, COST_FACTOR * self._cost)

    def render(self) -> JournalWritten:
        """Render and write the journal now."""
        started = time.monotonic()
        now = self._clock()
        data = gather(self._expdir, self._store, self._config, now, self._reader)
        written = write_journal(self._expdir, render_journal(data), self._store)
        self._rendered_at, self._cost = now, time.monotonic() - started
        self._news = self._urgent = False
        return written


def _log_to_stderr(message: str) -> None:
    print(f"tuneterm journal: {message}", file=sys.stderr, flush=True)


class JournalThread:
    """Runs a JournalKeeper beside the sweep (`with JournalThread(...):`); renders once more when
    the block ends, so the final journal shows how the sweep ended."""

    def __init__(
        self,
        expdir: ExperimentDir,
        config: ExperimentConfig,
        poll: float = 1.0,
        log: Callable[[str], None] = _log_to_stderr,
        interval: float = 10.0,
    ) -> None:
        self._expdir, self._config, self._poll, self._log = expdir, config, poll, log
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tuneterm-journal", daemon=True)
        self._said: set[str] = set()

    def __enter__(self) -> JournalThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60.0)

    def _run(self) -> None:
        try:
            with Store.open(self._expdir.store) as store:
                keeper = JournalKeeper(self._expdir, store, self._config, self._interval)
                while not self._stop.wait(self._poll):
                    self._attempt(keeper.step)
                self._attempt(keeper.render)
        except Exception as exc:
            self._say(f"stopped: {type(exc).__name__}: {exc}")

    def _attempt(self, action: Callable[[], JournalWritten | None]) -> None:
        try:
            written = action()
        except Exception as exc:
            self._say(f"not written: {type(exc).__name__}: {exc}")
            return
        if written is not None and written.diverted:
            self._say(written.message)

    def _say(self, message: str) -> None:
        # Once per distinct message: a lasting problem must not flood the driver's log.
        line = " ".join(message.split())
        if line not in self._said:
            self._said.add(line)
            self._log(line)
