"""`OutputPane`: a trial's stdout and stderr in its detail screen, followed live.

The pane holds a bounded window of the output (`OutputBuffer`) that an `OutputFeed` fills on a
worker thread: the tail, followed while the view is at the bottom; older lines read back from the
files as the view reaches the top; newer ones again as it reaches the bottom of a window that
scrolled back past them. `s` shows both streams, stdout only or stderr only; `/` searches the text
as shown (escapes included), `n` finds the next match up, `N` down; `G` goes back to the tail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from tuneterm.storage.sources.output import STDERR, STDOUT
from tuneterm.storage.sources.output_window import OutputWindowReader
from tuneterm.ui.budget import OutputMeter
from tuneterm.ui.output_buffer import BOTH, MODES, OutputBuffer
from tuneterm.ui.output_feed import (
    NEWER,
    OLDER,
    PAUSE,
    TAIL,
    OutputFeed,
    OutputRead,
    OutputUnavailable,
)
from tuneterm.ui.output_keys import OUTPUT_BINDINGS
from tuneterm.ui.widgets.output_search import OutputSearch
from tuneterm.ui.widgets.output_view import OutputScrolled, OutputView, ScrolledBack

OutputPaths = Callable[[str], tuple[Path, Path] | None]
"""trial id -> its stdout and stderr files (None: the source keeps none); called on a worker."""
MODE_TITLES = {
    BOTH: "stdout and stderr (err│ marks stderr)",
    STDOUT: "stdout only",
    STDERR: "stderr only",
}
JOIN_TIMEOUT = 2.0
FRAME_LINE_BYTES = 100
"""What a line of the view costs on the wire besides a byte per cell: cursor moves, styles,
the scroll bar's cell (measured: ~95 at 256 colours)."""


@runtime_checkable
class _Metered(Protocol):
    """An app that counts what it writes to the terminal (the dashboard)."""

    meter: OutputMeter


class OutputPane(OutputSearch, can_focus=True):
    """One trial's output; hidden until shown (`toggle`), reading nothing until then."""

    BINDINGS: ClassVar[list[BindingType]] = OUTPUT_BINDINGS

    @dataclass
    class Closed(Message):
        """The user left the pane (escape): the screen shows the overview again."""

    def __init__(
        self, trial_id: str, output_paths: OutputPaths | None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.trial_id = trial_id
        self._output_paths = output_paths
        self.buffer = OutputBuffer()
        self.view = OutputView(self.buffer, id="output-view")
        self.view.note = "no output yet"
        self.following = True
        """The view shows the last line and new ones as they come."""
        self.generation = 0
        """TAIL requests sent: answers to older ones are stale."""
        self.status = ""
        """What the pane's bottom border says: the streams shown, following or not, the search."""
        self.skipped_bytes = 0
        """Bytes of output jumped over to keep up with the tail."""
        self._feed: OutputFeed | None = None
        self._older_asked = self._newer_asked = False
        self._window_at_end = False
        """The last line held is the last line recorded (as last read)."""
        self._paint_timer: Timer | None = None
        """Set while new lines wait for the output budget."""

    def compose(self) -> ComposeResult:
        yield self.view
        search = Input(placeholder="search (Enter: find; Esc: cancel)", id="output-search")
        search.display = False
        yield search

    def on_mount(self) -> None:
        self.border_title = "output"
        self._show_status()

    # -- showing and reading --------------------------------------------------------------------

    def toggle(self) -> bool:
        """Show the pane and read the tail, or hide it and stop following; True when shown."""
        self.display = not self.display
        if self.display:
            self._read_tail()
            self.focus()
        elif self._feed is not None:
            self._feed.want(PAUSE)
        return bool(self.display)

    def _read_tail(self) -> None:
        self.generation += 1
        if self._feed is None:
            if self._output_paths is None:
                self.view.note = "no output kept for this trial"
                self.view.refresh()
                return
            self._feed = OutputFeed(self._open_reader, self.post_message)
            self._feed.want(TAIL, None, self.generation)
            self._run_feed(self._feed)
        else:
            self._feed.want(TAIL, None, self.generation)

    def _open_reader(self) -> OutputWindowReader | None:
        """On the feed's thread: the trial's files, once the source names them."""
        assert self._output_paths is not None
        paths = self._output_paths(self.trial_id)
        return None if paths is None else OutputWindowReader(*paths)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="trial-output",
        description="Read the trial's output",
    )
    def _run_feed(self, feed: OutputFeed) -> None:
        feed.run()

    def on_unmount(self) -> None:
        if self._feed is not None:
            self._feed.stop()
            self._feed.finished.wait(JOIN_TIMEOUT)

    def on_key(self) -> None:
        if self._feed is not None:
            self._feed.hold()

    @on(OutputUnavailable)
    def _unavailable(self) -> None:
        self.view.note = "no output kept for this trial"
        self.view.refresh()

    @on(OutputRead)
    def _lines_read(self, message: OutputRead) -> None:
        if message.kind == TAIL:
            self._tail_read(message)
        elif message.kind == OLDER:
            self._older_read(message)
        else:
            self._newer_read(message)
        self._check_edges()
        self._show_status()

    def _tail_read(self, message: OutputRead) -> None:
        if message.generation != self.generation or message.front is None:
            return
        self.buffer.reset(message.lines, message.front, message.position, message.at_start)
        self.view.unfinished = message.unfinished
        self.view.note = "no output yet"
        self.skipped_bytes += message.skipped
        self.following = self._window_at_end = True
        self._older_asked = self._newer_asked = False
        self.view.rows_changed(follow=True, reset=True)

    def _older_read(self, message: OutputRead) -> None:
        self._older_asked = False
        if message.generation != self.generation:
            return
        back = self.buffer.back
        # No lines read back (what is left is not known to be lines): nothing more to read.
        at_start = message.at_start or not message.lines
        added = self.buffer.prepend(message.lines, message.position, at_start)
        if self.buffer.back != back:  # lines dropped at the bottom: no longer the tail's
            self._stop_following()
            self._window_at_end = False
            self.view.unfinished = []
        self.view.rows_changed(follow=False, shift=added)
        if self._searching is not None:
            self._search_on(range(added - 1, -1, -1))

    def _newer_read(self, message: OutputRead) -> None:
        self._newer_asked = False
        if self._feed is not None:
            self._feed.delivered.set()
        if message.generation != self.generation:
            return
        dropped = self.buffer.extend(message.lines, message.position)
        self.view.unfinished = message.unfinished
        self._window_at_end = message.at_end
        if message.at_end and (self.following or self.view.at_bottom):
            self.following = True
        elif not self.following and self._feed is not None:
            self._feed.want(PAUSE)
        if self.following:
            self._paint_following()
        else:
            self.view.rows_changed(follow=False, shift=-dropped)

    def _paint_following(self) -> None:
        """Show the new tail now, or once the output budget has room for a whole view of it
        (`tuneterm.ui.budget`): a trial printing fast costs a few frames a second on a slow
        link, and a frame that answers a key never waits."""
        meter = self.app.meter if isinstance(self.app, _Metered) else None
        cost = self.view.body_height * (self.view.size.width + FRAME_LINE_BYTES)
        wait = 0.0
        if meter is not None and meter.budget > 0:
            wait = meter.seconds_until_under(max(0, meter.budget - cost))
        if wait <= 0:
            self._paint_now()
        elif self._paint_timer is None:
            self._paint_timer = self.set_timer(wait, self._paint_now)

    def _paint_now(self) -> None:
        if self._paint_timer is not None:
            self._paint_timer.stop()
            self._paint_timer = None
            if not self.following:
                return
        if self.following:
            self.view.rows_changed(follow=True)

    @on(OutputScrolled)
    def _scrolled(self) -> None:
        self._check_edges()

    @on(ScrolledBack)
    def _scrolled_back(self) -> None:
        if self._paint_timer is not None:
            self._paint_now()  # what the user scrolls back from is the tail read so far
        self._stop_following()
        self._show_status()

    def _check_edges(self) -> None:
        """Read older lines when the view reached the top, newer ones at the bottom. While
        following, older lines are read only up to what following keeps (a filter that shows
        few lines would otherwise read back until the tail is dropped)."""
        feed, buffer, view = self._feed, self.buffer, self.view
        if feed is None or buffer.front is None:
            return
        room = not self.following or len(buffer.lines) < buffer.follow_limit
        if view.top_row == 0 and room and not buffer.at_start and not self._older_asked:
            self._older_asked = True
            feed.want(OLDER, buffer.front, self.generation)
        if view.at_bottom and not self.following and not self._newer_asked:
            self._newer_asked = True
            feed.want(NEWER, buffer.back, self.generation)

    def _stop_following(self) -> None:
        self.following = self.view.sticky = False
        if self._feed is not None:
            self._feed.want(PAUSE)

    def _show_status(self) -> None:
        state = "following" if self.following else "paused: G follows"
        if self.buffer.row_count and self.buffer.at_start and self.view.top_row == 0:
            state += " · first line"
        if self.skipped_bytes:
            state += f" · skipped {self.skipped_bytes / 1e6:,.1f} MB to keep up"
        note = f" · {self.search_note}" if self.search_note else ""
        status = f"{MODE_TITLES[self.buffer.mode]} · {state}{note}"
        if status != self.status:  # setting a border title repaints the whole pane
            self.status = status
            self.border_subtitle = Text(status)  # a search may hold "[": never markup

    # -- keys -----------------------------------------------------------------------------------

    def action_scroll_lines(self, lines: int) -> None:
        if lines < 0:
            self._scrolled_back()
        self.view.scroll_relative(y=lines, animate=False, immediate=True, force=True)

    def action_scroll_pages(self, pages: int) -> None:
        self.action_scroll_lines(pages * max(1, self.view.body_height - 1))

    def action_scroll_sideways(self, cells: int) -> None:
        self.view.scroll_relative(x=cells, animate=False, immediate=True, force=True)

    def action_oldest(self) -> None:
        self._scrolled_back()
        self.view.scroll_to(y=0, animate=False, immediate=True, force=True)
        self._check_edges()

    def action_follow(self) -> None:
        """The tail, read afresh when the window was scrolled back past it."""
        self.view.scroll_to(x=0, animate=False, immediate=True, force=True)
        if self._window_at_end:
            self.view.scroll_end(animate=False, immediate=True, force=True)
            self._check_edges()  # at the bottom: asks for what is newer, then follows
        else:
            self._read_tail()

    def action_cycle_streams(self) -> None:
        top = self.buffer.index(self.view.top_row) if self.buffer.row_count else None
        self.buffer.set_mode(MODES[(MODES.index(self.buffer.mode) + 1) % len(MODES)])
        self.view.restyle()
        row = next_row(self.buffer, top) if top is not None and not self.following else None
        self.view.rows_changed(follow=self.following)
        if row is not None:
            self.view.scroll_to(y=row, animate=False, immediate=True, force=True)
        self._show_status()

    def action_close(self) -> None:
        if self.query_one("#output-search", Input).display:
            self._close_search_input()
        elif self.view.pattern is not None:
            self._clear_search()
        else:
            self.post_message(self.Closed())


def next_row(buffer: OutputBuffer, index: int) -> int:
    """The first row showing line `index` or a later one (the last row if none)."""
    for row in range(buffer.row_count):
        if buffer.index(row) >= index:
            return row
    return max(0, buffer.row_count - 1)
