"""The heat grid of a metric over two hyperparameters: bins along each axis (a bin per category,
equal widths otherwise, in log10 on a log axis) and, in each cell, how many trials fell in it,
their mean metric and their best."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from tuneterm.domain.plots.axis import PlotAxis, category_key

MOST_BINS = 8
"""Bins along a numeric axis at most (fewer when fewer distinct values were seen)."""


class Statistic(StrEnum):
    """What colours a heat-grid cell."""

    MEAN = "mean"
    BEST = "best"


@dataclass(frozen=True, slots=True)
class Bins:
    """An axis cut into `count` bins."""

    axis: PlotAxis
    count: int

    def index(self, value: object) -> int | None:
        """The bin `value` falls in (None: it has no place on the axis)."""
        if self.axis.is_categorical:
            return self.axis.slot(value)
        share = self.axis.share(value)
        if share is None:
            return None
        return min(self.count - 1, max(0, math.floor(share * self.count)))

    def edges(self, index: int) -> tuple[float, float]:
        """A numeric bin's lower and upper value."""
        return self.axis.value_at(index / self.count), self.axis.value_at((index + 1) / self.count)


def bins_for(axis: PlotAxis, values: Iterable[object], most: int = MOST_BINS) -> Bins:
    """A bin per category, else at most `most` bins, no more than distinct `values` were seen."""
    if axis.is_categorical:
        return Bins(axis, len(axis.categories))
    distinct = {category_key(value) for value in values if axis.share(value) is not None}
    return Bins(axis, max(1, min(most, len(distinct))))


@dataclass(frozen=True, slots=True)
class HeatCell:
    """The trials in one cell."""

    count: int
    mean: float
    best: float
    """The best of their metrics, by the sweep's mode."""

    def value(self, statistic: Statistic) -> float:
        return self.mean if statistic is Statistic.MEAN else self.best


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """Cells by (x bin, y bin); a cell no trial fell in is absent."""

    x: Bins
    y: Bins
    cells: Mapping[tuple[int, int], HeatCell]
    maximize: bool

    def span(self, statistic: Statistic) -> tuple[float, float] | None:
        """The lowest and highest value over the cells (None when there is no cell)."""
        values = [cell.value(statistic) for cell in self.cells.values()]
        return (min(values), max(values)) if values else None

    def level(self, value: float, statistic: Statistic, levels: int) -> int:
        """0 (worst) to `levels - 1` (best) of the grid's span, by the sweep's mode."""
        span = self.span(statistic)
        if span is None or span[1] == span[0]:
            return levels - 1
        share = (value - span[0]) / (span[1] - span[0])
        share = share if self.maximize else 1.0 - share
        return min(levels - 1, max(0, math.floor(share * levels)))


def heat_grid(
    points: Iterable[tuple[object, object, float]], x: Bins, y: Bins, *, maximize: bool
) -> HeatGrid:
    """Each (x value, y value, metric) point in its cell; non-finite metrics are left out."""
    groups: dict[tuple[int, int], list[float]] = {}
    for x_value, y_value, metric in points:
        column, row = x.index(x_value), y.index(y_value)
        if column is not None and row is not None and math.isfinite(metric):
            groups.setdefault((column, row), []).append(metric)
    cells = {
        key: HeatCell(
            len(values), statistics.fmean(values), max(values) if maximize else min(values)
        )
        for key, values in groups.items()
    }
    return HeatGrid(x, y, cells, maximize)
