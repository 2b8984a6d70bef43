"""The journal's sections written from the user's notes, one per kind: observations, insights,
next experiments, lessons."""

from __future__ import annotations

from collections.abc import Sequence

from tuneterm.domain.hypotheses.notebook import Note, NoteKind
from tuneterm.domain.journal.markdown import code, indented, when


def _empty(kind: NoteKind) -> str:
    """What a section without notes says."""
    if kind is NoteKind.OBSERVATION:
        return "No notes yet (press n in the dashboard to write one)."
    return f"No {kind.section.lower()} yet (press n in the dashboard and choose {kind.label})."


def notes_section(kind: NoteKind, notes: Sequence[Note]) -> list[str]:
    """The `## <Kinds>` section: the notes of `kind`, in the order written."""
    lines = [f"## {kind.section}", ""]
    chosen = [note for note in notes if note.kind is kind]
    if not chosen:
        return [*lines, _empty(kind)]
    for note in chosen:
        body = indented(note.text)
        lines.append(f"- **{when(note.time)}**{_about(note)}: {body[0].lstrip()}")
        lines += body[1:]
    return lines


def _about(note: Note) -> str:
    if note.trial_id is None:
        return ""
    iteration = f", iteration {note.iteration}" if note.iteration is not None else ""
    return f" (trial {code(note.trial_id)}{iteration})"
