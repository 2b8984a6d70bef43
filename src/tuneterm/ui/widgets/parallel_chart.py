"""`ParallelChart`: parallel coordinates in braille. An axis per hyperparameter and one for the
metric (each trial's best value), last; a line per trial, coloured by its metric
(`gradient.GRADIENT`), the top trials bold, bright and drawn last, marked #1.. beside the metric's
axis, on the row the line ends in. Categories are written beside their axis at their slot; numeric
axes show their range above and below. As many axes as fit the width are shown, a page at a time
(`turn_page`), the pages as even as can be.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Span, Text
from textual.widget import Widget

from tuneterm.domain.plots.axis import AxisKind, PlotAxis
from tuneterm.domain.plots.parallel import ParallelPlot, axis_columns, axis_pages
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value, fit, number_text
from tuneterm.ui.widgets.gradient import GRADIENT, level, scale_legend, wrapped

if TYPE_CHECKING:
    from tuneterm.domain.plots.raster import Raster

TOP_STYLE = "bold bright_white"
AXIS_STYLE = "dim"
LABEL_STYLE = "bold"
_STYLES: tuple[str | None, ...] = (*GRADIENT, TOP_STYLE, AXIS_STYLE, LABEL_STYLE, None)
_TOP, _AXIS, _LABEL, _BLANK = range(len(GRADIENT), len(_STYLES))
MIN_PLOT_ROWS = 3

Overlay = list[dict[int, tuple[str, int]]]
"""Per plot row: column -> (character, style index) drawn over the lines."""


def shown_axes(plot: ParallelPlot, page: int, width: int) -> list[int]:
    """The indices into `plot.axes` shown on `page` at `width`: a page of hyperparameters, then
    the metric's."""
    pages = axis_pages(len(plot.param_axes), width)
    return [*pages[page % len(pages)], len(plot.axes) - 1]


def render_parallel(
    plot: ParallelPlot, page: int, width: int, height: int, empty_text: str
) -> list[Text]:
    """The chart as lines of `width` cells: names, top ticks, the plot, bottom ticks, legend."""
    shown = shown_axes(plot, page, width)
    legend = _legend(plot, page, width)
    rows = height - 3 - len(legend)
    if rows < MIN_PLOT_ROWS or width < 20 or not plot.lines or len(shown) < 2:
        return [Text(fit(empty_text, width), style="italic")]
    axes = [plot.axes[index] for index in shown]
    columns = axis_columns(len(axes), width)
    room = [*(right - left - 1 for left, right in itertools.pairwise(columns)), width - columns[-1]]
    raster = _raster(plot, shown, columns, width, rows)
    overlay: Overlay = [{} for _ in range(rows)]
    for axis, column, space in zip(axes, columns, room, strict=True):
        _draw_axis(overlay, axis, column, space)
    _mark_top(overlay, plot, columns[-1], room[-1])
    names = [_name(axis, space) for axis, space in zip(axes, room, strict=True)]
    tops = [_tick(axis, 1.0, space) for axis, space in zip(axes, room, strict=True)]
    bottoms = [_tick(axis, 0.0, space) for axis, space in zip(axes, room, strict=True)]
    return [
        _labels(names, columns, room, width, LABEL_STYLE),
        _labels(tops, columns, room, width, AXIS_STYLE),
        *_body(raster, _line_styles(plot), overlay),
        _labels(bottoms, columns, room, width, AXIS_STYLE),
        *legend,
    ]


def pixel_row(share: float, rows: int) -> float:
    """The dot row of a share of the axis, 0 at the top."""
    return (1.0 - min(1.0, max(0.0, share))) * (4 * rows - 1)


def cell_row(share: float, rows: int) -> int:
    """The row of cells where the raster draws a vertex at `share` (rounded as it rounds): where
    a label beside that vertex goes."""
    from tuneterm.domain.plots.raster import dot_row

    return dot_row(pixel_row(share, rows), rows) // 4


def _raster(
    plot: ParallelPlot, shown: Sequence[int], columns: Sequence[int], width: int, rows: int
) -> Raster:
    # numpy is loaded with the first chart drawn, not with the screen's module (help imports it).
    import numpy as np

    from tuneterm.domain.plots.raster import rasterize

    shares = np.array([line.shares for line in plot.lines], dtype=np.float64)  # None: NaN
    heights = (1.0 - np.clip(shares[:, list(shown)], 0.0, 1.0)) * (4 * rows - 1)
    return rasterize([2 * column for column in columns], heights, width, rows)


def _line_styles(plot: ParallelPlot) -> list[int]:
    return [_TOP if line.rank else level(line.quality) for line in plot.lines]


def _body(raster: Raster, line_styles: list[int], overlay: Overlay) -> list[Text]:
    """The plot's rows: braille where lines run, in the colour of the line owning each cell, with
    the overlay (axes, labels) on top; one span per run of a style."""
    import numpy as np

    codes = np.where(raster.bits == 0, 0x20, raster.bits.astype(np.uint32) + 0x2800)
    styles = np.asarray([*line_styles, _BLANK])[raster.owner]  # owner -1 picks the last: blank
    for row, cells in enumerate(overlay):
        for column, (char, style) in cells.items():
            codes[row, column], styles[row, column] = ord(char), style
    lines = []
    for row_codes, row_styles in zip(codes.astype("<u4"), styles, strict=True):
        chars = row_codes.tobytes().decode("utf-32-le")
        cuts = [0, *(np.flatnonzero(np.diff(row_styles)) + 1).tolist(), len(chars)]
        spans = [
            Span(start, end, style)
            for start, end in itertools.pairwise(cuts)
            if (style := _STYLES[row_styles[start]]) is not None
        ]
        lines.append(Text(chars, spans=spans))
    return lines


def _draw_axis(overlay: Overlay, axis: PlotAxis, column: int, space: int) -> None:
    rows = len(overlay)
    for row in range(rows):
        overlay[row][column] = ("│", _AXIS)
    if not axis.is_categorical:
        return
    taken: set[int] = set()
    for slot, value in enumerate(axis.categories):
        row = cell_row((slot + 0.5) / len(axis.categories), rows)
        if row in taken:
            continue
        taken.add(row)
        overlay[row][column] = ("├", _AXIS)
        _write(overlay[row], column + 1, _cut(compact_value(value), space - 1), _LABEL)


def _mark_top(overlay: Overlay, plot: ParallelPlot, column: int, space: int) -> None:
    """#1, #2, ... beside the metric's axis, where each top trial ends (the better first)."""
    taken: set[int] = set()
    for line in plot.top():
        share = line.shares[-1]
        row = cell_row(share if share is not None else 0.0, len(overlay))
        if row not in taken:
            taken.add(row)
            _write(overlay[row], column + 1, _cut(f"#{line.rank}", space - 1), _TOP)


def _write(cells: dict[int, tuple[str, int]], start: int, text: str, style: int) -> None:
    for offset, char in enumerate(text):
        cells[start + offset] = (char, style)


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` cells (with …), never padded; one cell per character."""
    text = "".join(char if cell_len(char) == 1 else "?" for char in text)
    if width <= 0:
        return ""
    return text if len(text) <= width else set_cell_size(text, width - 1) + "…"


def _name(axis: PlotAxis, space: int) -> str:
    name = printable(axis.name, escape_layout=True)
    logged = f"{name} (log)"
    return logged if axis.kind is AxisKind.LOG and cell_len(logged) < space else name


def _tick(axis: PlotAxis, share: float, space: int) -> str:
    """A numeric axis's value at `share`, in the room left of the next axis."""
    return "" if axis.is_categorical else number_text(axis.value_at(share), space - 1, 3)


def _labels(
    texts: Sequence[str], columns: Sequence[int], room: Sequence[int], width: int, style: str
) -> Text:
    cells = [" "] * width
    for text, column, space in zip(texts, columns, room, strict=True):
        for offset, char in enumerate(_cut(text, max(1, space - 1))):
            cells[column + offset] = char
    return Text("".join(cells), style=style)


def _legend(plot: ParallelPlot, page: int, width: int) -> list[Text]:
    metric = plot.metric_axis
    worst, best = (metric.value_at(0.0), metric.value_at(1.0))
    if not plot.maximize:
        worst, best = best, worst
    entries = [
        scale_legend(printable(metric.name, escape_layout=True), *map(_number, (worst, best))),
        Text(f"━ top {len(plot.top())}, #1 the best", style=TOP_STYLE),
    ]
    pages = axis_pages(len(plot.param_axes), width)
    if len(pages) > 1:
        axes = pages[page % len(pages)]
        count = len(plot.param_axes)
        entries.append(Text(f"axes {axes.start + 1}–{axes.stop} of {count}: [ ]", style="dim"))
    return wrapped(entries, width)


def _number(value: float) -> str:
    return number_text(value, None, 3)


class ParallelChart(Widget):
    """Parallel coordinates of `plot`, fitted to the widget's size; `turn_page` shows the next
    (or previous) hyperparameters when they do not all fit."""

    DEFAULT_CSS = """
    ParallelChart { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.plot: ParallelPlot | None = None
        self.page = 0
        """Which page of hyperparameter axes is shown (see `domain.plots.parallel.axis_pages`)."""
        self.empty_text = ""

    def show(self, plot: ParallelPlot, empty_text: str = "no data yet") -> None:
        """Draw `plot`; `empty_text` says why there is nothing to draw, when there is not."""
        self.plot, self.empty_text = plot, empty_text
        self.refresh()

    def turn_page(self, step: int) -> None:
        if self.plot is None:
            return
        pages = len(axis_pages(len(self.plot.param_axes), self.size.width))
        self.page = (self.page + step) % pages
        self.refresh()

    @property
    def shown_axis_names(self) -> list[str]:
        """The names of the axes drawn now, the metric's axis last."""
        if self.plot is None:
            return []
        return [self.plot.axes[i].name for i in shown_axes(self.plot, self.page, self.size.width)]

    def render(self) -> Text:
        if self.plot is None:
            return Text("loading…", style="italic")
        lines = render_parallel(
            self.plot, self.page, self.size.width, self.size.height, self.empty_text
        )
        return Text("\n").join(lines)
