"""`ConfirmModal`: a yes/no question asked before a destructive action, and what the control keys
ask or answer: the question for a trial, or why a request cannot be sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tuneterm.domain.control import ControlAction, Step, decide
from tuneterm.domain.status import TrialStatus, is_live
from tuneterm.domain.sweep.rows import PENDING_LABELS, TrialRow
from tuneterm.domain.text import printable
from tuneterm.ui.format import ELLIPSIS, compact_value
from tuneterm.ui.widgets.columns import tuned_names

SHORT_CONFIG_WIDTH = 48
"""Most cells the config in a question takes; the trial id and the question come on top."""
READ_ONLY_TEXT = (
    "Read-only: this is a plain Ray Tune directory, with no tuneterm driver to stop, pause or "
    "resume its trials. Sweeps started with `tuneterm run` can be controlled."
)


@dataclass(frozen=True, slots=True)
class Question:
    """What a ConfirmModal asks."""

    title: str
    """The question itself, one sentence."""
    detail: str
    """What happens on yes, in a sentence."""
    yes_label: str
    """The confirming button's label ("Stop", "Pause")."""


class ConfirmModal(ModalScreen[bool]):
    """Asks `question`; dismissed with True (yes) or False (no)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Confirm: send the request"),
        Binding(
            "n,escape",
            "answer(False)",
            "No",
            id="confirm-no",
            tooltip="Cancel: nothing is sent",
        ),
        Binding(
            "enter",
            "answer(True)",
            "Yes",
            id="confirm-enter",
            show=False,
            tooltip="Press the focused button (Yes, unless moved with tab)",
        ),
    ]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.question.title, style="bold"), id="confirm-title")
            yield Static(Text(self.question.detail), id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.question.yes_label} (y)", variant="error", id="confirm-yes")
                yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _answered(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")


def short_config(row: TrialRow, tuned: Sequence[str], width: int = SHORT_CONFIG_WIDTH) -> str:
    """The trial's tuned hyperparameters, compact: "lr=0.00086, batch_size=64" (cut with …)."""
    names = tuned_names(tuned, {row.trial_id: row})
    parts = [
        f"{printable(name)}={compact_value(row.config[name])}"
        for name in names
        if name in row.config
    ]
    text = ", ".join(parts)
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1).rstrip(", ") + ELLIPSIS
    return text


def trial_question(action: ControlAction, row: TrialRow, tuned: Sequence[str]) -> Question:
    """The question asked before stopping or pausing one trial."""
    config = short_config(row, tuned)
    named = f"trial {printable(row.trial_id)}" + (f" ({config})" if config else "")
    if action is ControlAction.PAUSE:
        return Question(
            f"Pause {named}?",
            "Its resources are freed until you resume it with r.",
            "Pause",
        )
    return Question(
        f"Stop {named}?",
        "It ends now, as stopped by the user; its results so far are kept.",
        "Stop",
    )


SWEEP_QUESTION = Question(
    "Stop the whole sweep?",
    "Running trials end now; quitting (q) would leave it running.",
    "Stop sweep",
)


def refusal(
    action: ControlAction,
    row: TrialRow | None,
    sweep_status: str,
    sweep_pending: str | None,
) -> str | None:
    """Why `action` cannot be asked for now (the sweep is over or stopping, the trial ended, it is
    already on its way), or None if it can. The driver decides again from Ray's own view."""
    if not is_live(sweep_status):
        return f"The sweep is {printable(sweep_status)}: there is no driver to ask."
    if sweep_pending is not None:
        return "The sweep is already stopping (waiting for the driver)."
    if row is None:
        return None if action is ControlAction.STOP_ALL else "No trial is highlighted."
    if row.pending_action == PENDING_LABELS[action]:
        trial = f"Trial {printable(row.trial_id)}"
        return f"{trial} is already {row.pending_action} (waiting for the driver)."
    return _rejection(action, row)


def _rejection(action: ControlAction, row: TrialRow) -> str | None:
    """The control rule's refusal as a sentence; on a paused trial, a reminder of the key that
    resumes it."""
    decision = decide(action, row.control_view)
    if decision.step is not Step.REJECT:
        return None
    sentence = printable(decision.message[:1].upper() + decision.message[1:])
    hint = ": r resumes it" if row.status is TrialStatus.PAUSED else ""
    return f"{sentence}{hint}."
