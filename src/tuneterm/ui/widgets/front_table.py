"""`FrontTable`: a small table fitted to its width, its first column fixed (the trial). Columns
right of it that do not fit scroll sideways (`scroll_columns`, the screen's ← and →), and the
title line ends with how many are out of view and the keys (`‹3 more: ←→›`): a column is never
cut silently."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tuneterm.ui.format import fit

MOST_CELLS = 16
"""Cells of a column at most; a longer name or value is cut with …."""
MORE_ROOM = len(" ‹999 more: ←→›")
"""Cells kept for the count of the columns out of view, when some are."""


def shown_columns(widths: Sequence[int], width: int, first: int) -> list[int]:
    """The columns that fit `width` cells, each with a cell of room either side: the first, then
    from `first` columns past it as many as fit (at least one), leaving room for the count of
    those out of view."""
    if not widths:
        return []
    if first == 0 and sum(w + 2 for w in widths) <= width:
        return list(range(len(widths)))
    shown, used = [0], widths[0] + 2
    for column in range(1 + first, len(widths)):
        if len(shown) > 1 and used + widths[column] + 2 + MORE_ROOM > width:
            break
        shown.append(column)
        used += widths[column] + 2
    return shown


def table_lines(
    titles: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[bool],
    width: int,
    first: int = 0,
) -> list[Text]:
    """The title line (bold) and a line per row, at most `width` cells each."""
    widths = [
        min(MOST_CELLS, max(cell_len(line[column]) for line in [titles, *rows]))
        for column in range(len(titles))
    ]
    shown = shown_columns(widths, width, first)
    lines = [_line(titles, widths, right, shown, "bold")]
    lines += [_line(row, widths, right, shown, "") for row in rows]
    hidden = len(titles) - len(shown)
    if hidden:
        lines[0].append(f" ‹{hidden} more: ←→›", style="dim")
    for line in lines:
        line.truncate(width, overflow="ellipsis")
    return lines


def _line(
    cells: Sequence[str], widths: Sequence[int], right: Sequence[bool], shown: list[int], style: str
) -> Text:
    line = Text(no_wrap=True)
    for column in shown:
        line.append(" " + fit(cells[column], widths[column], right=right[column]) + " ", style)
    return line


class FrontTable(Widget):
    """The table, or a line saying why there is none, and an optional note under it."""

    DEFAULT_CSS = """
    FrontTable { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.titles: tuple[str, ...] = ()
        self.rows: tuple[tuple[str, ...], ...] = ()
        self.right: tuple[bool, ...] = ()
        self.message: Text | None = None
        """Shown instead of the table."""
        self.note: Text | None = None
        """Shown under the table."""
        self.first = 0
        """How many columns past the first are scrolled out of view on the left."""

    def show(
        self,
        titles: Sequence[str],
        rows: Sequence[Sequence[str]],
        right: Sequence[bool],
        note: Text | None = None,
    ) -> None:
        self.titles, self.rows, self.right = tuple(titles), tuple(map(tuple, rows)), tuple(right)
        self.message, self.note = None, note
        self.first = min(self.first, max(0, len(titles) - 2))
        self.refresh(layout=True)

    def show_message(self, message: Text) -> None:
        self.message = message
        self.refresh(layout=True)

    def scroll_columns(self, step: int) -> None:
        """Show the columns `step` to the right (negative: to the left)."""
        self.first = min(max(0, self.first + step), max(0, len(self.titles) - 2))
        self.refresh()

    def lines(self, width: int) -> list[Text]:
        if self.message is not None:
            return [self.message]
        lines = table_lines(self.titles, self.rows, self.right, width, self.first)
        return [*lines, self.note] if self.note is not None else lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        text = Text("\n").join(self.lines(self.content_size.width))
        text.no_wrap = True
        return text
