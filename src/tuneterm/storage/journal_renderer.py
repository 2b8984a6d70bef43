"""`JournalRenderer`: renders an experiment's journal (and writes journal.md) on worker threads.

The journal's modules are imported on the first render, not with the dashboard: they are not
needed for its first frame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

if TYPE_CHECKING:
    from tuneterm.storage.journal_data import ResultReader
    from tuneterm.storage.journal_file import JournalWritten


class JournalRenderer:
    """Renders one experiment's journal; thread-safe, meant for worker threads. It keeps its own
    connection to the store and reads only the results that are new since the last render."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.expdir = ExperimentDir(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._reader: ResultReader | None = None

    def markdown(self) -> str:
        """The journal as it would be written now (JournalError when it cannot be)."""
        with self._lock:
            return self._markdown_locked()

    def write(self) -> JournalWritten:
        """Render and write journal.md (beside it, if it was edited outside tuneterm)."""
        with self._lock:
            text = self._markdown_locked()
            assert self._store is not None
            from tuneterm.storage.journal_file import write_journal

            return write_journal(self.expdir, text, self._store)

    def _markdown_locked(self) -> str:
        from tuneterm.domain.config.spec import ConfigError, read_recorded_config
        from tuneterm.domain.journal.render import render_journal
        from tuneterm.storage.journal_data import JournalError, ResultReader, gather

        try:
            # As recorded, without the checks that depend on this host (custom trainable, data).
            config = read_recorded_config(self.expdir.config_json)
        except ConfigError as exc:
            raise JournalError(str(exc)) from None
        if self._store is None:
            self._store = Store.open(self.expdir.store)
        if self._reader is None:
            self._reader = ResultReader(config.experiment.metric)
        data = gather(self.expdir, self._store, config, self._clock(), self._reader)
        return render_journal(data)

    def close(self) -> None:
        """Close the store connection, unless a render holds it (it is not waited for: leaving
        the dashboard must not wait on a journal)."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._store is not None:
                self._store.close()
                self._store = None
        finally:
            self._lock.release()
