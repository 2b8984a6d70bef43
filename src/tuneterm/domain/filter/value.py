"""What filter expressions compute with: a trial's values, and comparisons that never raise.

A missing value is `MISSING`, unlike None (a hyperparameter may be set to None): every comparison
with it is false. Values that cannot be ordered (a string and a number, a state) compare false.
Matching runs for every trial on each refresh while a filter is set: this is kept to plain calls.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from tuneterm.domain.health import HEALTHY
from tuneterm.domain.sweep.rows import TrialRow


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""A value the trial does not have (yet)."""

Getter = Callable[[TrialRow, str, float], Any]
"""A value of a row, given the sweep's first metric's name and the time now."""
Comparison = Callable[[Any, Any], bool]


@dataclass(frozen=True, slots=True)
class State:
    """A trial's state, equal to each of its names: "stopped@2", "stopped" and "scheduler"."""

    label: str
    """What the table shows."""
    names: frozenset[str]

    def equals(self, other: Any) -> bool:
        return isinstance(other, str) and other in self.names


def state_of(row: TrialRow) -> State:
    category = row.category
    if category == "rule":
        return _state(category, None, row.health_rule)
    return _state(category, row.stop_iteration if category == "scheduler" else None)


@lru_cache(maxsize=256)
def _state(category: str, stop_iteration: int | None, rule: str | None = None) -> State:
    """One State per (category, rung or health rule): matching builds none."""
    if rule is not None:  # stopped by a health rule: "rule:nan" and "rule" alike
        return State(f"rule:{rule}", frozenset((f"rule:{rule}", category)))
    if category != "scheduler":
        return State(category, frozenset((category,)))
    label = "stopped" if stop_iteration is None else f"stopped@{stop_iteration}"
    return State(label, frozenset((label, category, "stopped")))


def present(value: Any) -> Any:
    """`value`, or MISSING for None (an unreported metric, a runtime not known)."""
    return MISSING if value is None else value


def metric_or_param(name: str) -> Getter:
    """The getter of a name that is no built-in: a metric's last value, else a hyperparameter."""

    def get(row: TrialRow, primary: str, now: float) -> Any:
        if name == primary:
            return MISSING if row.last_metric is None else row.last_metric
        others = row.others
        value = others.get(name, MISSING) if others else MISSING
        return row.config.get(name, MISSING) if value is MISSING else value

    return get


BUILTINS: dict[str, Getter] = {
    "state": lambda row, primary, now: state_of(row),
    "iter": lambda row, primary, now: row.iteration,
    "trial": lambda row, primary, now: row.trial_id,
    "best": lambda row, primary, now: present(row.best_metric),
    "last": lambda row, primary, now: present(row.last_metric),
    "runtime": lambda row, primary, now: present(row.runtime(now)),
    "health": lambda row, primary, now: row.health_rule or HEALTHY,
}
"""The names every expression may use, and what each reads."""


def truthy(value: Any) -> bool:
    """The truth of a value used as a test: a missing one is false."""
    if value is MISSING:
        return False
    if type(value) is State:
        return True
    try:
        return bool(value)
    except Exception:  # a value from a config is plain data; be safe all the same
        return False


def negative(value: Any) -> Any:
    """`-value` for a number, else MISSING."""
    return -value if isinstance(value, int | float) else MISSING


def positive(value: Any) -> Any:
    """`+value` for a number, else MISSING."""
    return +value if isinstance(value, int | float) else MISSING


def equal(left: Any, right: Any) -> bool:
    if type(left) is State:
        return left.equals(right)
    if type(right) is State:
        return right.equals(left)
    try:
        return bool(left == right)
    except Exception:
        return False


def member(container: Any, item: Any) -> bool | None:
    """Whether `item` is in a list of values or a string; None where the question does not
    apply (a number is no container; only a string is in a string)."""
    if isinstance(container, tuple | list):
        if type(item) is State:
            return not item.names.isdisjoint(container)
        try:
            return item in container
        except Exception:
            return False
    if type(container) is State:
        return isinstance(item, str) and any(item in name for name in container.names)
    if not isinstance(container, str):
        return None
    if type(item) is State:
        return any(name in container for name in item.names)
    return item in container if isinstance(item, str) else None


def _equal_values(left: Any, right: Any) -> bool:
    return left is not MISSING and right is not MISSING and equal(left, right)


def _different_values(left: Any, right: Any) -> bool:
    return left is not MISSING and right is not MISSING and not equal(left, right)


def _in(left: Any, right: Any) -> bool:
    return left is not MISSING and right is not MISSING and member(right, left) is True


def _not_in(left: Any, right: Any) -> bool:
    return left is not MISSING and right is not MISSING and member(right, left) is False


def _ordering(order: Callable[[Any, Any], Any]) -> Comparison:
    def compare(left: Any, right: Any) -> bool:
        try:
            return bool(order(left, right))
        except Exception:  # a string and a number, a missing value, a state: not ordered
            return False

    return compare


COMPARISONS: dict[str, Comparison] = {
    "Eq": _equal_values,
    "NotEq": _different_values,
    "Lt": _ordering(operator.lt),
    "LtE": _ordering(operator.le),
    "Gt": _ordering(operator.gt),
    "GtE": _ordering(operator.ge),
    "In": _in,
    "NotIn": _not_in,
}
"""Each comparison operator, by the name of its `ast` node class."""
