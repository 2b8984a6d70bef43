"""Messages from the ingest and loader threads and the screens: small facts, in the past tense."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.control import ControlAction
from tuneterm.domain.hypotheses.notebook import Note
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.trial import Result


class SweepUpdated(Message):
    """The ingest thread applied a batch of events to the sweep state.

    At most one is in flight: the thread waits for the app to take it before posting the next,
    and keeps applying events (accumulating changed trial ids) meanwhile.
    """

    def __init__(
        self, changed_trial_ids: frozenset[str], event_count: int, driver_alive: bool | None
    ) -> None:
        super().__init__()
        self.changed_trial_ids = changed_trial_ids
        """Trials whose row changed since the previous message."""
        self.event_count = event_count
        """Events applied since the previous message (0 for a driver liveness change only)."""
        self.driver_alive = driver_alive
        """Whether the driver process still runs (None: unknown, e.g. a plain Ray directory)."""


class TrialResultsLoaded(Message):
    """Every result of one trial, read from the source for the detail screen."""

    def __init__(self, trial_id: str, results: Sequence[Result]) -> None:
        super().__init__()
        self.trial_id = trial_id
        self.results = results


class TrialNotesLoaded(Message):
    """The notes about one trial, read from the store for the detail screen."""

    def __init__(self, trial_id: str, notes: Sequence[Note]) -> None:
        super().__init__()
        self.trial_id = trial_id
        self.notes = notes


class TrialDetailRequested(Message):
    """The user asked to see one trial in full."""

    def __init__(self, trial_id: str) -> None:
        super().__init__()
        self.trial_id = trial_id


class RefreshDue(Message):
    """A screen held back a data refresh (to redraw at most once a second) and wants it now;
    the app applies it when the output budget allows."""


class ControlRequested(Message):
    """The user confirmed a control request: stop, pause or resume a trial, or stop the sweep."""

    def __init__(self, action: ControlAction, trial_id: str | None) -> None:
        super().__init__()
        self.action = action
        self.trial_id = trial_id
        """The trial it names; None for STOP_ALL."""


class ControlFailed(Message):
    """A control request could not be written to the store (the driver never saw it)."""

    def __init__(self, action: ControlAction, trial_id: str | None, error: str) -> None:
        super().__init__()
        self.action = action
        self.trial_id = trial_id
        self.error = error
        """What went wrong, in one line."""


class NoteSubmitted(Message):
    """The user finished a note; the app writes it to the store."""

    def __init__(self, text: str, trial_id: str | None, iteration: int | None) -> None:
        super().__init__()
        self.text = text
        self.trial_id = trial_id
        """The trial highlighted when the editor opened (None: a note on the whole sweep)."""
        self.iteration = iteration
        """That trial's iteration when the editor opened."""


class VerdictSubmitted(Message):
    """The user marked a hypothesis; the app writes the verdict to the store."""

    def __init__(self, hypothesis_id: str, verdict: Verdict, justification: str) -> None:
        super().__init__()
        self.hypothesis_id = hypothesis_id
        self.verdict = verdict
        self.justification = justification


class HypothesisSubmitted(Message):
    """The user filled in a new hypothesis (already checked against the search space)."""

    def __init__(self, hypothesis: Hypothesis) -> None:
        super().__init__()
        self.hypothesis = hypothesis


class NotebookSaved(Message):
    """A note, verdict or hypothesis is in the store (only now is it shown)."""

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary
        """What was saved, in one line ("Note saved", "H1 marked CONFIRMED")."""


class NotebookWriteFailed(Message):
    """A note, verdict or hypothesis could not be written (nothing was saved)."""

    def __init__(self, what: str, error: str, note_text: str | None = None) -> None:
        super().__init__()
        self.what = what
        """What was being saved ("the note", "the verdict", "the hypothesis")."""
        self.error = error
        """Why, in one line."""
        self.note_text = note_text
        """The unsaved note's text, kept as a draft so that no word is lost."""


class JournalFileWritten(Message):
    """journal.md (or the file beside it, if journal.md was edited by hand) was re-rendered."""

    def __init__(self, message: str, diverted: bool) -> None:
        super().__init__()
        self.message = message
        self.diverted = diverted
        """True when journal.md was edited outside tuneterm and left alone."""
