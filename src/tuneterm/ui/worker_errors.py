"""Worker failures in front of the user: a screen's workers report to the screen, not the app."""

from __future__ import annotations

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from tuneterm.domain.text import one_line


def failure(event: Worker.StateChanged) -> str | None:
    """What went wrong, in one line, if the worker failed (None otherwise)."""
    if event.state is not WorkerState.ERROR:
        return None
    return one_line(f"{type(event.worker.error).__name__}: {event.worker.error}", 160)


def notify_failure(node: Widget, event: Worker.StateChanged) -> str | None:
    """Notify the user if the worker failed; what went wrong, or None."""
    error = failure(event)
    if error is not None:
        node.notify(
            f"{event.worker.description} failed: {error}",
            title="Error",
            severity="error",
            timeout=30,
            markup=False,
        )
    return error
