"""The tables `tuneterm export` writes: one row per trial, or one row per reported result.

A table is its columns (a name and a kind each, fixed before the first row) and its rows in
batches, each batch one list of values per column. The columns are documented in docs/json.md
("`tuneterm export`"); their kinds map to Arrow types in `storage.export_writers`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.storage.sweep_reader import BATCH, RawResults, SweepReader, SweepSnapshot


class Kind(StrEnum):
    """What a column holds; every column may also hold nulls."""

    STRING = "string"
    INT = "int"
    """64-bit integers."""
    FLOAT = "float"
    """64-bit floats; NaN and infinities are written as nulls."""
    BOOL = "bool"
    JSON = "json"
    """Any JSON value: text in CSV and Parquet, the value itself in JSON Lines."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


Batch = list[Any]
"""Rows in columns, all of the same length: per column, a list of values, or (the metrics of
results, parsed by pyarrow) an Arrow array of the column's type."""


@dataclass
class Table:
    """Columns known up front, rows coming in batches (a generator: read it once)."""

    schema: str
    """Which table, and its version: `TRIALS_SCHEMA` or `RESULTS_SCHEMA`."""
    columns: list[Column]
    batches: Iterator[Batch]


TRIALS_SCHEMA = "tuneterm.trials/1"
RESULTS_SCHEMA = "tuneterm.results/1"
TRIAL_COLUMNS = (
    Column("trial_id", Kind.STRING),
    Column("state", Kind.STRING),
    Column("stop_reason", Kind.STRING),
    Column("stop_iteration", Kind.INT),
    Column("iterations", Kind.INT),
)
TIME_COLUMNS = (
    Column("started_at", Kind.FLOAT),
    Column("ended_at", Kind.FLOAT),
    Column("runtime", Kind.FLOAT),
)
RESULT_COLUMNS = (
    Column("trial_id", Kind.STRING),
    Column("iteration", Kind.INT),
    Column("time", Kind.FLOAT),
)
CONFIG_PREFIX = "config."
LAST_PREFIX = "last."
BEST_PREFIX = "best."
RENAMED_METRIC_PREFIX = "metric."
"""A reported metric named like a fixed column of the results table gets this prefix."""


# -- one row per trial ---------------------------------------------------------------------------


def trial_table(snapshot: SweepSnapshot, rows: Sequence[TrialRow], now: float) -> Table:
    """One row per trial of `rows` (some of the snapshot's, in its order). The columns are the
    whole sweep's, whichever trials `rows` holds."""
    configs = {row.trial_id: flat_config(row.config) for row in snapshot.rows}
    names = list(dict.fromkeys(name for config in configs.values() for name in config))
    config_columns = [
        Column(CONFIG_PREFIX + name, kind_of(config.get(name) for config in configs.values()))
        for name in names
    ]
    metrics = _metric_columns(snapshot)
    columns = [*TRIAL_COLUMNS, *config_columns, *(c for c, _ in metrics), *TIME_COLUMNS]

    def cells(row: TrialRow) -> list[Any]:
        reason = row.reason.value if row.reason is not None else None
        fixed = [row.trial_id, row.category, reason, row.stop_iteration, row.iteration]
        config = configs[row.trial_id]
        times = [row.started_at, row.ended_at, row.runtime(now)]
        values = [value(row) for _, value in metrics]
        return [*fixed, *(config.get(name) for name in names), *values, *times]

    return Table(TRIALS_SCHEMA, columns, _typed(columns, map(cells, rows)))


MetricValue = Any
"""A function giving one metric column's value for a row."""


def _metric_columns(snapshot: SweepSnapshot) -> list[tuple[Column, MetricValue]]:
    """last.<m> and best.<m> of the sweep's metrics, then last.<m> of every other metric the
    trials' last results hold (by name)."""
    primary = snapshot.primary
    columns: list[tuple[Column, MetricValue]] = []
    for name in snapshot.metric_names:
        columns.append((Column(LAST_PREFIX + name, Kind.FLOAT), _row_value(name, primary, False)))
        columns.append((Column(BEST_PREFIX + name, Kind.FLOAT), _row_value(name, primary, True)))
    swept = {name for name, _ in snapshot.objectives}
    finals = snapshot.finals
    reported = {name for final in finals.values() for name in final if name not in swept}
    for name in sorted(reported):
        columns.append((Column(LAST_PREFIX + name, Kind.FLOAT), _final_value(finals, name)))
    return columns


def _row_value(name: str, primary: str, best: bool) -> MetricValue:
    return lambda row: row.value(name, primary, best=best)


def _final_value(finals: Mapping[str, Mapping[str, float]], name: str) -> MetricValue:
    return lambda row: finals.get(row.trial_id, {}).get(name)


def flat_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A config with nested tables spread into dotted names: {"model": {"depth": 2}} gives
    {"model.depth": 2}."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flat_config(value, name + "."))
        else:
            flat[name] = value
    return flat


def kind_of(values: Iterable[Any]) -> Kind:
    """The narrowest kind holding every value (None fits any): bool, int, float (ints and
    floats mixed), string, else JSON."""
    kinds = {_value_kind(value) for value in values if value is not None}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {Kind.INT, Kind.FLOAT}:
        return Kind.FLOAT
    return Kind.JSON if kinds else Kind.STRING


def _value_kind(value: Any) -> Kind:
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, int):
        return Kind.INT if -(2**63) <= value < 2**63 else Kind.JSON
    if isinstance(value, float):
        return Kind.FLOAT
    return Kind.STRING if isinstance(value, str) else Kind.JSON


# -- one row per result --------------------------------------------------------------------------


def result_table(reader: SweepReader, trial_ids: set[str] | None) -> Table:
    """One row per reported result of the trials in `trial_ids` (all, if None), in the order
    recorded: trial id, iteration, time, then every metric any trial reported (by name).

    The results are read twice: once for the metrics' names (the columns come before the first
    row; every trial's, whichever `trial_ids` says), which SQLite lists (`json_each`), then a
    batch at a time for the rows, which pyarrow's JSON reader parses. (SQLite extracting each
    metric into a column of its own costs more: a Python float per value, where pyarrow builds
    the columns without any; bench/export.py.)
    """
    names = sorted(reader.result_keys())
    fixed = {column.name for column in RESULT_COLUMNS}
    columns = [*RESULT_COLUMNS]
    for name in names:
        column_name = RENAMED_METRIC_PREFIX + name if name in fixed else name
        columns.append(Column(column_name, Kind.FLOAT))
    return Table(RESULTS_SCHEMA, columns, _result_batches(reader.result_batches(trial_ids), names))


def _result_batches(batches: Iterable[RawResults], names: list[str]) -> Iterator[Batch]:
    for batch in batches:
        yield [batch.trial_ids, batch.iterations, batch.times, *_metric_arrays(batch, names)]


def _metric_arrays(batch: RawResults, names: list[str]) -> list[Any]:
    """One float64 Arrow array per metric of `names` (null where a result lacks it, or holds
    no finite number there)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pa_json

    if not names:
        return []
    schema = pa.schema([(name, pa.float64()) for name in names])
    data, read_options = _buffer("\n".join(batch.texts).encode())
    parse = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        table = pa_json.read_json(data, read_options=read_options, parse_options=parse)
    except pa.ArrowException:  # text, tables or booleans among the values: one at a time
        objects = [_object(text) for text in batch.texts]
        return [pa.array([_float(o.get(name)) for o in objects], pa.float64()) for name in names]
    arrays = [table.column(name).combine_chunks() for name in names]
    return [
        pc.if_else(pc.is_finite(array), array, pa.scalar(None, pa.float64())) for array in arrays
    ]


def _buffer(lines: bytes) -> tuple[Any, Any]:
    """JSON Lines as pyarrow reads them, and the options to read them as one block."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    options = pa_json.ReadOptions(use_threads=False, block_size=max(len(lines) + 1, 1 << 20))
    return pa.BufferReader(lines), options


def _object(text: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- values --------------------------------------------------------------------------------------


def _typed(columns: Sequence[Column], rows: Iterable[list[Any]]) -> Iterator[Batch]:
    """`rows` gathered into batches of columns, each value made to fit its column's kind."""
    converters = [_CONVERTERS[column.kind] for column in columns]
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield _columns_of(chunk, converters)
            chunk = []
    if chunk:
        yield _columns_of(chunk, converters)


def _columns_of(rows: list[list[Any]], converters: Sequence[Any]) -> Batch:
    return [
        [convert(value) for value in values]
        for convert, values in zip(converters, zip(*rows, strict=True), strict=True)
    ]


def _float(value: Any) -> float | None:
    """A finite float, else None (missing, NaN, infinite, or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _string(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _json(value: Any) -> Any:
    """The value with non-finite floats (anywhere in it) made null, so that it stays JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value if value is None or isinstance(value, str | int | bool) else str(value)


_CONVERTERS = {
    Kind.STRING: _string,
    Kind.INT: _int,
    Kind.FLOAT: _float,
    Kind.BOOL: _bool,
    Kind.JSON: _json,
}


def json_text(value: Any) -> str | None:
    """A JSON-kind value as the text CSV and Parquet hold."""
    return None if value is None else json.dumps(value, sort_keys=True)
