"""Where a dashboard reads a sweep from: the `EventSource` protocol and the errors of its sources.

A tuneterm experiment's store and plain Ray Tune files give the same events
(`domain.events.Event`), so one `SweepState` folds either. A source is polled from one worker
thread; it holds no thread of its own. Control requests may be written from another thread
meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, NoteKind, VerdictRecord
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.resources import ResourceSample
from tuneterm.domain.trial import Result


class SourceError(Exception):
    """The path holds no sweep a dashboard can read (the message is one line)."""


class ReadOnlySourceError(Exception):
    """A write (a control request, a note) sent to a source that has no tuneterm driver or store."""


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
        the UI's. A read-only source raises `ReadOnlySourceError`."""
        ...

    # The notebook. Writes may block on a busy database, like `request_control`: call them from a
    # worker thread. They raise `notebook.NotebookError` for bad input, and a read-only source
    # raises `ReadOnlySourceError`.

    def add_note(
        self,
        text: str,
        trial_id: str | None,
        iteration: int | None,
        kind: NoteKind = NoteKind.OBSERVATION,
    ) -> Note:
        """Record a note of `kind` (about a trial at an iteration, or about the sweep)."""
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

    # Each trial's resource use and output (read them with `storage.sources.output`).

    def resource_samples(self, trial_id: str, since: float | None = None) -> list[ResourceSample]:
        """A trial's resource samples in time order (taken after `since`, if given); none for
        plain Ray Tune directories."""
        ...

    def latest_resource_samples(
        self, trial_ids: Iterable[str] | None = None
    ) -> dict[str, ResourceSample]:
        """Each trial's newest resource sample (of `trial_ids`, else of every trial), by trial id
        (for table columns: pass the running trials, one indexed look-up each)."""
        ...

    def output_paths(self, trial_id: str) -> tuple[Path, Path] | None:
        """Where a trial's stdout and stderr are (the files may not exist yet); None where none
        are kept (a plain Ray Tune trial folder without Ray's own `stdout`/`stderr`)."""
        ...

    def mark_seen(self, at: float) -> None:
        """Record that a dashboard showed the sweep up to `at` (the store's `dashboard_seen_at`,
        which the next attach's "since you left" banner counts from). A write like
        `request_control`: call it from a worker thread. A no-op for plain Ray Tune directories."""
        ...

    def close(self) -> None: ...
