"""Plots drawn in text: braille lines, marker scatters, axes with ticks, and a legend.

A braille character holds a 2x4 grid of dots, so a WxH cell area plots 2Wx4H points. Each cell
takes the colour of the last series drawn through it; scatter markers are whole characters with a
distinct shape per series, readable without colour (NO_COLOR).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from tuneterm.domain.text import printable
from tuneterm.ui.format import fit, number_text

BRAILLE_BASE = 0x2800
_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""_DOT_BITS[row][column] for the 2x4 dots of one braille cell."""
MARKERS = "●▲■◆✚✖○△"
PALETTE = ("cyan", "magenta", "yellow", "green", "red", "blue", "bright_white", "bright_red")
MARK_STYLE = "bright_black"


@dataclass(frozen=True, slots=True)
class Series:
    """Points of one line or one group of markers."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    style: str = "cyan"
    marker: str | None = None
    """A character drawn at each point (scatter); None draws braille lines between points."""


@dataclass(frozen=True, slots=True)
class Figure:
    """Everything one chart shows."""

    series: Sequence[Series]
    x_label: str = ""
    y_label: str = ""
    log_x: bool = False
    x_marks: Sequence[float] = ()
    """x positions of dotted vertical guides (the scheduler's rungs)."""
    x_marks_label: str = ""
    legend: Sequence[tuple[str, str]] = field(default=())
    """(label, style) pairs under the plot; default: one per series."""
    empty_text: str = "no data yet"
    x_categories: Sequence[str] = ()
    """Labels of a categorical x axis: slot i spans x from i - 0.5 to i + 0.5."""
    note: str = ""
    """A last legend entry, dim: what the plot leaves out ("3 trials lack extra")."""


class _Axis:
    """Maps data values onto `cells * resolution` pixel positions."""

    def __init__(self, values: Sequence[float], pixels: int, log: bool, flip: bool) -> None:
        self.log = log
        finite = [self._t(v) for v in values if self._valid(v)]
        self.low, self.high = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if self.high == self.low:
            self.low, self.high = self.low - 0.5, self.high + 0.5
        self.pixels = pixels
        self.flip = flip

    def _valid(self, value: float) -> bool:
        return math.isfinite(value) and (value > 0 or not self.log)

    def _t(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def pixel(self, value: float) -> int | None:
        if not self._valid(value):
            return None
        share = (self._t(value) - self.low) / (self.high - self.low)
        position = round(share * (self.pixels - 1))
        return self.pixels - 1 - position if self.flip else position

    def value_at(self, share: float) -> float:
        value = self.low + share * (self.high - self.low)
        return 10**value if self.log else value


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.styles: list[list[str]] = [[""] * width for _ in range(height)]
        self.chars: dict[tuple[int, int], tuple[str, str]] = {}

    def dot(self, px: int, py: int, style: str) -> None:
        column, row = px // 2, py // 4
        if 0 <= column < self.width and 0 <= row < self.height:
            self.bits[row][column] |= _DOT_BITS[py % 4][px % 2]
            self.styles[row][column] = style

    def line(self, start: tuple[int, int], end: tuple[int, int], style: str) -> None:
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            self.dot(
                round(x0 + (x1 - x0) * step / steps), round(y0 + (y1 - y0) * step / steps), style
            )

    def char(self, column: int, row: int, glyph: str, style: str) -> None:
        if 0 <= column < self.width and 0 <= row < self.height:
            self.chars[(column, row)] = (glyph, style)

    def row_text(self, row: int) -> Text:
        text = Text()
        for column in range(self.width):
            glyph, style = self.chars.get((column, row), ("", ""))
            if not glyph:
                bits = self.bits[row][column]
                glyph = chr(BRAILLE_BASE + bits) if bits else " "
                style = self.styles[row][column]
            text.append(glyph, style or None)
        return text


def render_figure(figure: Figure, width: int, height: int) -> list[Text]:
    """The plot as `height` lines of `width` cells: y ticks, plot area, x axis, x ticks, legend."""
    legend = _legend_lines(figure, width)
    plot_height = height - 2 - len(legend)
    points = [(x, y) for s in figure.series for x, y in zip(s.xs, s.ys, strict=False)]
    if plot_height < 2 or width < 16 or not points:
        return [Text(fit(figure.empty_text, width), style="italic")]
    y_axis = _Axis([y for _, y in points], plot_height * 4, log=False, flip=True)
    y_ticks = [tick_text(y_axis.value_at(share)) for share in (1.0, 0.5, 0.0)]
    gutter = max(cell_len(tick) for tick in y_ticks) + 1
    plot_width = width - gutter - 1
    slots = len(figure.x_categories)
    x_values = [-0.5, slots - 0.5] if slots else [x for x, _ in points]
    x_axis = _Axis(x_values, plot_width * 2, log=figure.log_x, flip=False)
    canvas = _Canvas(plot_width, plot_height)
    _draw(canvas, figure, x_axis, y_axis)
    lines = []
    for row in range(plot_height):
        tick = {0: y_ticks[0], (plot_height - 1) // 2: y_ticks[1], plot_height - 1: y_ticks[2]}
        label = tick.get(row, "")
        line = Text(fit(label, gutter - 1, right=True) + " ", style="dim")
        line.append("┤" if label else "│", style="dim")
        line.append_text(canvas.row_text(row))
        lines.append(line)
    lines += _x_axis_lines(figure, x_axis, gutter, plot_width)
    return lines + legend


def tick_text(value: float) -> str:
    """A tick's number, as the table writes numbers: 3 significant digits, `1.12e-4`."""
    return number_text(value, None, 3)


def _draw(canvas: _Canvas, figure: Figure, x_axis: _Axis, y_axis: _Axis) -> None:
    for mark in figure.x_marks:
        px = x_axis.pixel(mark)
        if px is not None:
            for row in range(canvas.height):
                canvas.char(px // 2, row, "┊", MARK_STYLE)
    for series in figure.series:
        pixels = [
            (x_axis.pixel(x), y_axis.pixel(y)) for x, y in zip(series.xs, series.ys, strict=False)
        ]
        valid = [(px, py) for px, py in pixels if px is not None and py is not None]
        if series.marker:
            for px, py in valid:
                canvas.char(px // 2, py // 4, series.marker, series.style)
            continue
        for column_row in {(px // 2, py // 4) for px, py in valid}:
            canvas.chars.pop(column_row, None)  # a curve shows through a rung guide
        if len(valid) == 1:
            canvas.dot(*valid[0], series.style)
        for start, end in itertools.pairwise(valid):
            canvas.line(start, end, series.style)


def _x_axis_lines(figure: Figure, x_axis: _Axis, gutter: int, plot_width: int) -> list[Text]:
    axis = ["─"] * plot_width
    slots = [float(slot) for slot in range(len(figure.x_categories))]
    for mark in [*figure.x_marks, *slots]:
        px = x_axis.pixel(mark)
        if px is not None and 0 <= px // 2 < plot_width:
            axis[px // 2] = "┴"
    axis_line = Text(" " * gutter + "└", style="dim")
    axis_line.append("".join(axis), style="dim")
    if figure.x_categories:
        return [axis_line, _category_ticks(figure, x_axis, gutter, plot_width)]
    low, mid, high = (tick_text(x_axis.value_at(s)) for s in (0.0, 0.5, 1.0))
    ticks = [" "] * plot_width
    mid_start = plot_width // 2 - len(mid) // 2
    _place(ticks, 0, low)
    _place(ticks, mid_start, mid)
    _place(ticks, plot_width - len(high), high)
    label = printable(figure.x_label) + (" (log)" if figure.log_x else "")
    label_start = (len(low) + mid_start) // 2 - cell_len(label) // 2
    fits = label_start > len(low) and label_start + cell_len(label) < mid_start
    if label and cell_len(label) == len(label) and fits:
        _place(ticks, label_start, label)
    tick_line = Text(" " * (gutter + 1) + "".join(ticks), style="dim")
    return [axis_line, tick_line]


def _category_ticks(figure: Figure, x_axis: _Axis, gutter: int, plot_width: int) -> Text:
    """Each category's label under its slot (those that would overlap a left neighbour are
    left out), then the axis's name where it fits."""
    ticks = [" "] * plot_width
    free_from, first_start = 0, plot_width
    for slot, label in enumerate(figure.x_categories):
        text = printable(label, escape_layout=True)
        centre = (x_axis.pixel(float(slot)) or 0) // 2
        start = max(free_from, centre - len(text) // 2)
        if cell_len(text) == len(text) and start + len(text) <= plot_width:
            _place(ticks, start, text)
            free_from, first_start = start + len(text) + 1, min(first_start, start)
    name = printable(figure.x_label, escape_layout=True)
    if name and cell_len(name) == len(name):
        if len(name) + 2 <= first_start:
            _place(ticks, 0, name)
        elif free_from + len(name) + 2 <= plot_width:
            _place(ticks, plot_width - len(name), name)
    return Text(" " * (gutter + 1) + "".join(ticks), style="dim")


def _place(cells: list[str], start: int, text: str) -> None:
    start = max(0, min(start, len(cells) - len(text)))
    for offset, char in enumerate(text[: len(cells)]):
        cells[start + offset] = char


def _legend_lines(figure: Figure, width: int, most: int = 3) -> list[Text]:
    entries = list(figure.legend) or [
        (f"{s.marker or '━'} {printable(s.label)}", s.style) for s in figure.series
    ]
    if figure.x_marks_label:
        entries.append((f"┊ {printable(figure.x_marks_label)}", MARK_STYLE))
    if figure.note:
        entries.append((printable(figure.note), "dim"))
    lines: list[Text] = []
    line = Text()
    for label, style in entries:
        if line.cell_len and line.cell_len + 2 + cell_len(label) > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append("  ")
        line.append(fit(label, width) if cell_len(label) > width else label, style)
    if line.cell_len:
        lines.append(line)
    if len(lines) > most:
        lines = [*lines[: most - 1], Text(f"… and {len(entries)} entries in all", "dim")]
    return lines


class Chart(Widget):
    """A figure drawn to fit the widget's size; set `figure` to redraw."""

    DEFAULT_CSS = """
    Chart { height: 12; }
    """

    def __init__(
        self, figure: Figure | None = None, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.figure = figure

    def show(self, figure: Figure) -> None:
        self.figure = figure
        self.refresh()

    def render(self) -> Text:
        if self.figure is None:
            return Text("loading…", style="italic")
        lines = render_figure(self.figure, self.size.width, self.size.height)
        return Text("\n").join(lines)
