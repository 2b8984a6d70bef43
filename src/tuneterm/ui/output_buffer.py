"""`OutputBuffer`: the lines of a trial's output the detail screen holds, and which it shows.

A bounded, contiguous window of the output (`storage.sources.output_window`): the tail while the
pane follows it, older lines added at the top as the user scrolls back. Past `limit` lines the far
end is dropped: the top while following, the bottom (following stops) while reading back, so a
1 GB log costs what `limit` lines do. Lines keep an absolute index (`base` + position), so that a
row cache survives lines dropped at the top. The stream filter picks which lines are rows.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

from tuneterm.domain.text import printable
from tuneterm.storage.sources.output import STDERR, STDOUT
from tuneterm.storage.sources.output_window import OutputPosition, WindowLine

BOTH = "both"
MODES = (BOTH, STDOUT, STDERR)
"""What the pane shows, in the order `s` cycles through them."""
LIMIT = 20_000
"""Lines held at most."""
FOLLOW_LIMIT = 10_000
"""Lines held while following the tail (older ones are read again when scrolled back to)."""
CHAR_LIMIT = 16_000_000
"""Characters held at most, whatever the count of lines (a line may be 64 KB long)."""
TAB = 8
MAX_SHOWN = 4_096
"""Characters of a line shown (escapes included); the rest is summed up after an ellipsis."""


def shown_text(text: str) -> str:
    """A line as the pane shows it: tabs expanded, control and bidirectional characters and
    escape sequences escaped (never obeyed), cut after `MAX_SHOWN` characters."""
    shown = printable(text).expandtabs(TAB)
    if len(shown) <= MAX_SHOWN:
        return shown
    return f"{shown[:MAX_SHOWN]}… (+{len(shown) - MAX_SHOWN:,} characters)"


def matcher(query: str) -> re.Pattern[str]:
    """A literal search: case-insensitive unless the query has a capital letter."""
    flags = 0 if any(char.isupper() for char in query) else re.IGNORECASE
    return re.compile(re.escape(query), flags)


class OutputBuffer:
    """A window of a trial's output lines, and the rows (lines of the chosen streams) shown."""

    def __init__(
        self, limit: int = LIMIT, follow_limit: int = FOLLOW_LIMIT, char_limit: int = CHAR_LIMIT
    ) -> None:
        self.limit = limit
        self.follow_limit = follow_limit
        self.char_limit = char_limit
        self.lines: deque[WindowLine] = deque()
        self.chars = 0
        """Characters of the lines held."""
        self.base = 0
        """The absolute index of the first line held."""
        self.front: OutputPosition | None = None
        """Before the first line held: where older lines are read from (None: nothing read)."""
        self.back: OutputPosition | None = None
        """After the last line held: where newer lines are read from."""
        self.at_start = False
        """Nothing is older than the first line held."""
        self.mode = BOTH
        self._by_stream: dict[str, deque[int]] = {STDOUT: deque(), STDERR: deque()}
        """Absolute indices of each stream's lines held: a filter's rows, kept as lines come
        and go, so that switching streams costs nothing."""

    @property
    def _rows(self) -> deque[int] | None:
        """Absolute indices of the lines shown, when a filter leaves some out."""
        return None if self.mode == BOTH else self._by_stream[self.mode]

    @property
    def row_count(self) -> int:
        return len(self.lines) if self._rows is None else len(self._rows)

    def index(self, row: int) -> int:
        """The absolute index of the line on `row`."""
        return self.base + row if self._rows is None else self._rows[row]

    def line(self, row: int) -> WindowLine:
        return self.lines[self.index(row) - self.base]

    def row_of(self, index: int) -> int | None:
        """The row showing the line with absolute index `index` (None: not shown)."""
        if not self.base <= index < self.base + len(self.lines):
            return None
        if self._rows is None:
            return index - self.base
        rows = self._rows
        low, high = 0, len(rows)
        while low < high:
            middle = (low + high) // 2
            if rows[middle] < index:
                low = middle + 1
            else:
                high = middle
        return low if low < len(rows) and rows[low] == index else None

    # -- changes --------------------------------------------------------------------------------

    def reset(
        self, lines: list[WindowLine], front: OutputPosition, back: OutputPosition, at_start: bool
    ) -> None:
        """Hold these lines only (the tail, read afresh)."""
        self.base += len(self.lines)
        self.lines = deque(lines)
        self.chars = _chars(lines)
        self.front, self.back, self.at_start = front, back, at_start
        self._by_stream = {STDOUT: deque(), STDERR: deque()}
        self._index_lines(lines, self.base)
        self._drop_front(self.follow_limit)

    def extend(self, lines: list[WindowLine], back: OutputPosition) -> int:
        """Add newer lines at the bottom; returns how many rows were dropped at the top."""
        first = self.base + len(self.lines)
        self.lines.extend(lines)
        self.chars += _chars(lines)
        self.back = back
        self._index_lines(lines, first)
        return self._drop_front(self.follow_limit)

    def _index_lines(self, lines: list[WindowLine], first: int) -> None:
        by_stream = self._by_stream
        for number, line in enumerate(lines, first):
            by_stream[line.stream].append(number)

    def prepend(self, lines: list[WindowLine], front: OutputPosition, at_start: bool) -> int:
        """Add older lines at the top (dropping lines at the bottom past `limit`); returns how
        many rows were added at the top."""
        before = self.row_count
        self.base -= len(lines)
        self.lines.extendleft(reversed(lines))
        self.chars += _chars(lines)
        self.front, self.at_start = front, at_start
        for stream, rows in self._by_stream.items():
            wanted = [self.base + n for n, line in enumerate(lines) if line.stream == stream]
            rows.extendleft(reversed(wanted))
        added = self.row_count - before
        self._drop_back(self.limit)
        return added

    def _over(self, keep: int) -> bool:
        return len(self.lines) > max(1, keep) or (
            self.chars > self.char_limit and len(self.lines) > 1
        )

    def _drop_front(self, keep: int) -> int:
        rows_before = self.row_count
        dropped = 0
        while self._over(keep):
            self.chars -= len(self.lines.popleft().text)
            dropped += 1
        if not dropped:
            return 0
        self.base += dropped
        self.front = self.lines[0].before if self.lines else self.back
        self.at_start = False
        for rows in self._by_stream.values():
            while rows and rows[0] < self.base:
                rows.popleft()
        return rows_before - self.row_count

    def _drop_back(self, keep: int) -> None:
        last: WindowLine | None = None
        while self._over(keep):
            last = self.lines.pop()
            self.chars -= len(last.text)
        if last is None:
            return
        self.back = last.before
        end = self.base + len(self.lines)
        for rows in self._by_stream.values():
            while rows and rows[-1] >= end:
                rows.pop()

    def set_mode(self, mode: str) -> None:
        self.mode = mode

    # -- search ---------------------------------------------------------------------------------

    def find(self, pattern: re.Pattern[str], rows: Iterable[int]) -> int | None:
        """The first of `rows` whose line, as shown, matches."""
        for row in rows:
            if pattern.search(shown_text(self.line(row).text)):
                return row
        return None


def _chars(lines: list[WindowLine]) -> int:
    return sum(len(line.text) for line in lines)
