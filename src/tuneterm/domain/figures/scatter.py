"""For each hypothesis, the metric against its hyperparameter.

A numeric hyperparameter is the x axis (log for log-uniform ones, or values spanning more than
two decades), and the points are coloured by a categorical hyperparameter of the search space
when there is one. A categorical hyperparameter colours the points against the first numeric
one: for batch_norm × lr both hypotheses give the same picture, accuracy against lr with and
without batch norm, drawn once and linked from both. With no numeric hyperparameter the
categories are the x axis, the points spread a little sideways so that equal values show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from tuneterm.domain.config.space import is_number, same_value
from tuneterm.domain.figures.plan import (
    MOST_GROUPS,
    PALETTE,
    FigureInput,
    FigureKind,
    FigurePlan,
    PlotSeries,
    slug,
)
from tuneterm.domain.hypotheses.bucket import value_label
from tuneterm.domain.plots.axis import value_order
from tuneterm.domain.plots.axis import wants_log as spans_decades
from tuneterm.domain.text import format_value, one_line

JITTER = 0.06
"""Sideways spread of the points of one category, in category widths."""


def hypothesis_plans(data: FigureInput) -> list[FigurePlan]:
    """One plan per distinct picture the hypotheses ask for, with the ids of those it serves."""
    wanted: dict[tuple[str, str | None], list[str]] = {}
    for hypothesis in data.hypotheses:
        axes = figure_axes(data, hypothesis.parameter)
        wanted.setdefault(axes, []).append(hypothesis.id)
    return [metric_plan(data, x, group, tuple(ids)) for (x, group), ids in wanted.items()]


def figure_axes(data: FigureInput, parameter: str) -> tuple[str, str | None]:
    """The x axis and the colouring hyperparameter of a hypothesis about `parameter`."""
    if is_numeric(data, parameter):
        return parameter, colour_parameter(data, exclude=parameter)
    numeric = next((p.name for p in data.params if is_numeric(data, p.name)), None)
    if numeric is not None and parameter in colour_candidates(data):
        return numeric, parameter
    return parameter, None


def distinct_values(data: FigureInput, name: str) -> list[Any]:
    """The values the trials took for `name` (the search space's list before any trial)."""
    taken = [trial.config[name] for trial in data.trials if name in trial.config]
    param = data.param(name)
    if not taken and param is not None and param.kind in ("choice", "grid"):
        taken = list(param.values)
    distinct: list[Any] = []
    for value in taken:
        if not any(same_value(value, seen) for seen in distinct):
            distinct.append(value)
    return distinct


def is_numeric(data: FigureInput, name: str) -> bool:
    """Whether every value of `name` is a number (booleans are not)."""
    values = distinct_values(data, name)
    if values:
        return all(is_number(value) for value in values)
    param = data.param(name)
    return param is not None and param.kind in ("uniform", "loguniform", "quniform", "randint")


def colour_candidates(data: FigureInput) -> list[str]:
    """Hyperparameters with 2 to `MOST_GROUPS` values: flags and names before numbers."""
    names = [
        param.name
        for param in data.params
        if 1 < len(distinct_values(data, param.name)) <= MOST_GROUPS
    ]
    return sorted(names, key=lambda name: is_numeric(data, name))


def colour_parameter(data: FigureInput, exclude: str) -> str | None:
    return next((name for name in colour_candidates(data) if name != exclude), None)


def wants_log(data: FigureInput, name: str, xs: Sequence[float]) -> bool:
    """A log axis for a log-uniform parameter, else the dashboard's rule (`spans_decades`)."""
    param = data.param(name)
    return (param is not None and param.kind == "loguniform") or spans_decades(xs)


def metric_plan(
    data: FigureInput, x: str, group: str | None, hypotheses: tuple[str, ...] = ()
) -> FigurePlan:
    """Every trial's best value of the metric against `x` (as the dashboard's scatter shows it),
    one series per value of `group`."""
    points = [
        (trial.config[x], metric, trial.config.get(group) if group else None)
        for trial in data.trials
        if x in trial.config and (metric := trial.best_metric) is not None and math.isfinite(metric)
    ]
    title = f"{data.metric} against {x}" + (f", by {group}" if group else "")
    plan = FigurePlan(
        name=slug(data.metric, "vs", x, *(("by", group) if group else ())),
        title=one_line(title, 200),
        kind=FigureKind.SCATTER,
        series=(),
        x_label=one_line(x, 80),
        y_label=one_line(f"best {data.metric}", 80),
        hypotheses=hypotheses,
    )
    if is_numeric(data, x):
        xs = [float(value) for value, _, _ in points]
        series = _grouped(points, group, lambda value, _: float(value))
        return replace(plan, series=series, log_x=wants_log(data, x, xs))
    return _categorical(plan, data, x, points)


def _categorical(
    plan: FigurePlan, data: FigureInput, x: str, points: list[tuple[Any, float, Any]]
) -> FigurePlan:
    categories = sorted(distinct_values(data, x), key=value_order)
    position = {repr(value): index for index, value in enumerate(categories)}
    seen: dict[int, int] = {}

    def placed(value: Any, _: float) -> float:
        index = position[repr(value)]
        nth = seen[index] = seen.get(index, -1) + 1
        return index + JITTER * ((nth % 7) - 3)

    ticks = tuple((float(index), value_label(value)) for index, value in enumerate(categories))
    return replace(plan, series=_grouped(points, None, placed), x_ticks=ticks)


def _grouped(
    points: list[tuple[Any, float, Any]], group: str | None, x_of: Callable[[Any, float], float]
) -> tuple[PlotSeries, ...]:
    values = sorted({repr(g): g for _, _, g in points}.values(), key=value_order)
    series = []
    for index, value in enumerate(values):
        members = [(x_of(x, y), y) for x, y, g in points if repr(g) == repr(value)]
        label = f"{group}={format_value(value)}" if group else "trials"
        series.append(
            PlotSeries(
                label=one_line(label, 80),
                xs=tuple(x for x, _ in members),
                ys=tuple(y for _, y in members),
                colour=PALETTE[index % len(PALETTE)],
            )
        )
    return tuple(series)
