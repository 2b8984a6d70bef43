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

The figures beside it (figures/) are drawn by a process of their own (storage.figure_runner):
the thread starts one at most every `figure_interval` seconds while news comes in, and once more
after the sweep's end, and re-renders the text when one has drawn. `tuneterm journal --write`
draws them before writing (`write_with_figures`); a dashboard with no driver running has stale
ones redrawn in the background (`refresh_figures`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.domain.events import EventKind
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

if TYPE_CHECKING:
    from tuneterm.domain.config.spec import ExperimentConfig
    from tuneterm.storage.figure_runner import FigureRunner, FigureSchedule
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
        compare: Sequence[Path] = (),
    ) -> None:
        """`config` and `store` when the caller has them (the driver); otherwise config.json is
        read and the store opened on first use, and closed by `close`. `compare`: experiment
        directories the journal compares this one with, besides the config's compare_with."""
        self.expdir = ExperimentDir(path)
        self.clock = clock
        self._config = config
        self._store = store
        self._owns_store = store is None
        self._reader: ResultReader | None = None
        self._compare = tuple(compare)
        self._figures: FigureRunner | None = None
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
            return self._write(self._markdown(now, self._figure_dir(output)), output)

    def write_with_figures(
        self, now: float | None = None, output: Path | None = None, timeout: float = 120.0
    ) -> JournalWritten:
        """Draw the figures first (in a process of their own, for at most `timeout` seconds),
        then `write`: the journal links them, or says which could not be drawn."""
        with self._lock:
            runner = self._figure_runner()
        if runner.running or runner.start():
            runner.wait(timeout)
        return self.write(now, output)

    @property
    def drawing(self) -> bool:
        """Whether a figure process this service started is still running."""
        with self._lock:
            return self._figures is not None and self._figures.running

    def refresh_figures(self) -> bool:
        """If the figures miss news of the store, have them redrawn in the background by a
        process that then re-renders journal.md (a dashboard, while no driver does it); whether
        one was started (not while one is still drawing)."""
        from tuneterm.storage.figure_files import figures_stale

        with self._lock:
            runner = self._figure_runner()
            try:
                stale = figures_stale(self.expdir, self._opened())
                return stale and runner.start(journal=True, detached=True)
            except OSError:
                return False

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

    def _markdown(self, now: float | None, figure_dir: str = "figures") -> str:
        from tuneterm.domain.journal.render import render_journal
        from tuneterm.storage.journal_data import gather

        config, reader = self._loaded_config(), self._results()
        moment = self.clock() if now is None else now
        return render_journal(
            gather(self.expdir, self._opened(), config, moment, reader, self._compare, figure_dir)
        )

    def _figure_dir(self, output: Path | None) -> str:
        """The figures' directory as linked from the journal written to `output`."""
        if output is None or _same_file(output, self.expdir.journal):
            return "figures"
        from tuneterm.storage.figure_files import relative_dir

        return relative_dir(self.expdir, output)

    def _figure_runner(self) -> FigureRunner:
        if self._figures is None:
            from tuneterm.storage.figure_runner import FigureRunner

            self._figures = FigureRunner(self.expdir)
        return self._figures

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
        self,
        service: JournalService,
        interval: float = 10.0,
        min_gap: float = 1.0,
        figures: FigureSchedule | None = None,
    ) -> None:
        """`figures`: when to draw the figures too (none without it)."""
        self._service = service
        self._figures = figures
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
        if self._figures is not None:
            self._figures.note(kinds)
            if self._figures.step():
                self._news = self._urgent = True  # link what was just drawn
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

    def finish(self, timeout: float = 30.0) -> JournalWritten:
        """The sweep ended: render now, draw the final figures (within `timeout` seconds each
        for a running drawing and the last), and render again to link them."""
        written = self.render()
        if self._figures is not None and self._figures.finish(timeout):
            written = self.render()
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
        figure_interval: float | None = 60.0,
    ) -> None:
        """`figure_interval`: the figures are drawn at most this often (None: never)."""
        self._expdir, self._config, self._poll, self._log = expdir, config, poll, log
        self._interval, self._figure_interval = interval, figure_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tuneterm-journal", daemon=True)
        self._said: set[str] = set()
        self._figures: FigureSchedule | None = None

    def figures_started(self) -> int:
        """How many figure processes were started so far."""
        schedule = self._figures
        return schedule.runner.started if schedule is not None else 0

    def __enter__(self) -> JournalThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        # The last render waits for the final figures (at most twice the keeper's timeout).
        self._thread.join(timeout=90.0)

    def _run(self) -> None:
        try:
            with JournalService(self._expdir.path, config=self._config) as service:
                service.open()
                self._figures = self._schedule()
                keeper = JournalKeeper(service, self._interval, figures=self._figures)
                while not self._stop.wait(self._poll):
                    self._attempt(keeper.step)
                self._attempt(keeper.finish)
        except Exception as exc:
            self._say(f"stopped: {type(exc).__name__}: {exc}")

    def _schedule(self) -> FigureSchedule | None:
        from tuneterm.storage.figure_runner import FigureRunner, FigureSchedule

        if self._figure_interval is None:
            return None
        return FigureSchedule(FigureRunner(self._expdir), self._figure_interval)

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
