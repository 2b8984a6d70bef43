"""`JournalActions`: the dashboard's part in the experiment journal. It opens the hypotheses,
journal and compare screens, writes notes, verdicts and hypotheses through the source on worker
threads (shown only once the store has them), and re-renders journal.md after each write."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.hypotheses.notebook import HypothesisEntry, Note, NoteKind
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line
from tuneterm.storage.journal_service import JournalService
from tuneterm.storage.sources.protocol import EventSource
from tuneterm.ui.messages import (
    HypothesisSubmitted,
    JournalFileWritten,
    NotebookSaved,
    NotebookWriteFailed,
    NoteSubmitted,
    VerdictSubmitted,
)
from tuneterm.ui.screens.role import NotebookScreen, NoteSubjectScreen

if TYPE_CHECKING:
    from tuneterm.ui.modals.note import WrittenNote

READ_ONLY_NOTEBOOK = (
    "Read-only: a plain Ray Tune directory has no store to keep notes, hypotheses or verdicts in."
)


class JournalActions(App[str]):
    """Mixed into the app: call `init_journal` once `source`, `state` and `clock` are set."""

    if TYPE_CHECKING:
        source: EventSource
        state: SweepState
        clock: Callable[[], float]

    def init_journal(self) -> None:
        self.note_draft = ""
        """A note that could not be saved: the editor opens with it, so no word is lost."""
        self.note_draft_kind = NoteKind.OBSERVATION
        """That note's kind."""
        self.journal_service = JournalService(self.source.path, self.clock)

    def close_journal(self) -> None:
        self.journal_service.close()

    # -- screens ----------------------------------------------------------------------------------
    # Each screen's module is imported when it is first opened: the dashboard's first frame does
    # not wait for them.

    def action_show_hypotheses(self) -> None:
        from tuneterm.ui.screens.hypotheses import HypothesesScreen

        if not isinstance(self.screen, HypothesesScreen):
            screen = HypothesesScreen(
                self.state, self._hypotheses_and_config, read_only=self.source.read_only
            )
            self.push_screen(screen)

    def action_show_journal(self) -> None:
        from tuneterm.ui.screens.journal import JournalScreen

        if not isinstance(self.screen, JournalScreen):
            screen = JournalScreen(self.journal_service.markdown, read_only=self.source.read_only)
            self.push_screen(screen)

    def action_show_compare(self) -> None:
        from tuneterm.ui.screens.compare import CompareScreen

        if not isinstance(self.screen, CompareScreen):
            self.push_screen(CompareScreen(self.source.path, self.clock))

    def _hypotheses_and_config(self) -> tuple[list[HypothesisEntry], ExperimentConfig | None]:
        """Called on a worker thread."""
        entries, _ = self.source.notebook()
        return entries, self.source.config()

    def trial_notes(self, trial_id: str) -> Sequence[Note]:
        """The notes about one trial, in the order written; called on a worker thread."""
        _, notes = self.source.notebook()
        return [note for note in notes if note.trial_id == trial_id]

    # -- writing ----------------------------------------------------------------------------------

    def action_write_note(self) -> None:
        from tuneterm.ui.modals.note import NoteModal

        if self.source.read_only:
            self.notify(READ_ONLY_NOTEBOOK, title="Read-only", severity="warning", markup=False)
            return
        screen = self.screen
        trial_id, iteration = (
            screen.note_subject() if isinstance(screen, NoteSubjectScreen) else (None, None)
        )
        self.push_screen(
            NoteModal(trial_id, iteration, self.note_draft, self.note_draft_kind),
            lambda note: self._note_closed(note, trial_id, iteration),
        )

    def _note_closed(
        self, note: WrittenNote | None, trial_id: str | None, iteration: int | None
    ) -> None:
        self.note_draft, self.note_draft_kind = "", NoteKind.OBSERVATION
        if note is not None:
            self.post_message(NoteSubmitted(note.text, trial_id, iteration, note.kind))

    @on(NoteSubmitted)
    def _note_submitted(self, message: NoteSubmitted) -> None:
        def write() -> str:
            self.source.add_note(message.text, message.trial_id, message.iteration, message.kind)
            return f"Note saved ({message.kind.label})"

        self._write_notebook("the note", write, (message.text, message.kind))

    @on(VerdictSubmitted)
    def _verdict_submitted(self, message: VerdictSubmitted) -> None:
        def write() -> str:
            self.source.record_verdict(
                message.hypothesis_id, message.verdict, message.justification
            )
            return f"{one_line(message.hypothesis_id, 40)} marked {message.verdict.label}"

        self._write_notebook("the verdict", write)

    @on(HypothesisSubmitted)
    def _hypothesis_submitted(self, message: HypothesisSubmitted) -> None:
        hypothesis: Hypothesis = message.hypothesis

        def write() -> str:
            self.source.add_hypothesis(hypothesis)
            return f"Hypothesis {one_line(hypothesis.id, 40)} added"

        self._write_notebook("the hypothesis", write)

    @work(
        thread=True,
        exclusive=False,  # every note, verdict and hypothesis must be written, even several
        exit_on_error=False,
        group="notebook",
        description="Save to the experiment's notebook",
    )
    def _write_notebook(
        self, what: str, write: Callable[[], str], note: tuple[str, NoteKind] | None = None
    ) -> None:
        try:
            summary = write()
        except Exception as exc:
            error = one_line(f"{type(exc).__name__}: {exc}", 200)
            text, kind = note if note is not None else (None, NoteKind.OBSERVATION)
            self.post_message(NotebookWriteFailed(what, error, text, kind))
            return
        self.post_message(NotebookSaved(summary))
        if not self.source.driver_alive():
            # A running driver re-renders journal.md itself within a second of the write.
            self._rewrite_journal_file(quiet=True)

    def _rewrite_journal_file(self, *, quiet: bool) -> None:
        """Render and write journal.md; say so unless `quiet` (then only if it was diverted or
        failed). An experiment without a recorded config has no journal: nothing to say."""
        from tuneterm.domain.journal.data import JournalError

        try:
            written = self.journal_service.write()
        except JournalError as exc:
            if not quiet:
                self.post_message(JournalFileWritten(str(exc), True))
            return
        except Exception as exc:
            error = one_line(f"{type(exc).__name__}: {exc}", 200)
            self.post_message(JournalFileWritten(f"journal.md not written: {error}", True))
            return
        if written.diverted or not quiet:
            self.post_message(JournalFileWritten(written.message, written.diverted))
        if not self.source.driver_alive():  # a running driver draws the figures itself
            self.journal_service.refresh_figures()

    def action_write_journal(self) -> None:
        if self.source.read_only:
            self.notify(READ_ONLY_NOTEBOOK, title="Read-only", severity="warning", markup=False)
            return
        self._write_journal_file()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="journal-file",
        description="Write journal.md",
    )
    def _write_journal_file(self) -> None:
        self._rewrite_journal_file(quiet=False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="journal-file",
        description="Bring journal.md up to date",
    )
    def catch_up_journal(self) -> None:
        """Re-render journal.md if notes or verdicts are newer than it and no driver runs to do
        it (a dashboard killed right after saving a note, say)."""
        if self.source.read_only or self.source.driver_alive():
            return
        entries, notes = self.source.notebook()
        times = [note.time for note in notes]
        for entry in entries:
            times += [record.time for record in entry.verdicts]
            times += [entry.added_at] if entry.added_at is not None else []
        if times and max(times) > _modified_at(str(self.journal_service.expdir.journal)):
            self._rewrite_journal_file(quiet=True)

    # -- saved, or not ----------------------------------------------------------------------------

    @on(NotebookSaved)
    def _notebook_saved(self, message: NotebookSaved) -> None:
        self.notify(message.summary, timeout=4, markup=False)
        for screen in self.screen_stack:
            if isinstance(screen, NotebookScreen):
                screen.notebook_changed()

    @on(NotebookWriteFailed)
    def _notebook_write_failed(self, message: NotebookWriteFailed) -> None:
        detail = f"Could not save {message.what}: {message.error}"
        if message.note_text is not None:
            self.note_draft, self.note_draft_kind = message.note_text, message.note_kind
            detail += " (n opens it again)"
        self.notify(detail, title="Nothing saved", severity="error", timeout=30, markup=False)

    @on(JournalFileWritten)
    def _journal_file_written(self, message: JournalFileWritten) -> None:
        self.notify(
            message.message,
            title="Journal",
            severity="warning" if message.diverted else "information",
            timeout=15,
            markup=False,
        )


def _modified_at(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0
