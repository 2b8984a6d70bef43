"""What the plots screen draws, from a copy of the sweep (`PlotData`): each trial's best value of
the metric against a hyperparameter (jittered slots for discrete values, a log axis for
log-uniform ones), the learning curves, and the heat grid of the metric over two hyperparameters.
Every tuned hyperparameter can be plotted against; trials that lack it are left out, and a note
says how many."""

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
from tuneterm.domain.plots.grid import HeatGrid, PairPoints
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
    EndReason.RULE: ("stopped by rule", "magenta"),
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
    params: Sequence[str] = ()
    """Every hyperparameter of the sweep (not only of the trials shown), numbers first: the
    x axis's choices."""
    groups: Sequence[str] = ()
    """The hyperparameters of few values over the whole sweep: the choices to colour by."""
    total: int = 0
    """The trials in the whole sweep, shown or not."""


def sweep_params(tuned: Sequence[str], rows: Sequence[TrialRow]) -> list[str]:
    """The tuned hyperparameters; without a record of them, every config key seen."""
    if tuned:
        return list(tuned)
    return list(dict.fromkeys(name for row in rows for name in row.config))


def x_candidates(names: Sequence[str], rows: Sequence[TrialRow]) -> list[str]:
    """Every one of `names`: those set to numbers (where set) first, then the others (flags,
    names), which get a slot per value."""
    numeric = [name for name in names if _all_numbers(rows, name)]
    return [*numeric, *(name for name in names if name not in numeric)]


def colour_candidates(names: Sequence[str], rows: Sequence[TrialRow]) -> list[str]:
    """Those of `names` with few distinct values (at most `MOST_GROUPS`): candidates for colour
    and marker; flags and names (batch_norm, optimizer) before numbers."""
    chosen = []
    for name in names:
        values = {category_key(row.config[name]) for row in rows if name in row.config}
        if 1 < len(values) <= MOST_GROUPS:
            chosen.append(name)
    return sorted(chosen, key=lambda name: _all_numbers(rows, name))


def _all_numbers(rows: Sequence[TrialRow], name: str) -> bool:
    """Whether some trial sets `name`, and every one that does to a number."""
    values = [row.config[name] for row in rows if name in row.config]
    return bool(values) and all(is_finite_number(value) for value in values)


def param_names(data: PlotData) -> list[str]:
    return list(data.params) or sweep_params(data.tuned, data.rows)


def x_params(data: PlotData) -> list[str]:
    """Candidates for the x axis: every hyperparameter of the sweep."""
    return list(data.params) or x_candidates(param_names(data), data.rows)


def categorical_params(data: PlotData) -> list[str]:
    """Candidates for colour: the hyperparameters of few values."""
    return list(data.groups) or colour_candidates(param_names(data), data.rows)


def lacking_note(count: int, names: Sequence[str]) -> str:
    """ "3 trials lack extra": the trials a plot leaves out ("" for none)."""
    if not count:
        return ""
    trials = "1 trial lacks" if count == 1 else f"{count} trials lack"
    return f"{trials} {' or '.join(printable(name) for name in names)}"


def param_axis(data: PlotData, name: str, space: Space) -> PlotAxis:
    """The axis of a hyperparameter over the trials that reported the metric."""
    values = [row.config.get(name) for row in data.rows if row.best_metric is not None]
    return axis_for(name, values, space.get(name))


def scatter_figure(
    data: PlotData,
    x_param: str,
    group_param: str | None,
    space: Space | None = None,
    empty_text: str = "no trial has reported the metric yet",
) -> Figure:
    """Each trial's best metric against `x_param`, a marker and colour per `group_param` value;
    trials without a place on the axis (lacking `x_param`) left out, and counted in a note."""
    axis = param_axis(data, x_param, space or {})
    scored = [row for row in data.rows if row.best_metric is not None]
    points = [
        (x, row.best_metric, _group(row, group_param))
        for row in scored
        if row.best_metric is not None and (x := _x_position(axis, row)) is not None
    ]
    groups = sorted(
        {repr(group): group for _, _, group in points}.items(),
        key=lambda item: value_order(item[1]),
    )
    series = []
    for index, (key, group) in enumerate(groups):
        members = [(x, y) for x, y, g in points if repr(g) == key]
        series.append(
            Series(
                _group_label(group_param, group),
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
        empty_text=empty_text,
        note=lacking_note(len(scored) - len(points), [x_param]),
    )


class _Missing:
    """The group of trials whose config lacks the colouring hyperparameter."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


def _group(row: TrialRow, group_param: str | None) -> object:
    if group_param is None:
        return None
    return row.config.get(group_param, MISSING)


def _group_label(group_param: str | None, group: object) -> str:
    if group_param is None:
        return "trials"
    if group is MISSING:
        return f"no {printable(group_param)}"
    return f"{printable(group_param)}={compact_value(group)}"


def _x_position(axis: PlotAxis, row: TrialRow) -> float | None:
    """A category's slot (0, 1, ...) moved sideways by the trial's own jitter, so that trials
    with one value do not hide each other; a number as it is."""
    value = row.config.get(axis.name)
    if axis.is_categorical:
        slot = axis.slot(value)
        return None if slot is None else slot + jitter(row.trial_id)
    return float(value) if is_finite_number(value) else None


def pair_points(
    data: PlotData, x_param: str, y_param: str, space: Space | None = None
) -> tuple[PairPoints, str]:
    """Each trial's best metric, to be binned by `x_param` (columns) and `y_param` (rows); and
    the note of the trials left out for lacking either."""
    rows = [row for row in data.rows if row.best_metric is not None]
    x_axis, y_axis = (param_axis(data, name, space or {}) for name in (x_param, y_param))
    points = tuple(
        (x, y, row.best_metric if row.best_metric is not None else math.nan)
        for row in rows
        if x_axis.share(x := row.config.get(x_param)) is not None
        and y_axis.share(y := row.config.get(y_param)) is not None
    )
    lacking = [
        axis.name
        for axis in (x_axis, y_axis)
        if any(axis.share(row.config.get(axis.name)) is None for row in rows)
    ]
    pairs = PairPoints(x_axis, y_axis, points, data.maximize)
    return pairs, lacking_note(len(rows) - len(points), lacking)


def pair_grid(data: PlotData, x_param: str, y_param: str, space: Space | None = None) -> HeatGrid:
    """The heat grid of `pair_points` with the default bins."""
    return pair_points(data, x_param, y_param, space)[0].grid()


def rung_iterations(rows: Iterable[TrialRow]) -> list[int]:
    """Where the scheduler cut: the distinct iterations at which it stopped trials."""
    return sorted(
        {
            row.stop_iteration
            for row in rows
            if row.reason is EndReason.SCHEDULER and row.stop_iteration is not None
        }
    )


def curves_figure(data: PlotData, empty_text: str | None = None) -> Figure:
    """Each trial's learning curve coloured by how it ended, the best one on top; `empty_text`
    says why there is none (default: no curve reported yet)."""
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
        empty_text=empty_text or "no learning curve yet",
    )
