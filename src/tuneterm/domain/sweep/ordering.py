"""How `SweepState.order` sorts trials: the sort keys, and the cache that lets an order outlive
results that do not move anyone."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias

from tuneterm.domain.sweep.rows import FLAGGED, TrialRecord

if TYPE_CHECKING:  # the parser is loaded when a filter is first typed, not at start
    from tuneterm.domain.filter import TrialFilter

_STATE_ORDER = (
    "running",
    "paused",
    "pending",
    "completed",
    "scheduler",
    "user",
    "rule",
    "interrupted",
    "error",
)
_STATE_RANK = {category: rank for rank, category in enumerate(_STATE_ORDER)}
_MISSING = object()

FILTERED_OUT = object()
"""The sort key of a trial that the state filter or the filter expression hides."""

KeyFunction = Callable[[TrialRecord], Any]
Shown = Callable[[TrialRecord], bool] | None
"""Whether the filters show a record; None when nothing is filtered."""
OrderParams: TypeAlias = "tuple[str, bool, str | None, TrialFilter | None]"
"""Sort key, descending, state filter, filter expression."""


@dataclass(frozen=True, slots=True)
class OrderCache:
    """The last order `SweepState.order` computed, and every trial's sort key in it."""

    params: OrderParams
    keys: dict[str, Any]
    """Trial id -> its sort key, or FILTERED_OUT."""
    order: list[str]


def key_function(sort_key: str, now: float) -> KeyFunction:
    """The sort key of a record for `sort_key` ("trial_id", "state", "iteration", "last", "best",
    "runtime" at `now`, "param:<name>", or "metric:<name>": a further metric's last value);
    ValueError for another."""
    if sort_key.startswith("param:"):
        name = sort_key.removeprefix("param:")
        return lambda r: param_key(r.config.get(name, _MISSING))
    if sort_key.startswith("metric:"):
        metric = sort_key.removeprefix("metric:")
        return lambda r: r.others.get(metric) if r.others else None
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


def shown_test(params: OrderParams, primary: str, now: float) -> Shown:
    """What shows a record under `params`' state filter and expression (None: everything);
    `primary` names the sweep's first metric, `now` is the time runtimes are measured to."""
    state_filter, where = params[2], params[3]
    in_state = _state_test(state_filter)
    if where is None:
        return in_state
    matches = where.matches
    if in_state is None:
        return lambda r: matches(r.snapshot(), primary, now)
    return lambda r: in_state(r) and matches(r.snapshot(), primary, now)


def _state_test(state_filter: str | None) -> Shown:
    """What shows a record in `state_filter`'s category (FLAGGED: one a health rule flags)."""
    if state_filter is None:
        return None
    if state_filter == FLAGGED:
        return lambda r: r.health.rule is not None
    return lambda r: r.category == state_filter


def filtered_key(key_of: KeyFunction, record: TrialRecord, shown: Shown) -> Any:
    """The record's sort key, or FILTERED_OUT when `shown` hides it."""
    if shown is not None and not shown(record):
        return FILTERED_OUT
    return key_of(record)


def still_holds(
    cache: OrderCache,
    records: Mapping[str, TrialRecord],
    changed_trial_ids: set[str],
    primary: str,
) -> bool:
    """Whether `cache` is still the order: no trial came or went, no changed one's key moved
    and none came into or went out of the filters' view."""
    if len(cache.keys) != len(records):
        return False
    key_of = key_function(cache.params[0], 0.0)
    shown = shown_test(cache.params, primary, 0.0)
    return all(
        filtered_key(key_of, records[trial_id], shown) == cache.keys.get(trial_id, FILTERED_OUT)
        for trial_id in changed_trial_ids
        if trial_id in records
    )


def current_keys(
    cache: OrderCache | None,
    params: OrderParams,
    records: Mapping[str, TrialRecord],
    changed_trial_ids: set[str],
    key_of: KeyFunction,
    shown: Shown,
) -> dict[str, Any]:
    """Every trial's sort key (or FILTERED_OUT): the cached one of each trial unchanged since
    `cache` was computed for the same `params`, a fresh one for the others."""
    if cache is None or cache.params != params:
        return {
            trial_id: filtered_key(key_of, record, shown) for trial_id, record in records.items()
        }
    keys = dict(cache.keys)
    for trial_id in changed_trial_ids:
        if trial_id in records:
            keys[trial_id] = filtered_key(key_of, records[trial_id], shown)
    if len(keys) != len(records):
        for trial_id, record in records.items():
            if trial_id not in keys:
                keys[trial_id] = filtered_key(key_of, record, shown)
    return keys


def sorted_ids(
    keys: Mapping[str, Any], records: Mapping[str, TrialRecord], descending: bool
) -> list[str]:
    """The ids of the trials shown, by key; None keys last, ties in the order trials appeared."""
    keyed: list[tuple[Any, str]] = []
    missing: list[str] = []
    for trial_id in records:
        key = keys[trial_id]
        if key is FILTERED_OUT:
            continue
        if key is None:
            missing.append(trial_id)
        else:
            keyed.append((key, trial_id))
    keyed.sort(key=itemgetter(0), reverse=descending)
    return [trial_id for _, trial_id in keyed] + missing


def param_key(value: Any) -> tuple[int, float, str] | None:
    """Numbers before strings before anything else; a missing value (or NaN) is None."""
    if value is _MISSING or value is None:
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) else (0, float(value), "")
    return (1, 0.0, value) if isinstance(value, str) else (2, 0.0, repr(value))
