"""Where a dashboard reads a sweep from: a tuneterm experiment's store, or plain Ray Tune files.

Both give the same events (`domain.events.Event`), so one `SweepState` folds either. A source
is polled from one worker thread; it holds no thread of its own. Control requests may be written
from another thread meanwhile: a store source writes them through a connection of their own.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from tuneterm.domain.config.spec import (
    ConfigError,
    ExperimentConfig,
    Hypothesis,
    read_recorded_config,
)
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, VerdictRecord
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.trial import Result
from tuneterm.storage.experiment import ExperimentDir, driver_alive, effective_status
from tuneterm.storage.notebook import hypothesis_entries
from tuneterm.storage.sources.raydir import RayDirSource, ray_experiments
from tuneterm.storage.store import Store, StoreError


class SourceError(Exception):
    """The path holds no sweep a dashboard can read (the message is one line)."""


class EventSource(Protocol):
    """Where a dashboard reads a sweep from."""

    read_only: bool
    """True for plain Ray Tune directories: nothing to send controls to."""
    path: Path

    def meta(self) -> dict[str, Any]:
        """The sweep's name, metric, mode, status (as a user should see it), started_at, ..."""
        ...

    def poll(self, limit: int = 50_000) -> list[Event]:
        """Events after the last poll, oldest first; results carry at least the sweep's metric."""
        ...

    def trial_results(self, trial_id: str) -> list[Result]:
        """Every metric of every result of one trial."""
        ...

    def driver_alive(self) -> bool | None:
        """Whether the process running the sweep lives; None when unknown."""
        ...

    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        """Ask the driver to stop, pause or resume a trial (`trial_id` None: STOP_ALL); returns
        the request's id. May block on a busy database: call it from a worker thread, never
        the UI's. A read-only source raises `raydir.ReadOnlySourceError`."""
        ...

    # The notebook. Writes may block on a busy database, like `request_control`: call them from a
    # worker thread. They raise `notebook.NotebookError` for bad input, and a read-only source
    # raises `raydir.ReadOnlySourceError`.

    def add_note(self, text: str, trial_id: str | None, iteration: int | None) -> Note:
        """Record a note (about a trial at an iteration, or about the sweep)."""
        ...

    def add_hypothesis(self, hypothesis: Hypothesis) -> None:
        """Record a hypothesis added while the sweep runs (check it first with
        `notebook.check_live_hypothesis`: here only empty fields and taken ids are refused)."""
        ...

    def record_verdict(
        self, hypothesis_id: str, verdict: Verdict, justification: str
    ) -> VerdictRecord:
        """Record a verdict on a config or live hypothesis; earlier verdicts stay as history."""
        ...

    def notebook(self) -> tuple[list[HypothesisEntry], list[Note]]:
        """Every hypothesis (config ones first) with its verdicts, and every note in time order."""
        ...

    def config(self) -> ExperimentConfig | None:
        """The experiment's recorded config; None when there is none (plain Ray Tune files)."""
        ...

    def close(self) -> None: ...


class StoreSource:
    """A tuneterm experiment directory, tailed through its store (results carry only the metric)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = False
        self._store = Store.open(ExperimentDir(path).store)
        self._metric = str(self._store.meta().get("metric") or "")
        self._last_seq = 0
        self._control_store: Store | None = None
        self._control_lock = threading.Lock()
        self._config: ExperimentConfig | None = None

    def meta(self) -> dict[str, Any]:
        """The store's meta, with "status" "crashed" if the driver died without saying so."""
        meta = self._store.meta()
        meta["status"] = effective_status(meta)
        return meta

    def poll(self, limit: int = 50_000) -> list[Event]:
        events = self._store.tail(self._last_seq, self._metric, limit)
        if events:
            self._last_seq = events[-1].seq
        return events

    def trial_results(self, trial_id: str) -> list[Result]:
        return self._store.trial_results(trial_id)

    def driver_alive(self) -> bool | None:
        """None before a driver recorded itself, or for a driver on another host."""
        return driver_alive(self._store.meta())

    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        """Written through a second connection, so that a write waiting on the driver's lock
        never holds up polling (which may run on another thread at the same time)."""
        with self._control_lock:
            return self._writer().request_control(action, trial_id)

    def add_note(self, text: str, trial_id: str | None, iteration: int | None) -> Note:
        """Through the second connection, as `request_control`; so is every notebook call."""
        with self._control_lock:
            return self._writer().add_note(text, trial_id, iteration)

    def add_hypothesis(self, hypothesis: Hypothesis) -> None:
        with self._control_lock:
            self._writer().add_hypothesis(hypothesis, config_ids=self._config_ids())

    def record_verdict(
        self, hypothesis_id: str, verdict: Verdict, justification: str
    ) -> VerdictRecord:
        with self._control_lock:
            ids = self._config_ids()
            return self._writer().record_verdict(
                hypothesis_id, verdict, justification, config_ids=ids
            )

    def notebook(self) -> tuple[list[HypothesisEntry], list[Note]]:
        with self._control_lock:
            store = self._writer()
            return hypothesis_entries(self.config(), store), store.notes()

    def config(self) -> ExperimentConfig | None:
        """Read once (it never changes); None when config.json is missing or unreadable."""
        if self._config is None:
            try:
                self._config = read_recorded_config(ExperimentDir(self.path).config_json)
            except ConfigError:
                return None
        return self._config

    def _config_ids(self) -> list[str] | None:
        """The config's hypothesis ids; None lets the store read config.json itself."""
        config = self.config()
        return None if config is None else [h.id for h in config.hypotheses]

    def _writer(self) -> Store:
        """The second connection (call with `_control_lock` held)."""
        if self._control_store is None:
            self._control_store = Store.open(self._store.path)
        return self._control_store

    def close(self) -> None:
        self._store.close()
        with self._control_lock:
            if self._control_store is not None:
                self._control_store.close()
                self._control_store = None


def open_source(path: Path) -> EventSource:
    """A StoreSource for a tuneterm experiment directory, a RayDirSource for a Ray Tune one (or a
    storage_path holding exactly one); SourceError otherwise.
    """
    path = Path(path).expanduser()
    if path.name == Store.FILENAME and path.is_file():
        path = path.parent
    if ExperimentDir(path).store.is_file():
        try:
            return StoreSource(path)
        except StoreError as exc:
            raise SourceError(str(exc)) from exc
    experiments = ray_experiments(path)
    if len(experiments) == 1:
        return RayDirSource(experiments[0])
    if experiments:
        names = ", ".join(experiment.name for experiment in experiments[:5])
        more = ", ..." if len(experiments) > 5 else ""
        raise SourceError(
            f"{path}: holds {len(experiments)} Ray Tune experiments ({names}{more}); open one"
        )
    raise SourceError(f"{path}: neither a tuneterm experiment nor a Ray Tune experiment directory")
