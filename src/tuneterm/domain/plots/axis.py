"""`PlotAxis`: where a hyperparameter's or a metric's value sits along an axis, as a share of the
axis (0 at the low end, 1 at the high end): linear, log, or one slot per category.

The search space decides the kind when there is one: log-uniform parameters get a log axis,
choices and grids (and narrow randints) a slot per value. Without it, the values seen decide.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from tuneterm.domain.config.space import Param

MOST_SLOTS = 12
"""A discrete parameter with at most this many possible values gets one slot per value."""
LOG_SPAN = 100.0
"""Without a search space, positive values whose largest is this many times the smallest are
shown on a log axis."""
JITTER = 0.3
"""How far a point may move sideways from its slot's centre, as a share of the slot's width."""


class AxisKind(StrEnum):
    LINEAR = "linear"
    LOG = "log"
    CATEGORICAL = "categorical"


@dataclass(frozen=True, slots=True)
class PlotAxis:
    """One axis: its kind, and its range or its categories."""

    name: str
    kind: AxisKind
    low: float = 0.0
    """The low end: a value, or its log10 on a log axis; unused on a categorical axis."""
    high: float = 1.0
    categories: tuple[Any, ...] = ()
    """A categorical axis's values, from the low end up, one slot each."""
    slots: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    """`category_key(value)` -> its slot."""

    @property
    def is_categorical(self) -> bool:
        return self.kind is AxisKind.CATEGORICAL

    def slot(self, value: object) -> int | None:
        """The slot of `value` on a categorical axis (None: not one of its categories)."""
        return self.slots.get(category_key(value))

    def share(self, value: object, jitter_key: str | None = None) -> float | None:
        """Where `value` sits, 0 to 1; None where it cannot (missing, not a category, not
        positive on a log axis). A category sits at its slot's centre, moved sideways by
        `jitter(jitter_key)` when a key is given, so that equal values do not hide each other."""
        if self.is_categorical:
            slot = self.slot(value)
            if slot is None:
                return None
            offset = jitter(jitter_key) if jitter_key is not None else 0.0
            return (slot + 0.5 + offset) / len(self.categories)
        if not is_finite_number(value) or (self.kind is AxisKind.LOG and value <= 0):
            return None
        return (self._scaled(float(value)) - self.low) / (self.high - self.low)

    def value_at(self, share: float) -> float:
        """The value at `share` of a numeric axis (for ticks and bin edges)."""
        scaled = self.low + share * (self.high - self.low)
        return 10**scaled if self.kind is AxisKind.LOG else scaled

    def _scaled(self, value: float) -> float:
        return math.log10(value) if self.kind is AxisKind.LOG else value


def is_finite_number(value: object) -> TypeGuard[int | float]:
    """An int or float (never a bool) that is finite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def category_key(value: object) -> str:
    """What tells categories apart: `True` is not `1`, and `1` is not `1.0`."""
    return repr(value)


def value_order(value: object) -> tuple[int, float, str]:
    """Sorts categories: booleans (False first), then numbers ascending, then the rest by repr."""
    if isinstance(value, bool):
        return (0, float(value), "")
    if isinstance(value, int | float) and not math.isnan(value):
        return (1, float(value), "")
    return (2, 0.0, repr(value))


def jitter(key: str) -> float:
    """A sideways offset within [-JITTER, JITTER] of a slot, the same for a key on every run
    (not Python's `hash`, which changes from one process to the next)."""
    return (zlib.crc32(key.encode()) / 0xFFFFFFFF * 2.0 - 1.0) * JITTER


def wants_log(values: Iterable[float]) -> bool:
    """Whether positive values spread over more than `LOG_SPAN` (any value <= 0 rules it out)."""
    numbers = list(values)
    return bool(numbers) and min(numbers) > 0 and max(numbers) / min(numbers) > LOG_SPAN


def categorical_axis(name: str, values: Iterable[object]) -> PlotAxis:
    """One slot per distinct value, in `value_order`."""
    distinct = {category_key(v): v for v in values}
    categories = tuple(sorted(distinct.values(), key=value_order))
    slots = {category_key(value): index for index, value in enumerate(categories)}
    return PlotAxis(name, AxisKind.CATEGORICAL, categories=categories, slots=slots)


def numeric_axis(name: str, values: Iterable[float], *, log: bool = False) -> PlotAxis:
    """From the smallest value to the largest (in log10 on a log axis); a single value gets a
    unit of room around it."""
    kind = AxisKind.LOG if log else AxisKind.LINEAR
    scaled = [
        math.log10(v) if log else v for v in values if math.isfinite(v) and (v > 0 or not log)
    ]
    low, high = (min(scaled), max(scaled)) if scaled else (0.0, 1.0)
    if high == low:
        low, high = low - 0.5, high + 0.5
    return PlotAxis(name, kind, low, high)


def axis_for(name: str, values: Sequence[object], param: Param | None = None) -> PlotAxis:
    """The axis that suits a hyperparameter: its search-space entry decides when given (`param`),
    else the values seen."""
    present = [value for value in values if value is not None]
    kind = space_kind(param) if param is not None else seen_kind(present)
    if kind is AxisKind.CATEGORICAL:
        return categorical_axis(name, [*_possible_values(param), *present])
    numbers = [float(value) for value in present if is_finite_number(value)]
    if not numbers and param is not None and param.kind != "constant":
        numbers = [float(bound) for bound in param.values[:2]]
    return numeric_axis(name, numbers, log=kind is AxisKind.LOG)


def space_kind(param: Param) -> AxisKind:
    """Log for log-uniform; a slot per value for choice, grid, a constant, or a randint of at
    most `MOST_SLOTS` values; linear otherwise."""
    if param.kind in ("choice", "grid", "constant"):
        return AxisKind.CATEGORICAL
    if param.kind == "randint" and param.values[1] - param.values[0] < MOST_SLOTS:
        return AxisKind.CATEGORICAL
    return AxisKind.LOG if param.kind == "loguniform" else AxisKind.LINEAR


def seen_kind(values: Sequence[object]) -> AxisKind:
    """Without a search space: anything but numbers, or few distinct integers, or few distinct
    numbers each seen at least twice on average, get slots; numbers spread wide a log axis."""
    if not all(is_finite_number(value) for value in values):
        return AxisKind.CATEGORICAL
    distinct = len({category_key(value) for value in values})
    integers = all(isinstance(value, int) for value in values)
    if values and distinct <= MOST_SLOTS and (integers or len(values) >= 2 * distinct):
        return AxisKind.CATEGORICAL
    numbers = [float(value) for value in values if is_finite_number(value)]
    return AxisKind.LOG if wants_log(numbers) else AxisKind.LINEAR


def _possible_values(param: Param | None) -> tuple[Any, ...]:
    if param is None:
        return ()
    if param.kind == "randint":
        return tuple(range(int(param.values[0]), int(param.values[1]) + 1))
    return param.values if param.kind in ("choice", "grid", "constant") else ()
