"""`OutputView`: the rows of an `OutputBuffer`, drawn with Textual's Line API.

One `Strip` per line is built when the line first shows and kept (by the line's absolute index)
until the search or the stream filter changes, so following a trial that prints 10,000 lines a
second costs the lines that scroll into view, not the lines read. Text is shown as written, never
interpreted: escape sequences, markup and control characters appear escaped (`shown_text`). With
both streams shown, a gutter marks each line: `err│` for stderr (red), `   │` for stdout. Lines
longer than the view end in `›`; they scroll sideways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuneterm.storage.sources.output import STDERR
from tuneterm.storage.sources.output_window import WindowLine
from tuneterm.ui.output_buffer import BOTH, OutputBuffer, shown_text

STDERR_GUTTER = "err│"
STDOUT_GUTTER = "   │"
CUT_MARK = "›"
CACHE_LIMIT = 2_000
"""Row strips kept at most (a few screens' worth; cleared whole when full)."""


@dataclass
class OutputScrolled(Message):
    """The view scrolled (by the user or to follow): the pane reads on at either end."""


@dataclass
class ScrolledBack(Message):
    """The user scrolled up (with the mouse): the pane stops following."""


class OutputView(ScrollView, can_focus=False):
    """The lines of a trial's output held in `buffer`, then its unfinished lines, if any."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "output-view--stderr",
        "output-view--gutter",
        "output-view--match",
        "output-view--current",
        "output-view--unfinished",
        "output-view--note",
    }

    def __init__(self, buffer: OutputBuffer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = buffer
        self.unfinished: list[WindowLine] = []
        """Lines begun and not ended yet, shown after the buffer's (dimmed)."""
        self.pattern: re.Pattern[str] | None = None
        """The search: its matches are highlighted."""
        self.current: int | None = None
        """The absolute index of the line holding the current match."""
        self.note = ""
        """Shown (dimmed) while there are no rows: "no output yet"."""
        self.sticky = False
        """Keep the last row in view (following), through resizes too."""
        self.strips_built = 0
        """Row strips built since mount (what drawing cost)."""
        self._strips: dict[int, Strip] = {}
        """Each line's whole strip, by the line's absolute index."""
        self._shown: dict[int, Strip] = {}
        """Each line's strip as drawn at `_shown_at` (scroll x, width)."""
        self._shown_at = (0, 0)
        self._styles: dict[str, Style] = {}
        self._width = 0

    # -- data in --------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self.buffer.row_count + len(self._unfinished_shown())

    def _unfinished_shown(self) -> list[WindowLine]:
        mode = self.buffer.mode
        return [line for line in self.unfinished if mode in (BOTH, line.stream)]

    def rows_changed(self, *, follow: bool, shift: int = 0, reset: bool = False) -> None:
        """The buffer changed: follow its end, or keep showing the same lines (rows added
        (`shift` > 0) or dropped (< 0) at the top); `reset`: its lines are not the same."""
        if reset:
            self._strips.clear()
            self._shown.clear()
        resized = self._sync_size()
        self.sticky = follow
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif shift:
            self.scroll_to(
                y=self.scroll_offset.y + shift, animate=False, immediate=True, force=True
            )
        self.refresh()
        if resized:
            self.call_after_refresh(self._place_scrollbar)

    def _place_scrollbar(self) -> None:
        """A scroll made before the scroll bar showed (its first rows) leaves its thumb behind."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

    def restyle(self) -> None:
        """The search or the stream filter changed: build every strip again."""
        self._strips.clear()
        self._shown.clear()
        self.refresh()

    def _sync_size(self) -> bool:
        """Give the scroll view the rows' size; whether it changed (a relayout)."""
        size = Size(self._width, self.row_count)
        if size == self.virtual_size:
            return False
        self.virtual_size = size
        return True

    # -- scrolling ------------------------------------------------------------------------------

    @property
    def at_bottom(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    @property
    def top_row(self) -> int:
        return round(self.scroll_offset.y)

    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def show_row(self, row: int) -> None:
        """Scroll so that `row` is in view, a third from the top if it was not."""
        top = self.top_row
        if not top <= row < top + self.body_height:
            target = max(0, row - self.body_height // 3)
            self.scroll_to(y=target, animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        if self.sticky:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def on_mouse_scroll_up(self) -> None:
        self.post_message(ScrolledBack())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.post_message(OutputScrolled())

    # -- painting -------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._shown.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            if name:
                base += self.get_component_rich_style(f"output-view--{name}", partial=True)
            style = base
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = self.top_row + y
        plain = self._style("")
        if row >= self.row_count:
            if row == 0 and self.note:
                return Strip([Segment(self.note, self._style("note"))]).crop_extend(0, width, plain)
            return Strip.blank(width, plain)
        x = round(self.scroll_offset.x)
        index = self.buffer.index(row) if row < self.buffer.row_count else None
        if (x, width) != self._shown_at or len(self._shown) >= CACHE_LIMIT:
            self._shown_at = (x, width)
            self._shown.clear()
        shown = self._shown.get(index) if index is not None else None
        if shown is None:
            shown = self._fitted(self._row_strip(row), x, width)
            if index is not None:
                self._shown[index] = shown
        return shown

    def _fitted(self, strip: Strip, x: int, width: int) -> Strip:
        """`strip` from cell `x`, `width` cells wide, ending in `CUT_MARK` if cut; adjacent
        segments of one style merged (each would cost a style sequence on the wire)."""
        shown = strip.crop_extend(x, x + width, self._style(""))
        if strip.cell_length > x + width and width > 1:
            shown = Strip.join(
                [shown.crop(0, width - 1), Strip([Segment(CUT_MARK, self._style("gutter"))])]
            )
        return shown.simplify()

    def _row_strip(self, row: int) -> Strip:
        buffered = self.buffer.row_count
        if row >= buffered:
            return self._build(self._unfinished_shown()[row - buffered], unfinished=True)
        index = self.buffer.index(row)
        strip = self._strips.get(index)
        if strip is None:
            if len(self._strips) >= CACHE_LIMIT:
                self._strips.clear()
                self._shown.clear()
            strip = self._build(self.buffer.line(row), current=index == self.current)
            self._strips[index] = strip
        return strip

    def _build(self, line: WindowLine, *, current: bool = False, unfinished: bool = False) -> Strip:
        self.strips_built += 1
        text_style = self._style("unfinished" if unfinished else "")
        segments: list[Segment] = []
        if self.buffer.mode == BOTH:
            stderr = line.stream == STDERR
            gutter = STDERR_GUTTER if stderr else STDOUT_GUTTER
            segments.append(Segment(gutter, self._style("stderr" if stderr else "gutter")))
        text = shown_text(line.text)
        segments += self._marked(text, text_style, current)
        strip = Strip(segments)
        if strip.cell_length > self._width:
            self._width = strip.cell_length
            self.call_later(self._sync_size)
        return strip

    def _marked(self, text: str, style: Style, current: bool) -> list[Segment]:
        """`text`'s segments, its search matches highlighted."""
        if self.pattern is None or not text:
            return [Segment(text, style)]
        match_style = self._style("current" if current else "match")
        segments: list[Segment] = []
        done = 0
        for found in self.pattern.finditer(text):
            if found.start() > done:
                segments.append(Segment(text[done : found.start()], style))
            segments.append(Segment(found.group(), match_style))
            done = found.end()
        if done < len(text):
            segments.append(Segment(text[done:], style))
        return segments
