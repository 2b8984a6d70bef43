"""How `SweepState.order` sorts trials: the sort keys, and the cache that lets an order outlive
results that do not move anyone."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.sweep.rows import TrialRecord

_STATE_ORDER = (
    "running",
    "paused",
    "pending",
    "completed",
    "scheduler",
    "user",
    "interrupted",
    "error",
)
_STATE_RANK = {category: rank for rank, category in enumerate(_STATE_ORDER)}
_MISSING = object()

FILTERED_OUT = object()
"""The sort key of a trial that the state filter hides."""

KeyFunction = Callable[[TrialRecord], Any]


@dataclass(frozen=True, slots=True)
class OrderCache:
    """The last order `SweepState.order` computed, and every trial's sort key in it."""

    params: tuple[str, bool, str | None]
    """Sort key, descending, state filter."""
    keys: dict[str, Any]
    """Trial id -> its sort key, or FILTERED_OUT."""
    order: list[str]


def key_function(sort_key: str, now: float) -> KeyFunction:
    """The sort key of a record for `sort_key` ("trial_id", "state", "iteration", "last", "best",
    "runtime" at `now`, or "param:<name>"); ValueError for another."""
    if sort_key.startswith("param:"):
        name = sort_key.removeprefix("param:")
        return lambda r: param_key(r.config.get(name, _MISSING))
    keys: dict[str, KeyFunction] = {
        "trial_id": lambda r: r.trial_id,
        "state": lambda r: (_STATE_RANK[r.category], r.stop_iteration or 0),
        "iteration": lambda r: r.iteration,
        "last": lambda r: r.last_metric,
        "best": lambda r: r.best_metric,
        "runtime": lambda r: r.runtime(now),
    }
    if sort_key not in keys:
        raise ValueError(f"unknown sort key {sort_key!r}")
    return keys[sort_key]


def filtered_key(key_of: KeyFunction, record: TrialRecord, state_filter: str | None) -> Any:
    """The record's sort key, or FILTERED_OUT when `state_filter` hides it."""
    if state_filter is not None and record.category != state_filter:
        return FILTERED_OUT
    return key_of(record)


def still_holds(
    cache: OrderCache, records: Mapping[str, TrialRecord], changed_trial_ids: set[str]
) -> bool:
    """Whether `cache` is still the order: no trial came or went, no changed one's key moved."""
    if len(cache.keys) != len(records):
        return False
    key_of = key_function(cache.params[0], 0.0)
    state_filter = cache.params[2]
    return all(
        filtered_key(key_of, records[trial_id], state_filter)
        == cache.keys.get(trial_id, FILTERED_OUT)
        for trial_id in changed_trial_ids
        if trial_id in records
    )


def param_key(value: Any) -> tuple[int, float, str] | None:
    """Numbers before strings before anything else; a missing value (or NaN) is None."""
    if value is _MISSING or value is None:
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) else (0, float(value), "")
    return (1, 0.0, value) if isinstance(value, str) else (2, 0.0, repr(value))
