"""Messages between the dashboard's threads, screens and app: facts in the past tense, or requests.

Each is a dataclass (Textual's `Message.__post_init__` sets up the rest). Those that carry a
snapshot replace a queued one of their kind (`can_replace`): only the latest is worth drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.hypotheses.notebook import Note, NoteKind
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.trial import Result

if TYPE_CHECKING:
    # Only for the annotations: the screens that use these are imported when first opened.
    from tuneterm.domain.comparison import ExperimentRow
    from tuneterm.ui.widgets.hypothesis_view import Notebook

# -- the live feed --------------------------------------------------------------------------------


@dataclass
class SweepUpdated(Message):
    """The ingest thread applied a batch of events to the sweep state.

    At most one is in flight: the thread waits for the app to take it before posting the next,
    and keeps applying events (accumulating changed trial ids) meanwhile.
    """

    changed_trial_ids: frozenset[str]
    """Trials whose row changed since the previous message."""
    event_count: int
    """Events applied since the previous message (0 for a driver liveness change only)."""
    driver_alive: bool | None
    """Whether the driver process still runs (None: unknown, e.g. a plain Ray directory)."""


@dataclass
class RefreshDue(Message):
    """A screen held back a data refresh (to redraw at most once a second) and wants it now;
    the app applies it when the output budget allows."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshDue)


# -- snapshots read by the screens' workers -------------------------------------------------------


@dataclass
class TrialResultsLoaded(Message):
    """Every result of one trial, read from the source for the detail screen."""

    trial_id: str
    results: Sequence[Result]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrialResultsLoaded) and message.trial_id == self.trial_id


@dataclass
class TrialNotesLoaded(Message):
    """The notes about one trial, read from the store for the detail screen."""

    trial_id: str
    notes: Sequence[Note]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrialNotesLoaded) and message.trial_id == self.trial_id


@dataclass
class NotebookLoaded(Message):
    """The hypotheses and their evidence, computed by the hypotheses screen's worker."""

    notebook: Notebook

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, NotebookLoaded)


@dataclass
class JournalRendered(Message):
    """The journal's Markdown, rendered by the journal screen's worker (or why it could not be)."""

    markdown: str | None
    error: str | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JournalRendered)


@dataclass
class ExperimentsCompared(Message):
    """The experiments beside this one, read by the compare screen's worker."""

    rows: Sequence[ExperimentRow]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExperimentsCompared)


# -- requests from the screens --------------------------------------------------------------------


@dataclass
class TrialDetailRequested(Message):
    """The user asked to see one trial in full."""

    trial_id: str


@dataclass
class ControlRequested(Message):
    """The user confirmed a control request: stop, pause or resume a trial, or stop the sweep."""

    action: ControlAction
    trial_id: str | None
    """The trial it names; None for STOP_ALL."""


@dataclass
class ControlFailed(Message):
    """A control request could not be written to the store (the driver never saw it)."""

    action: ControlAction
    trial_id: str | None
    error: str
    """What went wrong, in one line."""


@dataclass
class NoteSubmitted(Message):
    """The user finished a note; the app writes it to the store."""

    text: str
    trial_id: str | None
    """The trial highlighted when the editor opened (None: a note on the whole sweep)."""
    iteration: int | None
    """That trial's iteration when the editor opened."""
    kind: NoteKind = NoteKind.OBSERVATION
    """What the note records, as chosen in the editor."""


@dataclass
class VerdictSubmitted(Message):
    """The user marked a hypothesis; the app writes the verdict to the store."""

    hypothesis_id: str
    verdict: Verdict
    justification: str


@dataclass
class HypothesisSubmitted(Message):
    """The user filled in a new hypothesis (already checked against the search space)."""

    hypothesis: Hypothesis


# -- the notebook's writes ------------------------------------------------------------------------


@dataclass
class NotebookSaved(Message):
    """A note, verdict or hypothesis is in the store (only now is it shown)."""

    summary: str
    """What was saved, in one line ("Note saved", "H1 marked CONFIRMED")."""


@dataclass
class NotebookWriteFailed(Message):
    """A note, verdict or hypothesis could not be written (nothing was saved)."""

    what: str
    """What was being saved ("the note", "the verdict", "the hypothesis")."""
    error: str
    """Why, in one line."""
    note_text: str | None = None
    """The unsaved note's text, kept as a draft so that no word is lost."""
    note_kind: NoteKind = NoteKind.OBSERVATION
    """The unsaved note's kind, kept with its text."""


@dataclass
class JournalFileWritten(Message):
    """journal.md (or the file beside it, if journal.md was edited by hand) was re-rendered."""

    message: str
    diverted: bool
    """True when journal.md was edited outside tuneterm and left alone."""
