"""`PairGrid`: the heat grid of the metric over two hyperparameters. A column per bin of the
first, a row per bin of the second (the highest at the top); each cell shows a shade (░▒▓█, worse
to better), its value and how many trials fell in it, on a colour of the same level, so that it
reads without colour too."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from tuneterm.domain.plots.axis import AxisKind
from tuneterm.domain.plots.grid import Bins, HeatCell, HeatGrid, PairPoints, Statistic
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value, fit, number_text
from tuneterm.ui.widgets.gradient import GRADIENT, SHADES, on_colour, wrapped

HEAT_COLOURS = (GRADIENT[0], GRADIENT[2], GRADIENT[3], GRADIENT[5])
"""A cell's colour, by its level (worse to better), one per shade."""
MIN_CELL = 7
"""Columns a cell needs: shade, value, and the gap to the next cell."""
MOST_CELL = 14
MOST_LABEL = 16
EMPTY = "·"
OTHER = "other"
"""The label of the bin of a choice's rarer values, when they do not all fit."""


def bin_label(bins: Bins, index: int, width: int) -> str:
    """A category's value ("other" for the rarer ones grouped), or a numeric bin's range
    ("1e-4–1e-3"), or its low edge when the range does not fit `width`."""
    if bins.axis.is_categorical:
        if bins.grouped and index == bins.count - 1:
            return OTHER
        return compact_value(bins.category(index))
    low, high = (number_text(edge, None, 2) for edge in bins.edges(index))
    both = f"{low}–{high}"
    return both if len(both) <= width else low


def render_heat_grid(
    pairs: PairPoints,
    metric: str,
    statistic: Statistic,
    width: int,
    height: int,
    *,
    note: str = "",
    empty_text: str = "no trial has reported the metric yet",
) -> list[Text]:
    """The grid as lines of at most `width` cells: the x name, the column labels, the cells
    (the y labels on their left), the legend. The bins are cut to the room there is: a choice of
    many values keeps its most frequent ones and groups the rest in "other"."""
    if not pairs.grid().cells:
        return [Text(fit(empty_text, width), style="italic")]
    fitted = _fitted(pairs, metric, statistic, width, height, note)
    if fitted is None:
        return [Text(fit("the window is too small for the heat grid", width), style="italic")]
    grid, legend, label_width = fitted
    rows_left = height - 2 - len(legend)
    cell_width = min(MOST_CELL, (width - label_width - 1) // grid.x.count)
    cell_height = max(1, min(3, rows_left // grid.y.count))
    header = Text(" " * (label_width + 1) + _axis_name(grid.x), style="bold")
    columns = Text(fit(_axis_name(grid.y), label_width) + " ", style="bold")
    for i in range(grid.x.count):
        columns.append(fit(bin_label(grid.x, i, cell_width - 1), cell_width), style="dim")
    lines = [header, columns]
    for j in reversed(range(grid.y.count)):
        for part in range(cell_height):
            label = bin_label(grid.y, j, label_width) if part == 0 else ""
            text = Text(fit(label, label_width) + " ", style="dim")
            for i in range(grid.x.count):
                cell = grid.cells.get((i, j))
                text.append_text(_cell_line(grid, cell, statistic, part, cell_height, cell_width))
            lines.append(text)
    for line in lines:
        line.truncate(width)
    return [*lines, *legend]


def _fitted(
    pairs: PairPoints, metric: str, statistic: Statistic, width: int, height: int, note: str
) -> tuple[HeatGrid, list[Text], int] | None:
    """The grid with as many bins as fit, its legend and the width of its row labels; None when
    not even two by two fit."""
    grid = pairs.grid()
    for _ in range(3):
        legend = _legend(grid, metric, statistic, width, note)
        label_width = _label_width(grid.y)
        room_x = (width - label_width - 1) // MIN_CELL
        room_y = height - 2 - len(legend)
        fitted = pairs.grid(room_x, room_y)
        if fitted == grid:
            break
        grid = fitted
    legend = _legend(grid, metric, statistic, width, note)
    cell_width = (width - _label_width(grid.y) - 1) // grid.x.count
    if cell_width < MIN_CELL or height - 2 - len(legend) < grid.y.count:
        return None
    return grid, legend, _label_width(grid.y)


def _label_width(bins: Bins) -> int:
    labels = (len(bin_label(bins, j, MOST_LABEL)) for j in range(bins.count))
    return min(MOST_LABEL, max(cell_len(_axis_name(bins)), *labels))


def _axis_name(bins: Bins) -> str:
    name = printable(bins.axis.name, escape_layout=True)
    return f"{name} (log)" if bins.axis.kind is AxisKind.LOG else name


def _cell_line(
    grid: HeatGrid, cell: HeatCell | None, statistic: Statistic, line: int, lines: int, width: int
) -> Text:
    """One line of a cell, `width` columns with the gap after it; a third line is a gap too."""
    inside = width - 1
    if cell is None or line >= 2:
        return Text(fit(EMPTY if cell is None and line == 0 else "", width), style="dim")
    value = cell.value(statistic)
    level = grid.level(value, statistic, len(SHADES))
    shade, number = SHADES[level], number_text(value, inside - 2, 3)
    if line == 0:
        content = f"{shade} {number}"
        if lines == 1 and cell_len(f"{content} n{cell.count}") <= inside:
            content = f"{content} n{cell.count}"
    else:
        content = f"  n={cell.count}"
    text = Text()
    text.append(fit(content, inside), style=on_colour(HEAT_COLOURS[level]))
    text.append(" ")
    return text


def _legend(
    grid: HeatGrid, metric: str, statistic: Statistic, width: int, note: str = ""
) -> list[Text]:
    what = "mean of" if statistic is Statistic.MEAN else "best of"
    entries = [Text(f"{what} each trial's best {printable(metric)}; n = trials", style="dim")]
    span = grid.span(statistic)
    if span is not None:
        for level, (low, high) in enumerate(_level_ranges(span, grid.maximize)):
            entry = Text()
            entry.append(SHADES[level] * 2, style=HEAT_COLOURS[level])
            entry.append(f" {number_text(low, None, 3)}–{number_text(high, None, 3)}")
            entries.append(entry)
    for bins in (grid.x, grid.y):
        if bins.grouped:
            name = printable(bins.axis.name, escape_layout=True)
            entries.append(Text(f"{OTHER}: {bins.grouped} rarer values of {name}", style="dim"))
    if note:
        entries.append(Text(printable(note, escape_layout=True), style="dim"))
    return wrapped(entries, width)


def _level_ranges(span: tuple[float, float], maximize: bool) -> list[tuple[float, float]]:
    """The values of each level, worse to better."""
    low, high = span
    step = (high - low) / len(SHADES)
    ranges = [(low + k * step, low + (k + 1) * step) for k in range(len(SHADES))]
    return ranges if maximize else ranges[::-1]


class PairGrid(Widget):
    """A heat grid fitted to the widget's size; `show` new trials to redraw."""

    DEFAULT_CSS = """
    PairGrid { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.pairs: PairPoints | None = None
        self.metric = ""
        self.statistic = Statistic.MEAN
        self.note = ""
        self.empty_text = ""

    def show(
        self,
        pairs: PairPoints,
        metric: str,
        statistic: Statistic,
        *,
        note: str = "",
        empty_text: str = "no trial has reported the metric yet",
    ) -> None:
        """Draw `pairs`; `note` says what is left out, `empty_text` why nothing is drawn."""
        self.pairs, self.metric, self.statistic = pairs, metric, statistic
        self.note, self.empty_text = note, empty_text
        self.refresh()

    def render(self) -> Text:
        if self.pairs is None:
            return Text("loading…", style="italic")
        width, height = self.size.width, self.size.height
        lines = render_heat_grid(
            self.pairs,
            self.metric,
            self.statistic,
            width,
            height,
            note=self.note,
            empty_text=self.empty_text,
        )
        return Text("\n").join(lines)
