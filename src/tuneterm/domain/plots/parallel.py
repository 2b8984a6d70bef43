"""Parallel coordinates: an axis per hyperparameter and one for the metric, each trial a line
through its values to its best value of the metric, ranked by it; and which axes fit a width,
page by page."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.config.space import Param
from tuneterm.domain.plots.axis import PlotAxis, axis_for, numeric_axis

TOP_TRIALS = 5
"""Trials highlighted: the best by the metric."""
MIN_AXIS_COLUMNS = 10
"""Columns an axis needs at least: its line and its labels."""


@dataclass(frozen=True, slots=True)
class PlotPoint:
    """A trial as the plots see it: its hyperparameters and one value of the metric."""

    trial_id: str
    config: Mapping[str, Any]
    metric: float


@dataclass(frozen=True, slots=True)
class TrialLine:
    """One trial's line: where it crosses each axis."""

    trial_id: str
    shares: tuple[float | None, ...]
    """0 (bottom) to 1 (top) on each axis, the metric's (the trial's best value) last; None where
    it has no value."""
    quality: float
    """0 for the sweep's worst metric, 1 for its best, whatever the mode."""
    rank: int | None
    """1 for the best trial, up to `TOP_TRIALS`; None for the rest."""


@dataclass(frozen=True, slots=True)
class ParallelPlot:
    """The axes and the lines, in the order they are drawn: worst first, the best last."""

    axes: tuple[PlotAxis, ...]
    """One per hyperparameter, then the metric's."""
    lines: tuple[TrialLine, ...]
    maximize: bool

    @property
    def param_axes(self) -> tuple[PlotAxis, ...]:
        return self.axes[:-1]

    @property
    def metric_axis(self) -> PlotAxis:
        return self.axes[-1]

    def top(self) -> list[TrialLine]:
        """The highlighted trials, best first."""
        return sorted((line for line in self.lines if line.rank), key=lambda line: line.rank or 0)


def ranked(points: Sequence[PlotPoint], *, maximize: bool) -> list[PlotPoint]:
    """Best metric first; equal metrics by trial id, so that the order never flickers."""
    sign = -1.0 if maximize else 1.0
    return sorted(points, key=lambda point: (sign * point.metric, point.trial_id))


def parallel_plot(
    points: Sequence[PlotPoint],
    params: Sequence[str],
    metric: str,
    *,
    maximize: bool,
    space: Mapping[str, Param] | None = None,
    top: int = TOP_TRIALS,
) -> ParallelPlot:
    """The plot of every point with a finite metric; categorical values jittered by trial id."""
    finite = [point for point in points if math.isfinite(point.metric)]
    space = space or {}
    axes = [
        axis_for(name, [point.config.get(name) for point in finite], space.get(name))
        for name in params
    ]
    metric_axis = numeric_axis(metric, [point.metric for point in finite])
    order = ranked(finite, maximize=maximize)
    lines = []
    for position, point in reversed(list(enumerate(order))):
        shares = [axis.share(point.config.get(axis.name), point.trial_id) for axis in axes]
        metric_share = metric_axis.share(point.metric) or 0.0
        quality = metric_share if maximize else 1.0 - metric_share
        rank = position + 1 if position < top else None
        lines.append(TrialLine(point.trial_id, (*shares, metric_share), quality, rank))
    return ParallelPlot((*axes, metric_axis), tuple(lines), maximize)


def params_per_page(width: int) -> int:
    """How many hyperparameter axes fit beside the metric's in `width` columns."""
    return max(1, width // MIN_AXIS_COLUMNS - 1)


def axis_pages(param_count: int, width: int) -> list[range]:
    """The hyperparameter axes of each page, in order (the metric's axis is on every page): as
    few pages as fit `width`, as even as can be (8 axes on two pages: 4 and 4, not 7 and 1)."""
    if param_count == 0:
        return [range(0)]
    pages = math.ceil(param_count / params_per_page(width))
    cuts = [round(page * param_count / pages) for page in range(pages + 1)]
    return [range(start, end) for start, end in itertools.pairwise(cuts)]


def axis_columns(axis_count: int, width: int) -> list[int]:
    """The column of each axis, the first at 0; the last leaves room for its labels on its right."""
    if axis_count < 2:
        return [0] * axis_count
    margin = min(MIN_AXIS_COLUMNS, width // axis_count)
    return [round(index * (width - margin) / (axis_count - 1)) for index in range(axis_count)]
