"""The parts a screen may play for the app: following the sweep, showing notes, stamping notes.

The app asks each screen on its stack whether it plays a part (`isinstance`), and calls it through
that part only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class LiveScreen(Protocol):
    """A screen that follows the sweep: told which trials changed, then asked to show them."""

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        """Remember that these trials changed (an empty one: only the time moved on)."""

    def flush(self) -> None:
        """Show what changed since the last call (a screen may hold it back to pace itself)."""


@runtime_checkable
class NotebookScreen(Protocol):
    """A screen that shows notes, verdicts or hypotheses, so must reread them after a save."""

    def notebook_changed(self) -> None:
        """A note, verdict or hypothesis was saved: show it."""


@runtime_checkable
class NoteSubjectScreen(Protocol):
    """A screen whose notes are about something in particular (a trial, at an iteration)."""

    def note_subject(self) -> tuple[str | None, int | None]:
        """The trial and iteration a note written now is about (None, None: the whole sweep)."""
