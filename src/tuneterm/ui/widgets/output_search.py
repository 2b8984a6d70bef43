"""`OutputSearch`: searching a trial's output pane (`/`, then `n` up and `N` down).

The search is literal, over the text as shown (escapes included), case-insensitive unless it has
a capital letter. It starts from the bottom of the view and goes up; past the oldest line held it
reads older lines from the files, up to `SEARCH_READS` reads (about 1 MB each) per key.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual import on
from textual.containers import Vertical
from textual.widgets import Input

from tuneterm.ui.output_buffer import OutputBuffer, matcher

if TYPE_CHECKING:
    from tuneterm.ui.output_feed import OutputFeed
    from tuneterm.ui.widgets.output_view import OutputView

SEARCH_READS = 32
"""Reads back (about 1 MB each) one search goes through before it says it found nothing."""


class OutputSearch(Vertical):
    """Mixed into the output pane, which sets `view`, `buffer` and `_feed` and defines the
    methods declared below."""

    if TYPE_CHECKING:
        view: OutputView
        buffer: OutputBuffer
        _feed: OutputFeed | None

        def _show_status(self) -> None: ...
        def _stop_following(self) -> None: ...
        def _check_edges(self) -> None: ...

    search_note = ""
    """What the search found, for the pane's status line."""
    _searching: tuple[int, int] | None = None
    """A search that reads back: (direction, reads left)."""

    def action_search(self) -> None:
        search = self.query_one("#output-search", Input)
        search.display = True
        search.focus()

    @on(Input.Submitted, "#output-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_search_input()
        if not event.value:
            self._clear_search()
            return
        self.view.pattern = matcher(event.value)
        self.view.current = None
        self.view.restyle()
        self.action_next_match(-1, start=self._bottom_row())

    def _bottom_row(self) -> int:
        return min(self.buffer.row_count, self.view.top_row + self.view.body_height) - 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_match":
            return self.view.pattern is not None
        return True

    def action_next_match(self, direction: int, start: int | None = None) -> None:
        """The next match up (-1) or down (1) from the current one (or from `start`)."""
        if start is None:
            current = self.view.current
            row = self.buffer.row_of(current) if current is not None else None
            start = (row if row is not None else self._bottom_row()) + direction
        self._searching = (direction, SEARCH_READS)
        if direction < 0:
            self._search_on(range(start, -1, -1))
        else:
            self._search_on(range(max(0, start), self.buffer.row_count))

    def _search_on(self, rows: range) -> None:
        """Look through `rows`; go to the first match, or read on (back) for more."""
        assert self._searching is not None and self.view.pattern is not None
        direction, reads = self._searching
        found = self.buffer.find(self.view.pattern, rows)
        if found is not None:
            self._searching = None
            self._go_to_match(found)
        elif direction < 0 and reads > 0 and not self.buffer.at_start and self._feed is not None:
            self._searching = (direction, reads - 1)
            self.search_note = f"searching /{_query(self.view.pattern)}…"
            self._stop_following()
            self.view.scroll_to(y=0, animate=False, immediate=True, force=True)
            self._check_edges()
        else:
            self._searching = None
            where = "above" if direction < 0 else "below"
            self.search_note = f"no match {where} for /{_query(self.view.pattern)}"
            if direction < 0 and not self.buffer.at_start:
                self.search_note += " in the lines read: n reads further back"
        self._show_status()

    def _go_to_match(self, row: int) -> None:
        assert self.view.pattern is not None
        self.view.current = self.buffer.index(row)
        self._stop_following()
        self.view.restyle()
        self.view.show_row(row)
        self.search_note = (
            f"/{_query(self.view.pattern)}: line {row + 1:,} of {self.buffer.row_count:,}"
        )

    def _close_search_input(self) -> None:
        self.query_one("#output-search", Input).display = False
        self.focus()

    def _clear_search(self) -> None:
        self.view.pattern, self.view.current, self._searching = None, None, None
        self.search_note = ""
        self.view.restyle()
        self._show_status()


def _query(pattern: re.Pattern[str]) -> str:
    return re.sub(r"\\(.)", r"\1", pattern.pattern)
