"""Reading a sweep's several metrics out of its results, for the dashboard and the journal.

`tail_metrics` is `Store.tail` for a sweep that weighs several metrics: result events carry each
of them, so that the live state knows every trial's value of each (the table's columns, the Pareto
view). `LastReports` keeps, per trial, its last report that carries a finite value of every
metric: one consistent vector for the journal's Pareto front (domain.pareto). Both read a batch of
new events at a time and let SQLite extract the few values: no result is decoded whole.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, TypeGuard

from tuneterm.domain.events import Event, EventKind
from tuneterm.storage.store import Store, gc_paused

_BATCH = 50_000


def tail_metrics(store: Store, seq: int, metrics: Sequence[str], limit: int) -> list[Event]:
    """Like `store.tail(seq, metric, limit)`, but result events carry each of `metrics` they
    hold (`{}` for none). With one metric it is `store.tail`."""
    if len(metrics) < 2:
        return store.tail(seq, metrics[0] if metrics else "", limit)
    if any('"' in name for name in metrics):
        # A quote would need escaping inside a JSON path; decode in Python (rare, slower).
        return [_narrowed(event, metrics) for event in store.events_since(seq, limit)]
    extracts = "".join(", CASE kind WHEN 'result' THEN json_extract(data, ?) END" for _ in metrics)
    with gc_paused():
        rows = store.query(
            "SELECT seq, time, kind, trial_id, iteration,"
            f" CASE kind WHEN 'result' THEN NULL ELSE data END{extracts}"
            " FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (*(f'$."{name}"' for name in metrics), seq, limit),
        )
        return _events(rows, metrics)


def _events(rows: list[tuple[Any, ...]], metrics: Sequence[str]) -> list[Event]:
    """Events from `tail_metrics`'s rows: (seq, time, kind, trial id, iteration, the data of any
    other event, then each metric's value in a result)."""
    result, loads = EventKind.RESULT, json.loads
    events = []
    for s, t, k, tid, n, d, *values in rows:
        if k != result:
            data = loads(d)
        elif None in values:
            data = {m: v for m, v in zip(metrics, values, strict=True) if v is not None}
        else:
            data = dict(zip(metrics, values, strict=True))
        events.append(Event(s, t, k, tid, n, data))
    return events


def _narrowed(event: Event, metrics: Sequence[str]) -> Event:
    if event.kind != EventKind.RESULT:
        return event
    data = {name: event.data[name] for name in metrics if name in event.data}
    return Event(event.seq, event.time, event.kind, event.trial_id, event.iteration, data)


class LastReports:
    """Trial id -> (iteration, values) of its last complete report of `metrics`."""

    def __init__(self, metrics: Sequence[str]) -> None:
        self.metrics = tuple(metrics)
        self._seen = 0
        """The sequence number of the last event read."""
        self._last: dict[str, tuple[int, tuple[float, ...]]] = {}

    def update(self, store: Store) -> None:
        """Read the results recorded since the last update."""
        if len(self.metrics) < 2:
            return
        while rows := self._read(store):
            self._seen = rows[-1][0]
            for _, trial_id, iteration, *values in rows:
                self._consider(str(trial_id), int(iteration or 0), values)

    def values(self) -> dict[str, tuple[float, ...]]:
        """Trial id -> its value of each metric, in the order of `metrics`."""
        return {trial_id: values for trial_id, (_, values) in self._last.items()}

    def _read(self, store: Store) -> list[tuple[Any, ...]]:
        if any('"' in name for name in self.metrics):
            return self._decoded(store)
        extracts = ", ".join("json_extract(data, ?)" for _ in self.metrics)
        return store.query(
            f"SELECT seq, trial_id, iteration, {extracts} FROM events"
            " WHERE seq > ? AND kind = ? AND trial_id IS NOT NULL ORDER BY seq LIMIT ?",
            (*(f'$."{name}"' for name in self.metrics), self._seen, EventKind.RESULT, _BATCH),
        )

    def _decoded(self, store: Store) -> list[tuple[Any, ...]]:
        """The same rows, decoded in Python: a quote in a name would need escaping in a JSON
        path (rare, slower)."""
        rows = store.query(
            "SELECT seq, trial_id, iteration, data FROM events"
            " WHERE seq > ? AND kind = ? AND trial_id IS NOT NULL ORDER BY seq LIMIT ?",
            (self._seen, EventKind.RESULT, _BATCH),
        )
        decoded = []
        for seq, trial_id, iteration, data in rows:
            report = json.loads(data)
            decoded.append((seq, trial_id, iteration, *(report.get(n) for n in self.metrics)))
        return decoded

    def _consider(self, trial_id: str, iteration: int, values: Sequence[object]) -> None:
        numbers = tuple(float(value) for value in values if _finite(value))
        if len(numbers) < len(values):
            return
        kept = self._last.get(trial_id)
        if kept is None or iteration >= kept[0]:
            self._last[trial_id] = (iteration, numbers)


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
