"""A sweep's metrics read out of a store's results, SQLite extracting the few values needed.

- `tail_metrics`: the events since a sequence number, each result carrying only the sweep's
  metrics (`Store.tail` is this for one metric): how a dashboard catches up with a million results.
- `LastReports`: each trial's last report holding a finite value of every metric (one consistent
  vector for the journal's Pareto front, domain.pareto).
- `further_values`: each trial's last and best value of the further metrics (export, status).
- `result_keys`, `reports_number`: which metrics the results report (export).

A result is stored as the text Python's `json` writes, which holds `NaN` and `Infinity` where a
value was not finite; SQLite's JSON functions refuse such a text ("malformed JSON"), failing the
whole query (SQLite 3.42 on reads it as JSON5, but makes a NaN a NULL). So the queries here
extract values only from results SQLite reads as JSON (`json_valid`, nearly free beside
`json_extract` thanks to SQLite's parse cache: about a tenth more) and hand back the text of the
others, which Python decodes: only those are decoded whole, and a NaN stays a NaN (the health
rules must see it). The two queries that pass over every result and hand no value on (each
trial's best, the metrics' names) try without the guard first, and guard only when that fails.
"""

from __future__ import annotations

import gc
import json
import math
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeGuard

from tuneterm.domain.events import Event, EventKind

if TYPE_CHECKING:
    from tuneterm.domain.sweep.metrics import Objective
    from tuneterm.storage.store import Store

_BATCH = 50_000
_EXTRACT = "CASE WHEN json_valid(data) THEN json_extract(data, ?) END"
"""A result's value at a JSON path; NULL when SQLite cannot read the result as JSON."""
_RAW = "CASE WHEN kind = 'result' AND NOT json_valid(data) THEN data END"
"""The text of a result SQLite cannot read as JSON (Python decodes it); NULL for any other."""

Further = dict[str, tuple[dict[str, float], dict[str, float]]]
"""Per trial id: the last and the best finite value of each further metric, by name."""


# -- the dashboard's feed ------------------------------------------------------------------------


def tail_metrics(store: Store, seq: int, metrics: Sequence[str], limit: int) -> list[Event]:
    """The events with a sequence number above `seq`, oldest first, at most `limit`: result
    events carry each of `metrics` they hold (`{}` for none), any other event its whole data.
    With no metric it is `store.events_since`."""
    if not metrics:
        return store.events_since(seq, limit)
    if _quoted(metrics):
        # A quote would need escaping inside a JSON path; decode in Python (rare, slower).
        return [_narrowed(event, metrics) for event in store.events_since(seq, limit)]
    if len(metrics) == 1:
        return _tail_one(store, seq, metrics[0], limit)
    extracts = "".join(f", CASE kind WHEN 'result' THEN {_EXTRACT} END" for _ in metrics)
    with gc_paused():
        rows = store.query(
            "SELECT seq, time, kind, trial_id, iteration,"
            f" CASE kind WHEN 'result' THEN NULL ELSE data END{extracts}, {_RAW}"
            " FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (*map(_path, metrics), seq, limit),
        )
        return _events(rows, metrics)


def _tail_one(store: Store, seq: int, metric: str, limit: int) -> list[Event]:
    """`tail_metrics` of one metric: the hot path of a dashboard catching up, kept lean."""
    names = (metric,)
    result, loads, picked = EventKind.RESULT, json.loads, _picked
    with gc_paused():
        rows = store.query(
            "SELECT seq, time, kind, trial_id, iteration,"
            f" CASE WHEN kind <> 'result' THEN data ELSE {_EXTRACT} END, {_RAW}"
            " FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (_path(metric), seq, limit),
        )
        return [
            Event(
                s,
                t,
                k,
                tid,
                n,
                (({} if v is None else {metric: v}) if raw is None else picked(raw, names))
                if k == result
                else loads(v),
            )
            for s, t, k, tid, n, v, raw in rows
        ]


def _events(rows: list[tuple[Any, ...]], metrics: Sequence[str]) -> list[Event]:
    """Events from `tail_metrics`'s rows: (seq, time, kind, trial id, iteration, the data of any
    other event, each metric's value in a result, the text of a result SQLite could not read)."""
    result, loads = EventKind.RESULT, json.loads
    events = []
    for s, t, k, tid, n, d, *values, raw in rows:
        if k != result:
            data = loads(d)
        elif raw is not None:
            data = _picked(raw, metrics)
        elif None in values:
            data = {m: v for m, v in zip(metrics, values, strict=True) if v is not None}
        else:
            data = dict(zip(metrics, values, strict=True))
        events.append(Event(s, t, k, tid, n, data))
    return events


def _narrowed(event: Event, metrics: Sequence[str]) -> Event:
    """A result event with only `metrics` left in its data; other events as they are."""
    if event.kind != EventKind.RESULT:
        return event
    data = {name: event.data[name] for name in metrics if name in event.data}
    return Event(event.seq, event.time, event.kind, event.trial_id, event.iteration, data)


# -- the journal's last complete reports ---------------------------------------------------------


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
            for _, trial_id, iteration, *values, raw in rows:
                if raw is not None:
                    report = _report(raw)
                    values = [report.get(name) for name in self.metrics]
                self._consider(str(trial_id), int(iteration or 0), values)

    def values(self) -> dict[str, tuple[float, ...]]:
        """Trial id -> its value of each metric, in the order of `metrics`."""
        return {trial_id: values for trial_id, (_, values) in self._last.items()}

    def _read(self, store: Store) -> list[tuple[Any, ...]]:
        """(seq, trial id, iteration, each metric's value, the text of a result SQLite could not
        read) of the next results."""
        paths: tuple[str, ...] = self.metrics
        extracts, raw = ", ".join(_EXTRACT for _ in paths), _RAW
        if _quoted(paths):
            # A quote would need escaping inside a JSON path: every result's text is decoded.
            paths, extracts, raw = (), ", ".join("NULL" for _ in self.metrics), "data"
        return store.query(
            f"SELECT seq, trial_id, iteration, {extracts}, {raw} FROM events"
            " WHERE seq > ? AND kind = ? AND trial_id IS NOT NULL ORDER BY seq LIMIT ?",
            (*map(_path, paths), self._seen, EventKind.RESULT, _BATCH),
        )

    def _consider(self, trial_id: str, iteration: int, values: Sequence[object]) -> None:
        numbers = tuple(float(value) for value in values if _is_finite(value))
        if len(numbers) < len(values):
            return
        kept = self._last.get(trial_id)
        if kept is None or iteration >= kept[0]:
            self._last[trial_id] = (iteration, numbers)


# -- each trial's last and best of the further metrics --------------------------------------------


class _NotNumbers(Exception):
    """A best value SQLite found is no number: the results hold text or tables there."""


def further_values(
    store: Store, objectives: Sequence[Objective], finals: Mapping[str, Mapping[str, float]]
) -> Further:
    """The further `objectives`' last and best finite values by trial; `finals` holds each
    trial's last result (its finite numbers).

    SQLite finds each trial's best in one grouped query, and each trial's last value is in its
    last result: only a trial whose last result lacks a metric (or holds no finite value of it)
    is looked up again. Values that are not numbers (text, tables) make it fold every result in
    Python instead, a slower pass."""
    if not objectives:
        return {}
    if _quoted(name for name, _ in objectives):
        return _decoded(store, objectives)
    try:
        bests = _sql_bests(store, objectives)
    except _NotNumbers:
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


def _sql_bests(store: Store, objectives: Sequence[Objective]) -> dict[str, dict[str, float]]:
    """Each trial's best value of each objective, by that objective's mode.

    A pass over every result, so the plain query comes first (a quarter cheaper); a result SQLite
    cannot read fails it, and one SQLite reads as an infinity (JSON5, SQLite 3.42 on) spoils it:
    then the guarded query, whose unreadable results come back joined by newlines (JSON texts
    hold none) and are folded in here."""
    try:
        return _bests(store, objectives, "json_extract(data, ?)", "NULL")
    except sqlite3.OperationalError as error:
        if "JSON" not in str(error):
            raise
    except _NotFinite:
        pass
    return _bests(store, objectives, _EXTRACT, _RAW)


class _NotFinite(_NotNumbers):
    """SQLite read an infinity: a result holds `Infinity` (which a lenient SQLite reads), or a
    number too large for a float (which no reader of the guarded query's values should see)."""


def _bests(
    store: Store, objectives: Sequence[Objective], extract: str, raw: str
) -> dict[str, dict[str, float]]:
    aggregates = ", ".join(
        f"{'MAX' if mode == 'max' else 'MIN'}({extract})" for _, mode in objectives
    )
    rows = store.query(
        f"SELECT trial_id, {aggregates}, group_concat({raw}, char(10)) FROM events"
        " WHERE kind = 'result' GROUP BY trial_id",
        [_path(name) for name, _ in objectives],
    )
    bests: dict[str, dict[str, float]] = {}
    for trial_id, *values, raws in rows:
        best = bests[trial_id] = {}
        for (name, _), value in zip(objectives, values, strict=True):
            if value is None:
                continue
            if not _is_number(value):
                raise _NotNumbers(name)
            if not math.isfinite(value):
                raise _NotFinite(name)
            best[name] = value
        for text in raws.split("\n") if raws else ():
            _fold(best, objectives, _report(text))
    return bests


def _last_value(store: Store, trial_id: str, name: str) -> float | None:
    """The metric's last finite number in the trial's results (its last result lacked it)."""
    offset = 0
    while rows := store.query(
        f"SELECT CASE WHEN json_valid(data) THEN json_extract(data, ?1) END, {_RAW} FROM events"
        " WHERE kind = 'result' AND trial_id = ?2 AND CASE WHEN json_valid(data)"
        " THEN typeof(json_extract(data, ?1)) IN ('integer', 'real') ELSE 1 END"
        " ORDER BY seq DESC LIMIT 16 OFFSET ?3",
        (_path(name), trial_id, offset),
    ):
        for value, raw in rows:
            number = value if raw is None else _report(raw).get(name)
            if _is_finite(number):
                return float(number)
        offset += len(rows)
    return None


def result_keys(store: Store) -> set[str]:
    """The name of every metric any result holds, listed by SQLite (`json_each`); the keys of
    results it cannot read are decoded in Python."""
    each = "SELECT DISTINCT j.key FROM events, json_each({}) AS j WHERE kind = 'result'"
    try:
        return {key for (key,) in store.query(each.format("data"))}
    except sqlite3.OperationalError as error:
        if "JSON" not in str(error):
            raise
    keys = {key for (key,) in store.query(each.format("CASE WHEN json_valid(data) THEN data END"))}
    raws = store.query("SELECT data FROM events WHERE kind = 'result' AND NOT json_valid(data)")
    keys.update(key for (text,) in raws for key in _report(text))
    return keys


def reports_number(store: Store, name: str) -> bool:
    """Whether any result holds a number under `name` (a result SQLite cannot read counts when
    its text holds the name as a key: it has a NaN or an infinity somewhere)."""
    if _quoted((name,)):
        return any(_is_number(report.get(name)) for _, report in _every_result(store))
    rows = store.query(
        "SELECT 1 FROM events WHERE kind = 'result' AND CASE WHEN json_valid(data)"
        " THEN typeof(json_extract(data, ?1)) IN ('integer', 'real') ELSE instr(data, ?2) END"
        " LIMIT 1",
        (_path(name), json.dumps(name) + ":"),
    )
    return bool(rows)


def _decoded(store: Store, objectives: Sequence[Objective]) -> Further:
    """`further_values`, folded over every result decoded in Python."""
    further: Further = {}
    for trial_id, report in _every_result(store):
        last, best = further.setdefault(trial_id, ({}, {}))
        _fold(best, objectives, report)
        for name, _ in objectives:
            value = report.get(name)
            if _is_finite(value):
                last[name] = value
    return further


def _fold(best: dict[str, float], objectives: Sequence[Objective], report: dict[str, Any]) -> None:
    """Take `report`'s finite values into `best` where they beat it, by each objective's mode."""
    for name, mode in objectives:
        value = report.get(name)
        if not _is_finite(value):
            continue
        incumbent = best.get(name)
        if incumbent is None or (value > incumbent if mode == "max" else value < incumbent):
            best[name] = value


def _every_result(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    seq = 0
    sql = (
        "SELECT seq, trial_id, data FROM events WHERE kind = 'result' AND seq > ?"
        " ORDER BY seq LIMIT ?"
    )
    while rows := store.query(sql, (seq, _BATCH)):
        seq = rows[-1][0]
        for _, trial_id, data in rows:
            yield trial_id, _report(data)


# -- values --------------------------------------------------------------------------------------


def _path(name: str) -> str:
    return f'$."{name}"'


def _quoted(names: Iterable[str]) -> bool:
    return any('"' in name for name in names)


def _report(text: str) -> dict[str, Any]:
    """A result's metrics, decoded by Python (which reads NaN and Infinity); {} for no object."""
    report = json.loads(text)
    return report if isinstance(report, dict) else {}


def _picked(text: str, metrics: Sequence[str]) -> dict[str, Any]:
    """The values of `metrics` in a result's text."""
    report = _report(text)
    return {name: report[name] for name in metrics if name in report}


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: Any) -> TypeGuard[float]:
    return _is_number(value) and math.isfinite(value)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building a large batch of acyclic objects.

    Every new Event is GC-tracked, so a 50,000-event batch triggers dozens of collections that
    find nothing (about a fifth of a tail's time); the next one after the batch does the work.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
