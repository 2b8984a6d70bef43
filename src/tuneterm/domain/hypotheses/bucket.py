"""Grouping trials by a hyperparameter's value, so groups of trials can be compared.

- choice, grid, constant: one group per listed value, in the order the config lists them (numbers
  in ascending order); a value the list does not hold gets a group after the listed ones.
- loguniform: one group per decade, e.g. "1e-4 to 1e-3" (a power of ten opens its decade).
- uniform, quniform, randint: one group per distinct value the trials took while there are at most
  `MAX_DISTINCT` of them, else `BINS` equal-width bins over the parameter's [low, high]
  (a value on an inner edge may fall either side of it, as floating point rounds).
- no Param (a parameter the config does not describe): numbers are treated like `uniform` over the
  values seen, anything else like `choice` in the order first seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.config.space import Param, is_number, same_value
from tuneterm.domain.text import number, one_line

MAX_DISTINCT = 6
"""Up to this many distinct values of a continuous parameter, each value is its own group."""
BINS = 4
"""Above `MAX_DISTINCT` distinct values, a continuous range is cut into this many bins."""

_LISTED = ("choice", "grid", "constant")


@dataclass(frozen=True, slots=True)
class Bucket:
    """One group of a parameter's values."""

    label: str
    """How the group is shown, e.g. "adam", "true", "1e-4 to 1e-3", "0.1 to 0.2"."""
    key: float
    """Sorts the groups and tells them apart: the value itself (numbers), the lower edge (decades,
    bins), or the position in the config's list (other values)."""


@dataclass(frozen=True, slots=True)
class Bucketer:
    """Says which group a value belongs to; build one with `bucketer`."""

    strategy: str
    """"listed" (one group per value), "decade" or "bins"."""
    numeric: bool
    """Whether keys are on the parameter's own scale, so "higher" and "lower" mean something."""
    listed: tuple[Any, ...] = ()
    """"listed": the values, in group order."""
    low: float = 0.0
    """"bins": the lower edge of the first bin."""
    width: float = 1.0
    """"bins": the width of each bin."""

    def bucket(self, value: Any) -> Bucket:
        """The group `value` belongs to (a value no trial took still gets one, holding nobody)."""
        if self.strategy != "listed" and not is_number(value):
            return Bucket(value_label(value), math.nan)  # a NaN key matches no group
        if self.strategy == "decade":
            return _decade(float(value))
        if self.strategy == "bins":
            return self._bin(float(value))
        return self._listed(value)

    def _bin(self, value: float) -> Bucket:
        index = min(max(math.floor((value - self.low) / self.width), 0), BINS - 1)
        lower, upper = self.low + index * self.width, self.low + (index + 1) * self.width
        return Bucket(f"{number(lower)} to {number(upper)}", lower)

    def _listed(self, value: Any) -> Bucket:
        index = next((i for i, v in enumerate(self.listed) if same_value(v, value)), None)
        if self.numeric and is_number(value):
            return Bucket(value_label(value), float(value))
        return Bucket(value_label(value), float(len(self.listed) if index is None else index))


def bucketer(param: Param | None, values: Sequence[Any]) -> Bucketer:
    """How to group `values` (those the trials took) of the parameter `param` describes."""
    if param is None:
        if values and all(is_number(value) for value in values):
            return _continuous(min(values), max(values), values)
        return _listing(_distinct(values))
    if param.kind in _LISTED:
        return _listing(_distinct([*param.values, *values]))
    if param.kind == "loguniform" and all(is_number(v) and v > 0 for v in values):
        return Bucketer("decade", numeric=True)
    return _continuous(param.values[0], param.values[1], values)


def value_label(value: Any) -> str:
    """A parameter value as a group label: "true", "adam", "64", "0.001" (4 significant digits)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    return one_line(str(value), 60)


def _listing(values: list[Any]) -> Bucketer:
    if values and all(is_number(value) for value in values):
        return Bucketer("listed", numeric=True, listed=tuple(sorted(values)))
    return Bucketer("listed", numeric=False, listed=tuple(values))


def _continuous(low: float, high: float, values: Sequence[Any]) -> Bucketer:
    distinct = _distinct(values)
    if len(distinct) <= MAX_DISTINCT or not all(is_number(value) for value in distinct):
        return _listing(distinct)
    width = (high - low) / BINS
    return Bucketer("bins", numeric=True, low=low, width=width if width > 0 else 1.0)


def _decade(value: float) -> Bucket:
    exponent = math.floor(math.log10(value))
    # log10 may round an exact power of ten to just below it, or a value just below one up to it.
    if 10.0**exponent > value:
        exponent -= 1
    elif 10.0 ** (exponent + 1) <= value:
        exponent += 1
    return Bucket(f"1e{exponent} to 1e{exponent + 1}", 10.0**exponent)


def _distinct(values: Sequence[Any]) -> list[Any]:
    distinct: list[Any] = []
    for value in values:
        if not any(same_value(value, seen) for seen in distinct):
            distinct.append(value)
    return distinct
