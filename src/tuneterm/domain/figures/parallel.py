"""Parallel coordinates: one vertical axis per tuned hyperparameter plus the metric, one line per
trial through its values, each axis scaled to [0, 1] (log for log-uniform hyperparameters,
evenly spaced categories for the others), the lines shaded by the metric and the top trials
drawn wider on top."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tuneterm.domain.figures.plan import (
    FigureInput,
    FigureKind,
    FigurePlan,
    Look,
    ParallelAxis,
    PlotSeries,
)
from tuneterm.domain.figures.scatter import distinct_values, is_numeric, wants_log
from tuneterm.domain.hypotheses.bucket import value_label
from tuneterm.domain.plots.axis import value_order
from tuneterm.domain.text import format_value, one_line
from tuneterm.domain.trial import Trial

MOST_LINES = 1000
"""Trials drawn at most: the best ones."""
TOP = 3
"""Trials drawn wider, on top."""
SHADES = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
"""From the worst metric to the best: light to dark (viridis, reversed)."""

Scale = Callable[[Any], float]


def parallel_plan(data: FigureInput) -> FigurePlan:
    """Every trial that reported the metric and set every tuned hyperparameter."""
    names = [param.name for param in data.params]
    trials = _ranked(data, [t for t in data.trials if all(name in t.config for name in names)])
    axes, scales = [], []
    for name in names:
        axis, scale = _axis(data, name, [trial.config[name] for trial in trials])
        axes.append(axis)
        scales.append(scale)
    metric_values = [float(trial.best_metric or 0.0) for trial in trials]
    metric_axis, metric_scale = _numeric_axis(data.metric, metric_values, log=False)
    series = []
    for rank, trial in reversed(list(enumerate(trials))):
        ys = [scale(trial.config[name]) for name, scale in zip(names, scales, strict=True)]
        ys.append(metric_scale(float(trial.best_metric or 0.0)))
        series.append(_line(data, ys, rank, metric_scale(float(trial.best_metric or 0.0))))
    return FigurePlan(
        name="parallel-coordinates",
        title=one_line(f"{data.metric} across the tuned hyperparameters", 200),
        kind=FigureKind.PARALLEL,
        series=tuple(series),
        axes=(*axes, metric_axis),
        shade_label=one_line(f"darker: better {data.metric}; the top {TOP} drawn wider", 120),
    )


def _ranked(data: FigureInput, trials: Sequence[Trial]) -> list[Trial]:
    """The trials with a finite best metric (the dashboard's value too), best first, at most
    `MOST_LINES`."""
    scored = [t for t in trials if t.best_metric is not None and math.isfinite(t.best_metric)]
    sign = -1.0 if data.mode == "max" else 1.0
    return sorted(scored, key=lambda trial: sign * float(trial.best_metric or 0.0))[:MOST_LINES]


def _line(data: FigureInput, ys: list[float], rank: int, metric_position: float) -> PlotSeries:
    goodness = metric_position if data.mode == "max" else 1.0 - metric_position
    top = rank < TOP
    label = f"top {TOP} by {data.metric}" if top else "trials"
    xs = tuple(float(index) for index in range(len(ys)))
    return PlotSeries(one_line(label, 80), xs, tuple(ys), shade(goodness), Look.LINE, top)


def shade(goodness: float) -> str:
    """The colour of a line whose metric is `goodness` of the way from worst (0) to best (1)."""
    position = min(max(goodness, 0.0), 1.0) * (len(SHADES) - 1)
    low = min(int(position), len(SHADES) - 2)
    fraction = position - low
    start, end = _rgb(SHADES[low]), _rgb(SHADES[low + 1])
    mixed = (round(a + (b - a) * fraction) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _axis(data: FigureInput, name: str, values: list[Any]) -> tuple[ParallelAxis, Scale]:
    if is_numeric(data, name):
        numbers = [float(value) for value in values]
        return _numeric_axis(name, numbers, log=wants_log(data, name, numbers))
    categories = sorted(distinct_values(data, name), key=value_order)
    spacing = 1.0 / (len(categories) - 1) if len(categories) > 1 else 0.0
    offset = 0.5 if len(categories) <= 1 else 0.0
    index = {repr(value): offset + spacing * i for i, value in enumerate(categories)}
    ticks = tuple((index[repr(value)], value_label(value)) for value in categories)
    axis = ParallelAxis(one_line(name, 40), ticks)
    return axis, lambda value: index.get(repr(value), 0.5)


def _numeric_axis(name: str, values: list[float], log: bool) -> tuple[ParallelAxis, Scale]:
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if not finite:
        return ParallelAxis(one_line(name, 40), (), log), lambda value: 0.5
    warp: Callable[[float], float] = math.log10 if log else float
    low, high = warp(min(finite)), warp(max(finite))
    span = high - low

    def scale(value: Any) -> float:
        number = float(value)
        if span <= 0 or not math.isfinite(number) or (log and number <= 0):
            return 0.5
        return (warp(number) - low) / span

    ends = sorted({min(finite), max(finite)})
    ticks = tuple((scale(end), format_value(end)) for end in ends)
    return ParallelAxis(one_line(name, 40), ticks, log), scale
