"""Control requests in the store: written by any client, resolved by the driver.

Each request is a row of the `controls` table, and each write also appends an event in the same
transaction, so that a tailing client sees requests and answers without polling the table.
"""

from __future__ import annotations

import time
from typing import Any

from tuneterm.domain.control import ControlAction, ControlRequest, ControlState
from tuneterm.domain.events import EventKind
from tuneterm.storage.store_hooks import StoreHooks

_CONTROL_COLUMNS = "request_id, time, action, trial_id, state, message, resolved_at"


class ControlsMixin(StoreHooks):
    """The control-request methods of `Store`."""

    def request_control(
        self, action: ControlAction, trial_id: str | None, now: float | None = None
    ) -> int:
        """Ask the driver to apply `action` (to `trial_id`); the new request's id."""
        now = time.time() if now is None else now
        action = ControlAction(action)
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO controls (time, action, trial_id, state) VALUES (?, ?, ?, ?)",
                (now, action.value, trial_id, ControlState.REQUESTED.value),
            )
            request_id = int(cursor.lastrowid or 0)
            data = {"request_id": request_id, "action": action.value}
            self.append_event(now, EventKind.CONTROL_REQUESTED, trial_id, None, data)
        return request_id

    def last_control_id(self) -> int:
        """The id of the newest request (0 if none): a cheap test for new requests."""
        [row] = self.query("SELECT MAX(request_id) FROM controls")
        return int(row[0] or 0)

    def pending_controls(self) -> list[ControlRequest]:
        """Requests the driver has not resolved yet, oldest first."""
        rows = self.query(
            f"SELECT {_CONTROL_COLUMNS} FROM controls WHERE state = ? ORDER BY request_id",
            (ControlState.REQUESTED.value,),
        )
        return [_control_from_row(row) for row in rows]

    def controls(self) -> list[ControlRequest]:
        """Every request ever made, oldest first."""
        rows = self.query(f"SELECT {_CONTROL_COLUMNS} FROM controls ORDER BY request_id")
        return [_control_from_row(row) for row in rows]

    def control(self, request_id: int) -> ControlRequest:
        """One request by id (raises KeyError if there is none)."""
        rows = self.query(
            f"SELECT {_CONTROL_COLUMNS} FROM controls WHERE request_id = ?", (request_id,)
        )
        if not rows:
            raise KeyError(request_id)
        return _control_from_row(rows[0])

    def resolve_control(
        self, request_id: int, done: bool, message: str = "", now: float | None = None
    ) -> None:
        """The driver applied (`done`) or refused a request; `message` says what happened."""
        now = time.time() if now is None else now
        request = self.control(request_id)
        state = ControlState.DONE if done else ControlState.REJECTED
        data = {
            "request_id": request_id,
            "action": request.action.value,
            "done": done,
            "message": message,
        }
        with self.transaction() as conn:
            conn.execute(
                "UPDATE controls SET state = ?, message = ?, resolved_at = ? WHERE request_id = ?",
                (state.value, message, now, request_id),
            )
            self.append_event(now, EventKind.CONTROL_RESOLVED, request.trial_id, None, data)


def _control_from_row(row: tuple[Any, ...]) -> ControlRequest:
    request_id, requested_at, action, trial_id, state, message, resolved_at = row
    return ControlRequest(
        request_id=request_id,
        time=requested_at,
        action=ControlAction(action),
        trial_id=trial_id,
        state=state,
        message=message,
        resolved_at=resolved_at,
    )
