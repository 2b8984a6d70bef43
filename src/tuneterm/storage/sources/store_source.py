"""A tuneterm experiment read through its store: the `EventSource` of sweeps run by tuneterm.

It is polled from one worker thread while control requests and notebook writes may come from
another: those go through a second connection, so that a write waiting on the driver's lock
never holds up polling.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tuneterm.domain.away import SEEN_KEY
from tuneterm.domain.config.spec import ConfigError, ExperimentConfig, Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, NoteKind, VerdictRecord
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.resources import ResourceSample
from tuneterm.domain.sweep.metrics import objectives_of
from tuneterm.domain.trial import Result
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import driver_alive, effective_status
from tuneterm.storage.notebook import hypothesis_entries
from tuneterm.storage.result_metrics import tail_metrics
from tuneterm.storage.samples import latest_resource_samples, resource_samples
from tuneterm.storage.store import Store
from tuneterm.storage.trial_output import output_paths


class StoreSource:
    """A tuneterm experiment directory, tailed through its store (results carry only the sweep's
    metrics)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = False
        self._store = Store.open(ExperimentDir(path).store)
        self._metrics = [name for name, _ in objectives_of(self._store.meta())]
        self._last_seq = 0
        self._control_store: Store | None = None
        self._control_lock = threading.Lock()
        self._config: ExperimentConfig | None = None

    def meta(self) -> dict[str, Any]:
        """The store's meta, its status as a user should see it (`effective_status`)."""
        meta = self._store.meta()
        meta["status"] = effective_status(meta)
        return meta

    def poll(self, limit: int = 50_000) -> list[Event]:
        events = tail_metrics(self._store, self._last_seq, self._metrics, limit)
        if events:
            self._last_seq = events[-1].seq
        return events

    def trial_results(self, trial_id: str) -> list[Result]:
        return self._store.results(trial_id)

    def driver_alive(self) -> bool | None:
        """None before a driver recorded itself, or for a driver on another host."""
        return driver_alive(self._store.meta())

    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        """Written through a second connection, so that a write waiting on the driver's lock
        never holds up polling (which may run on another thread at the same time)."""
        with self._control_lock:
            return self._writer().request_control(action, trial_id)

    def add_note(
        self,
        text: str,
        trial_id: str | None,
        iteration: int | None,
        kind: NoteKind = NoteKind.OBSERVATION,
    ) -> Note:
        """Through the second connection, as `request_control`; so is every notebook call."""
        with self._control_lock:
            return self._writer().add_note(text, trial_id, iteration, kind)

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
        # Its checks are loaded with the first screen that needs the config, not at launch.
        from tuneterm.storage.recorded_config import read_recorded_config

        if self._config is None:
            try:
                self._config = read_recorded_config(ExperimentDir(self.path).config_json)
            except ConfigError:
                return None
        return self._config

    def resource_samples(self, trial_id: str, since: float | None = None) -> list[ResourceSample]:
        return resource_samples(self._store, trial_id, since)

    def latest_resource_samples(
        self, trial_ids: Iterable[str] | None = None
    ) -> dict[str, ResourceSample]:
        return latest_resource_samples(self._store, trial_ids)

    def output_paths(self, trial_id: str) -> tuple[Path, Path]:
        """`EXPERIMENT/logs/<trial_id>/stdout` and `stderr`, where the driver writes them."""
        return output_paths(self.path, trial_id)

    def mark_seen(self, at: float) -> None:
        """Through the second connection, as `request_control`."""
        with self._control_lock:
            self._writer().set_meta(**{SEEN_KEY: at})

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
