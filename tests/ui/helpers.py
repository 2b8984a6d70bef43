"""Waiting on conditions in pilot tests, and reading what the screen shows."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from rich.console import Console
from textual.pilot import Pilot

from tuneterm.ui.app import TuneTermApp


async def wait_until(
    pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.01)
    await pilot.pause()


async def wait_for_events(pilot: Pilot[object], app: TuneTermApp, count: int) -> None:
    """Until the app applied `count` events and repainted for them."""
    await wait_until(pilot, lambda: app.events_seen >= count)


async def wait_for_workers(pilot: Pilot[object], app: TuneTermApp, group: str) -> None:
    """Until every worker of `group` finished (the ingest worker never does: never pass it)."""
    workers = [worker for worker in app.workers if worker.group == group]
    if workers:
        await app.workers.wait_for_complete(workers)
    await pilot.pause()


def screen_text(app: TuneTermApp) -> str:
    """The screen as plain text, one line per terminal row."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)
