"""The journal pipeline, the one way a journal is made: read the config, open the store, gather,
render, write.

`JournalService` serves `tuneterm journal`, the dashboard (on worker threads) and the driver's
`JournalThread`, which keeps journal.md current while a sweep runs. Every second the thread asks
the store what is new (results are read incrementally, see journal_data.ResultReader). A trial
ending, a note, a hypothesis, a verdict, the sweep starting or ending re-render the journal within
a second; results alone at most every `interval` seconds. A render never takes more than a tenth
of the time: the gap before the next one is at least ten times what the last one cost, so a store
of a million results cannot slow the sweep. The journal is a by-product: a failure is logged,
never raised into the driver.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.domain.events import EventKind
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

if TYPE_CHECKING:
    from tuneterm.domain.config.spec import ExperimentConfig
    from tuneterm.storage.journal_data import ResultReader
    from tuneterm.storage.journal_file import JournalWritten

# The journal's modules are imported on the first render, not with this one: the dashboard
# imports this module, and its first frame does not need them.

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


class JournalService:
    """One experiment's journal: its config, a store connection and the results read so far, so
    that a render reads only what is new. Thread-safe, one render at a time."""

    def __init__(
        self,
        path: Path,
        clock: Callable[[], float] = time.time,
        *,
        config: ExperimentConfig | None = None,
        store: Store | None = None,
    ) -> None:
        """`config` and `store` when the caller has them (the driver); otherwise config.json is
        read and the store opened on first use, and closed by `close`."""
        self.expdir = ExperimentDir(path)
        self.clock = clock
        self._config = config
        self._store = store
        self._owns_store = store is None
        self._reader: ResultReader | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> JournalService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the store now (StoreError if there is none)."""
        with self._lock:
            self._opened()

    def update(self) -> set[str]:
        """Read the results recorded since the last call; the kinds of event seen meanwhile."""
        with self._lock:
            return self._results().update(self._opened())

    def markdown(self, now: float | None = None) -> str:
        """The journal as of `now` (default: the clock); JournalError when there is none."""
        with self._lock:
            return self._markdown(now)

    def write(self, now: float | None = None, output: Path | None = None) -> JournalWritten:
        """Render and write journal.md (beside it, if it was edited outside tuneterm), or
        `output` when given; JournalError when either cannot be."""
        with self._lock:
            return self._write(self._markdown(now), output)

    def close(self) -> None:
        """Close the store connection, unless a render holds it (it is not waited for: leaving
        the dashboard must not wait on a journal)."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._store is not None and self._owns_store:
                self._store.close()
                self._store = None
        finally:
            self._lock.release()

    def _markdown(self, now: float | None) -> str:
        from tuneterm.domain.journal.render import render_journal
        from tuneterm.storage.journal_data import gather

        config, reader = self._loaded_config(), self._results()
        moment = self.clock() if now is None else now
        return render_journal(gather(self.expdir, self._opened(), config, moment, reader))

    def _write(self, text: str, output: Path | None) -> JournalWritten:
        from tuneterm.domain.journal.data import JournalError
        from tuneterm.storage.journal_file import JournalWritten, replace_atomically, write_journal

        if output is None or _same_file(output, self.expdir.journal):
            return write_journal(self.expdir, text, self._opened())
        try:
            replace_atomically(output, text.encode("utf-8"))
        except OSError as exc:
            raise JournalError(f"{output}: cannot write: {exc.strerror or exc}") from None
        return JournalWritten(output, False, f"journal written to {output}")

    def _loaded_config(self) -> ExperimentConfig:
        # Read until it is there: a dashboard may open an experiment before its driver wrote it.
        if self._config is None:
            from tuneterm.storage.journal_data import load_experiment_config

            self._config = load_experiment_config(self.expdir)
        return self._config

    def _results(self) -> ResultReader:
        if self._reader is None:
            from tuneterm.storage.journal_data import ResultReader

            self._reader = ResultReader(self._loaded_config().experiment.metric)
        return self._reader

    def _opened(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.expdir.store)
        return self._store


def _same_file(left: Path, right: Path) -> bool:
    return left.expanduser().resolve() == right.resolve()


class JournalKeeper:
    """Decides when journal.md is due and has the service re-render it; one per experiment."""

    def __init__(
        self, service: JournalService, interval: float = 10.0, min_gap: float = 1.0
    ) -> None:
        self._service = service
        self._interval, self._min_gap = interval, min_gap
        self._rendered_at: float | None = None
        self._cost = 0.0
        self._news = False
        self._urgent = False

    def step(self) -> JournalWritten | None:
        """Re-render if the store has news and the throttle allows it; what was written."""
        kinds = self._service.update()
        self._news = self._news or bool(kinds)
        self._urgent = self._urgent or not kinds.isdisjoint(URGENT_KINDS)
        return self.render() if self._news and self._due() else None

    def _due(self) -> bool:
        if self._rendered_at is None:
            return True
        floor = self._min_gap if self._urgent else self._interval
        gap = self._service.clock() - self._rendered_at
        return gap >= max(floor, COST_FACTOR * self._cost)

    def render(self) -> JournalWritten:
        """Render and write the journal now."""
        started = time.monotonic()
        now = self._service.clock()
        written = self._service.write(now)
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
            with JournalService(self._expdir.path, config=self._config) as service:
                service.open()
                keeper = JournalKeeper(service, self._interval)
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
