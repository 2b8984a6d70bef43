"""The last and best values of a sweep's further metrics (beyond the first, which the store's
`trials` table keeps), read from the results in a store.

SQLite finds each trial's best in one grouped query over the results (`json_extract`), and each
trial's last value is in its last result; only a trial whose last result lacks a metric is looked
up again. Results SQLite cannot read as JSON (a NaN written through the Store API) or values that
are not numbers are decoded in Python instead, a slower pass over every result.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeGuard

from tuneterm.domain.sweep.metrics import Objective
from tuneterm.storage.store import Store

Further = dict[str, tuple[dict[str, float], dict[str, float]]]
"""Per trial id: the last and the best finite value of each further metric, by name."""

_BATCH = 50_000


class _NotNumbers(Exception):
    """A best value SQLite found is no number: the results hold text or tables there."""


def further_values(
    store: Store, objectives: Sequence[Objective], finals: Mapping[str, Mapping[str, float]]
) -> Further:
    """The further `objectives`' last and best values by trial; `finals` holds each trial's
    last result (its finite numbers)."""
    if not objectives:
        return {}
    if any('"' in name for name in objectives_names(objectives)):
        return _decoded(store, objectives)
    try:
        bests = _sql_bests(store, objectives)
    except (sqlite3.OperationalError, _NotNumbers):
        return _decoded(store, objectives)
    further: Further = {}
    for trial_id, best in bests.items():
        final = finals.get(trial_id, {})
        last = {name: final.get(name) for name in best}
        for name, value in last.items():
            if value is None:
                last[name] = _last_value(store, trial_id, name)
        further[trial_id] = ({k: v for k, v in last.items() if v is not None}, best)
    return further


def objectives_names(objectives: Sequence[Objective]) -> list[str]:
    return [name for name, _ in objectives]


def _sql_bests(store: Store, objectives: Sequence[Objective]) -> dict[str, dict[str, float]]:
    """Each trial's best value of each objective, by that objective's mode."""
    aggregates = ", ".join(
        f"{'MAX' if mode == 'max' else 'MIN'}(json_extract(data, ?))" for _, mode in objectives
    )
    paths = [_path(name) for name, _ in objectives]
    rows = store.query(
        f"SELECT trial_id, {aggregates} FROM events WHERE kind = 'result' GROUP BY trial_id",
        paths,
    )
    bests: dict[str, dict[str, float]] = {}
    for trial_id, *values in rows:
        best = {}
        for (name, _), value in zip(objectives, values, strict=True):
            if value is None:
                continue
            if not _is_finite(value):
                raise _NotNumbers(name)
            best[name] = value
        bests[trial_id] = best
    return bests


def _last_value(store: Store, trial_id: str, name: str) -> float | None:
    """The metric's last number in the trial's results (its last result lacked it)."""
    rows = store.query(
        "SELECT json_extract(data, ?1) FROM events WHERE kind = 'result' AND trial_id = ?2"
        " AND typeof(json_extract(data, ?1)) IN ('integer', 'real') ORDER BY seq DESC LIMIT 1",
        (_path(name), trial_id),
    )
    return float(rows[0][0]) if rows else None


def _path(name: str) -> str:
    return f'$."{name}"'


def _decoded(store: Store, objectives: Sequence[Objective]) -> Further:
    """The same, folded over every result decoded in Python."""
    further: Further = {}
    for trial_id, metrics in _every_result(store):
        last, best = further.setdefault(trial_id, ({}, {}))
        for name, mode in objectives:
            value = metrics.get(name)
            if not _is_finite(value):
                continue
            last[name] = number = value
            incumbent = best.get(name)
            if incumbent is None or (number > incumbent if mode == "max" else number < incumbent):
                best[name] = number
    return further


def _every_result(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    seq = 0
    sql = (
        "SELECT seq, trial_id, data FROM events WHERE kind = 'result' AND seq > ?"
        " ORDER BY seq LIMIT ?"
    )
    while rows := store.query(sql, (seq, _BATCH)):
        seq = rows[-1][0]
        for _, trial_id, data in rows:
            metrics = json.loads(data)
            yield trial_id, metrics if isinstance(metrics, dict) else {}


def _is_finite(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
