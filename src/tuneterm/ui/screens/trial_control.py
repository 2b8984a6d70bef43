"""`TrialControlKeys`: the sweep screen's keys that stop, pause and resume trials. Each asks
first (resuming needs no confirmation), then sends the request up to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from tuneterm.domain.control import ControlAction
from tuneterm.domain.sweep.state import SweepState
from tuneterm.ui.messages import ControlRequested
from tuneterm.ui.modals.confirm import (
    READ_ONLY_TEXT,
    SWEEP_QUESTION,
    ConfirmModal,
    Question,
    refusal,
    trial_question,
)

if TYPE_CHECKING:
    from tuneterm.ui.widgets.trial_table import TrialTable

CONTROL_ACTIONS = frozenset({"stop_trial", "pause_trial", "resume_trial", "stop_sweep"})
"""Actions that write a request for the driver: disabled (shown dimmed) on a read-only source."""


class TrialControlKeys(Screen[None]):
    """Mixed into the sweep screen, which sets `state`, `read_only` and `table`."""

    if TYPE_CHECKING:
        state: SweepState
        read_only: bool
        table: TrialTable

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CONTROL_ACTIONS:
            return None if self.read_only else True
        if action == "explain_read_only":
            return self.read_only
        return True

    def action_stop_trial(self) -> None:
        self._ask(ControlAction.STOP)

    def action_pause_trial(self) -> None:
        self._ask(ControlAction.PAUSE)

    def action_resume_trial(self) -> None:
        self._ask(ControlAction.RESUME)

    def action_stop_sweep(self) -> None:
        self._ask(ControlAction.STOP_ALL)

    def action_explain_read_only(self) -> None:
        self.notify(READ_ONLY_TEXT, title="Read-only", severity="warning", markup=False)

    def _ask(self, action: ControlAction) -> None:
        """Refuse with a notification, or confirm (resuming needs no confirmation), then send."""
        if self.read_only:
            self.action_explain_read_only()
            return
        trial_id = None if action is ControlAction.STOP_ALL else self.table.cursor_trial_id
        question = self._question(action, trial_id)
        if question is None:
            return
        if action is ControlAction.RESUME:
            self.post_message(ControlRequested(action, trial_id))
            return
        self.app.push_screen(
            ConfirmModal(question), lambda yes: self._confirmed(yes, action, trial_id)
        )

    def _question(self, action: ControlAction, trial_id: str | None) -> Question | None:
        """What to ask before sending `action`, or None once a notification said why not."""
        with self.state.lock:
            row = self.state.row(trial_id) if trial_id and trial_id in self.state else None
            refused = refusal(action, row, self.state.status, self.state.pending_action)
            tuned = self.state.tuned
        if refused is not None:
            self.notify(refused, title="Nothing sent", severity="warning", markup=False)
            return None
        if action is ControlAction.STOP_ALL or row is None:
            return SWEEP_QUESTION
        return trial_question(action, row, tuned)

    def _confirmed(self, yes: bool | None, action: ControlAction, trial_id: str | None) -> None:
        if yes:
            self.post_message(ControlRequested(action, trial_id))
