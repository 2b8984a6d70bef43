"""`TableHeight`: gives the trial table's scroll view its height, lagging a little while trials
arrive below the fold."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.geometry import Size
from textual.scroll_view import ScrollView

SIZE_SYNC = 1.0
"""Seconds the scroll height may lag behind trials added below the visible ones."""


class TableHeight:
    """Sets `view`'s virtual height to `lines()`. A change relayouts the screen and repaints it
    whole, so while trials keep arriving below the fold that waits (up to `SIZE_SYNC` s, or
    until the cursor moves)."""

    def __init__(self, view: ScrollView, lines: Callable[[], int]) -> None:
        self._view = view
        self._lines = lines
        self._synced_at = 0.0
        self._due = False

    def sync(self, force: bool = True) -> None:
        view = self._view
        # Width 0: the table never scrolls sideways, and a width known only after the first
        # layout would otherwise change the size once more (a whole-screen repaint).
        size = Size(0, self._lines())
        current = view.virtual_size
        if size == current:
            return
        now = time.monotonic()
        if (
            force
            or size.width != current.width
            or size.height < current.height
            or current.height <= view.scrollable_content_region.height
            or now - self._synced_at >= SIZE_SYNC
        ):
            self._synced_at = now
            view.virtual_size = size
        elif not self._due:
            self._due = True
            view.set_timer(SIZE_SYNC, self._sync_later)

    def _sync_later(self) -> None:
        self._due = False
        self.sync()
