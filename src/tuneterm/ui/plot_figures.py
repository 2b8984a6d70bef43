"""What the plots screen draws, from a copy of the sweep (`PlotData`): the final metric against a
hyperparameter (jittered slots for discrete values, a log axis for log-uniform ones), the learning
curves, and the heat grid of the metric over two hyperparameters."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tuneterm.domain.config.space import Param
from tuneterm.domain.plots.axis import (
    AxisKind,
    PlotAxis,
    axis_for,
    category_key,
    is_finite_number,
    jitter,
    value_order,
)
from tuneterm.domain.plots.axis import wants_log as _wants_log
from tuneterm.domain.plots.grid import HeatGrid, bins_for, heat_grid
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value
from tuneterm.ui.widgets.chart import MARKERS, PALETTE, Figure, Series

MOST_GROUPS = len(MARKERS)
CURVE_STYLES: dict[str, tuple[str, str]] = {
    TrialStatus.RUNNING: ("running", "cyan"),
    EndReason.COMPLETED: ("completed", "green"),
    EndReason.SCHEDULER: ("stopped by scheduler", "yellow"),
    EndReason.USER: ("stopped by user", "blue"),
    EndReason.ERROR: ("error", "red"),
    EndReason.INTERRUPTED: ("interrupted", "red"),
}
"""A learning curve's legend label and colour, by the trial's category."""
BEST_STYLE = "bold bright_white"
Space = Mapping[str, Param]
"""The search space by parameter name; empty when the sweep's config could not be read."""


@dataclass(frozen=True, slots=True)
class PlotData:
    """A copy of what the plots need, taken under the sweep state's lock."""

    metric: str
    rows: Sequence[TrialRow]
    curves: dict[str, tuple[list[float], list[float]]]
    """trial id -> (iterations, metric values), thinned to `MOST_POINTS`."""
    best_trial_id: str | None
    tuned: Sequence[str]
    maximize: bool = True


def param_names(data: PlotData) -> list[str]:
    if data.tuned:
        return list(data.tuned)
    return list(data.rows[0].config) if data.rows else []


def numeric_params(data: PlotData) -> list[str]:
    """Parameters every trial set to a number."""
    return [
        name
        for name in param_names(data)
        if data.rows and all(is_finite_number(row.config.get(name)) for row in data.rows)
    ]


def x_params(data: PlotData) -> list[str]:
    """Candidates for the x axis: numeric parameters first, then those of few values (flags,
    names), which get a slot per value."""
    numeric = numeric_params(data)
    return [*numeric, *(name for name in categorical_params(data) if name not in numeric)]


def categorical_params(data: PlotData) -> list[str]:
    """Parameters with few distinct values: candidates for colour and marker; flags and names
    (batch_norm, optimizer) before numbers."""
    names = []
    for name in param_names(data):
        values = {category_key(row.config.get(name)) for row in data.rows}
        if 1 < len(values) <= MOST_GROUPS:
            names.append(name)
    return sorted(names, key=lambda n: _all_numbers(data, n))


def _all_numbers(data: PlotData, name: str) -> bool:
    return all(is_finite_number(row.config.get(name)) for row in data.rows)


def wants_log(values: Iterable[float]) -> bool:
    """Without a search space: whether positive values spread over more than two decades."""
    return _wants_log(values)


def param_axis(data: PlotData, name: str, space: Space) -> PlotAxis:
    """The axis of a hyperparameter over the trials that reported the metric."""
    values = [row.config.get(name) for row in data.rows if row.last_metric is not None]
    return axis_for(name, values, space.get(name))


def scatter_figure(
    data: PlotData, x_param: str, group_param: str | None, space: Space | None = None
) -> Figure:
    """The final metric against `x_param`, a marker and colour per `group_param` value."""
    axis = param_axis(data, x_param, space or {})
    points = [
        (x, row.last_metric, row.config.get(group_param) if group_param else None)
        for row in data.rows
        if row.last_metric is not None and (x := _x_position(axis, row)) is not None
    ]
    groups = sorted(
        {repr(group): group for _, _, group in points}.items(),
        key=lambda item: value_order(item[1]),
    )
    series = []
    for index, (key, group) in enumerate(groups):
        members = [(x, y) for x, y, g in points if repr(g) == key]
        label = f"{printable(group_param)}={compact_value(group)}" if group_param else "trials"
        series.append(
            Series(
                label,
                [x for x, _ in members],
                [y for _, y in members],
                style=PALETTE[index % len(PALETTE)],
                marker=MARKERS[index % len(MARKERS)],
            )
        )
    return Figure(
        series,
        x_label=x_param,
        log_x=axis.kind is AxisKind.LOG,
        x_categories=tuple(compact_value(value) for value in axis.categories),
        empty_text="no trial has reported the metric yet",
    )


def _x_position(axis: PlotAxis, row: TrialRow) -> float | None:
    """A category's slot (0, 1, ...) moved sideways by the trial's own jitter, so that trials
    with one value do not hide each other; a number as it is."""
    value = row.config.get(axis.name)
    if axis.is_categorical:
        slot = axis.slot(value)
        return None if slot is None else slot + jitter(row.trial_id)
    return float(value) if is_finite_number(value) else None


def pair_grid(data: PlotData, x_param: str, y_param: str, space: Space | None = None) -> HeatGrid:
    """Each trial's best metric in its cell of `x_param` (columns) by `y_param` (rows)."""
    rows = [row for row in data.rows if row.best_metric is not None]
    x_axis, y_axis = (param_axis(data, name, space or {}) for name in (x_param, y_param))
    x_bins = bins_for(x_axis, (row.config.get(x_param) for row in rows))
    y_bins = bins_for(y_axis, (row.config.get(y_param) for row in rows))
    points = [
        (row.config.get(x_param), row.config.get(y_param), row.best_metric or math.nan)
        for row in rows
    ]
    return heat_grid(points, x_bins, y_bins, maximize=data.maximize)


def rung_iterations(rows: Iterable[TrialRow]) -> list[int]:
    """Where the scheduler cut: the distinct iterations at which it stopped trials."""
    return sorted(
        {
            row.stop_iteration
            for row in rows
            if row.reason is EndReason.SCHEDULER and row.stop_iteration is not None
        }
    )


def curves_figure(data: PlotData) -> Figure:
    by_id = {row.trial_id: row for row in data.rows}
    series, present = [], {}
    for trial_id, (xs, ys) in data.curves.items():
        if trial_id == data.best_trial_id or not ys:
            continue
        label, style = CURVE_STYLES.get(by_id[trial_id].category, ("pending", "white"))
        present[label] = style
        series.append(Series(label, xs, ys, style=style))
    legend = [(f"━ {label}", style) for label, style in present.items()]
    if data.best_trial_id is not None and data.curves.get(data.best_trial_id, ([], []))[1]:
        xs, ys = data.curves[data.best_trial_id]
        series.append(Series("best", xs, ys, style=BEST_STYLE))
        legend.append((f"━ ★ best {printable(data.best_trial_id)}", BEST_STYLE))
    rungs = rung_iterations(data.rows)
    return Figure(
        series,
        x_label="iteration",
        x_marks=[float(r) for r in rungs],
        legend=legend,
        x_marks_label=("rungs " + ", ".join(map(str, rungs))) if rungs else "",
        empty_text="no learning curve yet",
    )
