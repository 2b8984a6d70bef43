"""How a line of `TrialTable` reads: a trial's cells side by side (text and style), or the column
titles; and about what a line costs on the wire."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuneterm.domain.resources import ResourceSample
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.text import duration, printable
from tuneterm.ui.format import fit, fit_middle, sparkline
from tuneterm.ui.widgets.columns import Column, Layout, param_text, state_text, value_text
from tuneterm.ui.widgets.resource_columns import RESOURCE_KEYS, resource_text

BEST_MARK = "★"
HEALTH_MARK = "⚠"
"""Marks a trial a health rule flags (domain.health); it wins over `BEST_MARK`."""
SEGMENT_BYTES = 24
"""About what Textual writes per segment besides its text: the style sequence and reset."""
CurveValues = Callable[[str, int], Sequence[float]]
"""(trial id, width) -> the trial's metric history downsampled to at most `width` points."""
StyleOf = Callable[[str], Style]
"""A component style by its short name ("" for the widget's own): the table's cached styles."""

CATEGORY_STYLE: dict[str, str] = {
    TrialStatus.RUNNING: "running",
    TrialStatus.PENDING: "pending",
    TrialStatus.PAUSED: "pending",
    EndReason.COMPLETED: "completed",
    EndReason.SCHEDULER: "stopped",
    EndReason.USER: "stopped",
    EndReason.ERROR: "error",
    EndReason.INTERRUPTED: "error",
    EndReason.RULE: "error",
}
"""The style of a state cell, by the trial's category."""


class LinePainter:
    """Builds the table's lines as strips, from the columns laid out for its width."""

    def __init__(
        self, curve_values: CurveValues, clock: Callable[[], float], style: StyleOf
    ) -> None:
        self._curve_values = curve_values
        self._clock = clock
        self._style = style
        self.layout = Layout((), ())
        """The columns laid out for the table's width."""
        self.best_trial_id: str | None = None
        """The trial marked with `BEST_MARK`."""
        self.resources: Mapping[str, ResourceSample] = {}
        """Each trial's latest resource sample, for the resource columns."""

    def row(self, row: TrialRow, width: int) -> Strip:
        """`row`'s line, `width` cells wide."""
        segments: list[Segment] = []
        plain = self._style("")
        for column in self.layout.shown:
            text, style_name = self.cell(row, column)
            if segments:
                segments.append(Segment(" ", plain))
            segments.append(Segment(text, self._style(style_name)))
        return _fitted(segments, width, plain)

    def cell(self, row: TrialRow, column: Column) -> tuple[str, str]:
        """The cell's text, fitted to the column, and the name of its style."""
        key, width = column.key, column.width
        if key == "mark":
            if row.health_rule is not None:
                return HEALTH_MARK, "error"
            best = row.trial_id == self.best_trial_id
            return (BEST_MARK if best else " "), ("best" if best else "")
        if key == "curve":
            return fit(sparkline(self._curve_values(row.trial_id, width)), width), "curve"
        if key == "state":
            style = "action" if row.pending_action else CATEGORY_STYLE.get(row.category, "")
            return fit(state_text(row), width), style
        if key == "trial_id":
            return fit_middle(printable(row.trial_id), width), ""
        return fit(self._value_text(row, key, width), width, right=column.right), ""

    def _value_text(self, row: TrialRow, key: str, width: int) -> str:
        if key == "iteration":
            return str(row.iteration)
        if key == "last":
            return value_text(row.last_metric, width)
        if key == "best":
            return value_text(row.best_metric, width)
        if key == "runtime":
            return duration(row.runtime(self._clock()), clock=True)
        if key.startswith("metric:"):
            return value_text(row.others.get(key.removeprefix("metric:")), width)
        if key in RESOURCE_KEYS:
            return resource_text(row, key, self.resources)
        return param_text(row, key.removeprefix("param:"), width)

    def header(self, width: int, sort_key: str, descending: bool) -> Strip:
        """The title line, the sort column marked ▲ (or ▼ when descending) after its title (in
        the separator when the title fills the column), ending with how many columns are out of
        view."""
        style = self._style("header")
        mark = "▼" if descending else "▲"
        texts: list[str] = []
        after_sorted = False
        for column in self.layout.shown:
            if texts:
                texts.append(mark if after_sorted else " ")
            title, after_sorted = column.title, False
            if column.key == sort_key:
                if cell_len(title) < column.width:
                    title = fit(title, column.width - 1, right=column.right) + mark
                else:
                    after_sorted = True
            texts.append(fit(title, column.width, right=column.right))
        if after_sorted:
            texts.append(mark)
        line = "".join(texts)
        marker = self.layout.marker
        if marker:
            line += " " * max(1, width - cell_len(line) - len(marker)) + marker
        return _fitted([Segment(line, style)], width, style)


def wire_bytes(strip: Strip) -> int:
    """About what writing `strip` as one line costs: its UTF-8 text, a style per segment and
    the cursor move."""
    segments = list(strip)
    text = "".join(segment.text for segment in segments)
    return len(text.encode("utf-8", "replace")) + SEGMENT_BYTES * len(segments) + 8


def _fitted(segments: list[Segment], width: int, style: Style) -> Strip:
    return Strip(segments).adjust_cell_length(width, style).simplify()
