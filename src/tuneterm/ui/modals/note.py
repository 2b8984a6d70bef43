"""`NoteModal`: a small multi-line editor for an observation, stamped with the trial it is about."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tuneterm.domain.text import printable

HINT = "ctrl+s saves · escape cancels"
DISCARD_HINT = "The note is not saved: escape again discards it, ctrl+s saves it."
EMPTY_HINT = "Nothing to save yet: write the note first (escape cancels)."


def note_heading(trial_id: str | None, iteration: int | None) -> Text:
    """What the note will be stamped with, as the editor's title."""
    text = Text("Note", style="bold")
    if trial_id is None:
        text.append(" on the whole sweep")
        return text
    text.append(f" on trial {printable(trial_id)}")
    if iteration is not None:
        text.append(f" at iteration {iteration}")
    return text


class NoteModal(ModalScreen[str | None]):
    """Dismissed with the note's text (ctrl+s) or None (escape; twice once something is typed).

    ctrl+s is no priority binding on purpose: it must wait behind the keys typed (or pasted)
    before it, which the editor has still to insert.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save_note",
            "Save",
            id="note-save",
            tooltip="Save the note in the experiment's store (and its journal)",
        ),
        Binding(
            "escape",
            "cancel_note",
            "Cancel",
            id="note-cancel",
            tooltip="Close without saving (once text is typed: press twice)",
        ),
    ]

    def __init__(self, trial_id: str | None, iteration: int | None, draft: str = "") -> None:
        super().__init__()
        self.trial_id = trial_id
        self.iteration = iteration
        self.draft = draft
        """Text to start from: a note that could not be saved earlier."""
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(note_heading(self.trial_id, self.iteration), id="note-title")
            yield TextArea(self.draft, id="note-text", soft_wrap=True)
            yield Static(Text(HINT, style="dim"), id="note-hint")

    def on_mount(self) -> None:
        editor = self.query_one("#note-text", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)
        if self.draft:
            self._hint("The note that was not saved is back: ctrl+s tries again.")

    @property
    def text(self) -> str:
        return self.query_one("#note-text", TextArea).text

    def _hint(self, hint: str, style: str = "dim") -> None:
        self.query_one("#note-hint", Static).update(Text(hint, style=style))

    def action_save_note(self) -> None:
        if not self.text.strip():
            self._hint(EMPTY_HINT, "bold yellow")
            return
        self.dismiss(self.text)

    def action_cancel_note(self) -> None:
        if self.text.strip() and not self._discard_armed:
            self._discard_armed = True
            self._hint(DISCARD_HINT, "bold yellow")
            return
        self.dismiss(None)

    def on_text_area_changed(self) -> None:
        if self._discard_armed:
            self._discard_armed = False
            self._hint(HINT)
