"""`NoteModal`: a small multi-line editor for a note, stamped with the trial it is about, and the
kind of note it is (observation, insight, next experiment, lesson)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RadioButton, RadioSet, Static, TextArea

from tuneterm.domain.hypotheses.notebook import NoteKind
from tuneterm.domain.text import printable

HINT = "ctrl+s saves · escape cancels · ctrl+t or tab: choose the kind"
DISCARD_HINT = "The note is not saved: escape again discards it, ctrl+s saves it."
EMPTY_HINT = "Nothing to save yet: write the note first (escape cancels)."
KINDS = tuple(NoteKind)
"""The kinds in the order the dialog offers them, observation first."""


@dataclass(frozen=True, slots=True)
class WrittenNote:
    """What the editor is dismissed with when the note is saved."""

    text: str
    kind: NoteKind


def note_heading(
    trial_id: str | None, iteration: int | None, kind: NoteKind = NoteKind.OBSERVATION
) -> Text:
    """What the note will be stamped with, and its kind, as the editor's title."""
    text = Text("Note", style="bold")
    if trial_id is None:
        text.append(" on the whole sweep")
    else:
        text.append(f" on trial {printable(trial_id)}")
    if trial_id is not None and iteration is not None:
        text.append(f" at iteration {iteration}")
    text.append(" · ")
    text.append(kind.label, style="bold reverse")
    return text


class NoteModal(ModalScreen[WrittenNote | None]):
    """Dismissed with the note (ctrl+s) or None (escape; twice once something is typed).

    ctrl+s is no priority binding on purpose: it must wait behind the keys typed (or pasted)
    before it, which the editor has still to insert. The kind is chosen in a row of radio
    buttons (tab reaches it; arrows move, enter or space picks), or cycled with ctrl+t from
    anywhere in the dialog.
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
            "ctrl+t",
            "next_kind",
            "Kind",
            id="note-kind",
            tooltip="Change what the note records: observation, insight, next experiment, lesson",
        ),
        Binding(
            "escape",
            "cancel_note",
            "Cancel",
            id="note-cancel",
            tooltip="Close without saving (once text is typed: press twice)",
        ),
    ]

    def __init__(
        self,
        trial_id: str | None,
        iteration: int | None,
        draft: str = "",
        kind: NoteKind = NoteKind.OBSERVATION,
    ) -> None:
        super().__init__()
        self.trial_id = trial_id
        self.iteration = iteration
        self.draft = draft
        """Text to start from: a note that could not be saved earlier."""
        self.kind = kind
        """The kind chosen so far."""
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(self._heading(), id="note-title")
            with RadioSet(id="note-kind", compact=True):
                for kind in KINDS:
                    yield RadioButton(kind.label, kind is self.kind, id=f"note-kind-{kind.value}")
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
        self.dismiss(WrittenNote(self.text, self.kind))

    def action_next_kind(self) -> None:
        # Set here as well as by the radio set's message: a ctrl+s right after must save it.
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.query_one(f"#note-kind-{self.kind.value}", RadioButton).value = True

    @on(RadioSet.Changed, "#note-kind")
    def _kind_chosen(self, event: RadioSet.Changed) -> None:
        self.kind = KINDS[event.index]
        self.query_one("#note-title", Static).update(self._heading())

    def _heading(self) -> Text:
        return note_heading(self.trial_id, self.iteration, self.kind)

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
