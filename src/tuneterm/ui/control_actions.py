"""`ControlActions`: the dashboard's part in controlling the sweep. A confirmed request shows as
pending at once and is written into the store on a worker thread; the driver applies it, or
refuses it, and a refusal is shown whichever dashboard sent the request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App

from tuneterm.domain.control import ControlAction
from tuneterm.domain.sweep.rows import ControlNotice
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line
from tuneterm.storage.sources.protocol import EventSource
from tuneterm.ui.messages import ControlFailed, ControlRequested

if TYPE_CHECKING:
    from tuneterm.ui.screens.sweep import SweepScreen

NOTICE_MAX_AGE = 60.0
"""Refusals older than this when the dashboard attached are history, not news: not notified."""


class ControlActions(App[str]):
    """Mixed into the app, which sets `source`, `state`, `sweep_screen` and `attached_at`."""

    if TYPE_CHECKING:
        source: EventSource
        state: SweepState
        sweep_screen: SweepScreen
        attached_at: float

    @on(ControlRequested)
    def _control_requested(self, message: ControlRequested) -> None:
        """Show the request as pending at once (not only once its event comes back), then write
        it off the UI thread: the driver may hold the database's write lock for a moment."""
        with self.state.lock:
            changed = self.state.mark_pending(message.action, message.trial_id)
        self._repaint_now(changed)
        self._write_control(message.action, message.trial_id)

    @work(
        thread=True,
        exclusive=False,  # every confirmed request must be written, even several in a row
        exit_on_error=False,
        group="control",
        description="Send a control request to the driver",
    )
    def _write_control(self, action: ControlAction, trial_id: str | None) -> None:
        try:
            self.source.request_control(action, trial_id)
        except Exception as exc:
            error = one_line(f"{type(exc).__name__}: {exc}", 160)
            self.post_message(ControlFailed(action, trial_id, error))

    @on(ControlFailed)
    def _control_failed(self, message: ControlFailed) -> None:
        with self.state.lock:
            changed = self.state.clear_pending(message.action, message.trial_id)
        self._repaint_now(changed)
        self.notify(
            f"Could not send the request: {message.error}",
            title="Nothing sent",
            severity="error",
            timeout=30,
            markup=False,
        )

    def _repaint_now(self, changed_trial_ids: Iterable[str]) -> None:
        """Repaint the table and header for a key press (never held back by the output budget)."""
        self.sweep_screen.note_changes(changed_trial_ids)
        self.sweep_screen.flush()

    def show_refusals(self, notices: Iterable[ControlNotice]) -> None:
        """The driver's refusals of control requests, from this dashboard or another one."""
        for notice in notices:
            if notice.time >= self.attached_at - NOTICE_MAX_AGE:
                self.notify(
                    one_line(notice.text, 300),
                    title="Refused by the driver",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
