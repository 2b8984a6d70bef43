"""The heat grid of a metric over two hyperparameters: bins along each axis (a bin per category,
equal widths otherwise, in log10 on a log axis) and, in each cell, how many trials fell in it,
their mean metric and their best. A choice of more values than there is room for keeps a bin for
each of its most frequent values and puts the rest together in the last bin, "other"."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tuneterm.domain.plots.axis import PlotAxis, category_key

MOST_BINS = 8
"""Bins along a numeric axis at most (fewer when fewer distinct values were seen)."""
Point = tuple[object, object, float]
"""A trial in the grid: its x value, its y value, its metric."""


class Statistic(StrEnum):
    """What colours a heat-grid cell."""

    MEAN = "mean"
    BEST = "best"


@dataclass(frozen=True, slots=True)
class Bins:
    """An axis cut into `count` bins."""

    axis: PlotAxis
    count: int
    kept: tuple[Any, ...] | None = None
    """A categorical axis with more categories than bins: the categories with a bin of their
    own, in the axis's order, the rest sharing the last bin ("other"); None: a bin per category."""
    _kept_bins: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def index(self, value: object) -> int | None:
        """The bin `value` falls in (None: it has no place on the axis)."""
        if self.axis.is_categorical:
            slot = self.axis.slot(value)
            if slot is None or self.kept is None:
                return slot
            return self._kept_bins.get(category_key(value), self.count - 1)
        share = self.axis.share(value)
        if share is None:
            return None
        return min(self.count - 1, max(0, math.floor(share * self.count)))

    def edges(self, index: int) -> tuple[float, float]:
        """A numeric bin's lower and upper value."""
        return self.axis.value_at(index / self.count), self.axis.value_at((index + 1) / self.count)

    @property
    def grouped(self) -> int:
        """How many categories share the last bin, "other" (0: each has a bin of its own)."""
        return 0 if self.kept is None else len(self.axis.categories) - len(self.kept)

    def category(self, index: int) -> Any:
        """The category of bin `index` of a categorical axis (the last bin may be "other")."""
        return self.axis.categories[index] if self.kept is None else self.kept[index]


def bins_for(axis: PlotAxis, values: Iterable[object], most: int = MOST_BINS) -> Bins:
    """A bin per category while there are at most `most` (else the `most - 1` most frequent
    among `values` and "other"); on a numeric axis at most `most` bins, no more than distinct
    `values` were seen."""
    if axis.is_categorical:
        if len(axis.categories) <= max(2, most):
            return Bins(axis, len(axis.categories))
        return _grouped(axis, values, max(2, most))
    distinct = {category_key(value) for value in values if axis.share(value) is not None}
    return Bins(axis, max(1, min(most, len(distinct))))


def _grouped(axis: PlotAxis, values: Iterable[object], count: int) -> Bins:
    """`count - 1` bins for the most frequent categories (the earlier one on a tie), one for the
    rest."""
    seen = Counter(slot for value in values if (slot := axis.slot(value)) is not None)
    slots = sorted(range(len(axis.categories)), key=lambda slot: (-seen[slot], slot))
    kept = sorted(slots[: count - 1])
    bins = {category_key(axis.categories[slot]): index for index, slot in enumerate(kept)}
    return Bins(axis, count, tuple(axis.categories[slot] for slot in kept), bins)


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


@dataclass(frozen=True, slots=True)
class PairPoints:
    """The trials of a heat grid before binning: the grid is cut to the room it has."""

    x: PlotAxis
    y: PlotAxis
    points: tuple[Point, ...]
    maximize: bool

    def grid(self, most_x: int = MOST_BINS, most_y: int = MOST_BINS) -> HeatGrid:
        """The grid of at most `most_x` columns and `most_y` rows (a numeric axis at most
        `MOST_BINS`)."""
        x_bins = self._bins(self.x, [x for x, _, _ in self.points], most_x)
        y_bins = self._bins(self.y, [y for _, y, _ in self.points], most_y)
        return heat_grid(self.points, x_bins, y_bins, maximize=self.maximize)

    @staticmethod
    def _bins(axis: PlotAxis, values: list[object], most: int) -> Bins:
        return bins_for(axis, values, most if axis.is_categorical else min(MOST_BINS, most))
