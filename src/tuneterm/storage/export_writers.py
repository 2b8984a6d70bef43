"""Writing an export table: CSV and Parquet through pyarrow, JSON Lines with the standard library.

pyarrow (a dependency of Ray Tune) is imported here only, when a CSV or Parquet file is written:
no other command pays for it. Each batch of rows is written as it comes, so the whole table is
never held at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import IO, Any

from tuneterm.storage.export import Column, Kind, Table, json_text


class Format(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"

    @property
    def binary(self) -> bool:
        """Whether it is no text for a terminal."""
        return self is Format.PARQUET


def write_table(table: Table, format: Format, out: IO[bytes]) -> int:
    """Write `table` to `out` in `format`; returns the number of rows written."""
    writer = {Format.CSV: _write_csv, Format.PARQUET: _write_parquet, Format.JSONL: _write_jsonl}
    return writer[format](table, out)


def _write_jsonl(table: Table, out: IO[bytes]) -> int:
    names = [column.name for column in table.columns]
    dumps = json.JSONEncoder(allow_nan=False).encode
    rows = 0
    for batch in table.batches:
        columns = [values if isinstance(values, list) else values.to_pylist() for values in batch]
        lines = [dumps(dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True)]
        rows += len(lines)
        out.write(("\n".join(lines) + "\n").encode())
    return rows


def _write_csv(table: Table, out: IO[bytes]) -> int:
    import pyarrow.csv as pa_csv

    schema = arrow_schema(table.columns)
    options = pa_csv.WriteOptions(quoting_style="needed")
    with pa_csv.CSVWriter(out, schema, write_options=options) as writer:
        return _write_batches(table, schema, writer.write_batch)


def _write_parquet(table: Table, out: IO[bytes]) -> int:
    import pyarrow.parquet as pq

    schema = arrow_schema(table.columns, table.schema)
    with pq.ParquetWriter(out, schema) as writer:
        return _write_batches(table, schema, writer.write_batch)


def _write_batches(table: Table, schema: Any, write: Callable[[Any], None]) -> int:
    import pyarrow as pa

    rows = 0
    for batch in table.batches:
        arrays = [
            pa.array(_arrow_values(column, values), type=field.type)
            if isinstance(values, list)
            else values  # already an Arrow array of the column's type
            for column, values, field in zip(table.columns, batch, schema, strict=True)
        ]
        write(pa.record_batch(arrays, schema=schema))
        rows += len(batch[0]) if batch else 0
    return rows


def _arrow_values(column: Column, values: list[Any]) -> list[Any]:
    return [json_text(value) for value in values] if column.kind is Kind.JSON else values


SCHEMA_KEY = "tuneterm.schema"
"""The Parquet file's metadata key naming its table and version ("tuneterm.trials/1")."""
_FIELD_METADATA = {Kind.JSON: {"tuneterm.kind": "json"}}


def arrow_schema(columns: list[Column], name: str | None = None) -> Any:
    """The Arrow schema of `columns`: string, int64, float64, bool; JSON as string (its field
    marked `tuneterm.kind: json`); `name` (the table's schema name) in its metadata."""
    import pyarrow as pa

    types = {
        Kind.STRING: pa.string(),
        Kind.INT: pa.int64(),
        Kind.FLOAT: pa.float64(),
        Kind.BOOL: pa.bool_(),
        Kind.JSON: pa.string(),
    }
    fields = [
        pa.field(column.name, types[column.kind], metadata=_FIELD_METADATA.get(column.kind))
        for column in columns
    ]
    return pa.schema(fields, metadata=None if name is None else {SCHEMA_KEY: name})
