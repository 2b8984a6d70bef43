"""`tuneterm export`: an experiment's trials, or every result, as CSV, Parquet or JSON Lines.

The columns are documented in docs/json.md ("Exports"). Bad input (a path that holds no sweep, an
invalid `--where`, Parquet for a terminal, an `--output` that cannot be written) is one line on
stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tuneterm.cli.usage import UsageError

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers
    from tuneterm.domain.filter import TrialFilter
    from tuneterm.domain.sweep.rows import TrialRow
    from tuneterm.storage.export import Table
    from tuneterm.storage.export_writers import Format
    from tuneterm.storage.sweep_reader import SweepReader, SweepSnapshot

FORMATS = ("csv", "parquet", "jsonl")


def add_export_parser(commands: Subparsers) -> None:
    export = commands.add_parser(
        "export",
        help="write an experiment's trials (or, with --results, every result) as CSV, Parquet "
        "or JSON Lines",
    )
    export.add_argument(
        "directory", type=Path, help="experiment directory (tuneterm's or plain Ray Tune's)"
    )
    export.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")
    export.add_argument(
        "--results",
        action="store_true",
        help="one row per reported result (trial id, iteration, time, every metric) instead of "
        "one per trial",
    )
    export.add_argument(
        "--where",
        metavar="EXPR",
        help="only the trials this filter expression keeps, e.g. 'lr < 1e-3 and "
        'state == "completed"\'',
    )
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="write FILE instead of standard output"
    )


def export_command(args: argparse.Namespace, root: Path) -> int:
    """Write the table; every check that can fail runs before the first byte is written."""
    from tuneterm.storage.export_writers import Format

    output_format = Format(args.format)
    check_output(args.output, output_format)
    with open_reader(args.directory) as reader:
        table = build_table(reader, args.where, args.results)
        if args.output is None and sys.stdout.isatty():
            table = for_terminal(table)
        with output_stream(args.output) as out:
            write(table, output_format, out)
    return 0


def export(
    directory: Path,
    output_format: Format,
    out: IO[bytes],
    *,
    results: bool = False,
    where: str | None = None,
) -> int:
    """The export, in process: the table of `directory` written to `out`; returns its rows."""
    from tuneterm.storage.export_writers import write_table

    with open_reader(directory) as reader:
        return write_table(build_table(reader, where, results), output_format, out)


def open_reader(directory: Path) -> SweepReader:
    """UsageError (one line naming the path) when it holds no sweep."""
    from tuneterm.storage.sources import SourceError
    from tuneterm.storage.sweep_reader import SweepReader

    try:
        return SweepReader(directory)
    except SourceError as exc:
        raise UsageError(f"export: {exc}") from None


def build_table(reader: SweepReader, where: str | None, results: bool) -> Table:
    """The trials (or their results) the `--where` expression keeps."""
    if results and where is None:  # no trial to pick: the results alone
        from tuneterm.storage.export import result_table

        return result_table(reader, None)
    now = time.time()
    snapshot = reader.snapshot()
    rows = filtered_rows(reader, snapshot, where, now)
    return export_table(reader, snapshot, rows, results, now)


def check_output(output: Path | None, output_format: Format) -> None:
    """Parquet never goes to a terminal; `--output` must name a file in an existing directory."""
    if output is None:
        if output_format.binary and sys.stdout.isatty():
            raise UsageError(
                "export: Parquet is binary: write it with --output FILE or redirect stdout"
            )
        return
    path = output.expanduser()
    if path.is_dir():
        raise UsageError(f"export: --output {output}: is a directory")
    if not path.parent.is_dir():
        raise UsageError(f"export: --output {output}: no such directory {path.parent}")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(f"export: --output {output}: {path.parent} is not writable")


def filtered_rows(
    reader: SweepReader, snapshot: SweepSnapshot, where: str | None, now: float
) -> list[TrialRow]:
    """The snapshot's trials the `--where` expression keeps (all without one)."""
    if where is None:
        return snapshot.rows
    trial_filter = compile_where(reader, snapshot, where)
    rows = filter_rows(reader, snapshot, trial_filter.names)
    primary = snapshot.primary
    kept = {row.trial_id for row in rows if trial_filter.matches(row, primary, now)}
    return [row for row in snapshot.rows if row.trial_id in kept]


def compile_where(reader: SweepReader, snapshot: SweepSnapshot, where: str) -> TrialFilter:
    """The compiled expression over the trials' hyperparameters and every metric their results
    report (not only the sweep's, unlike the dashboard's filter: an export reads the results);
    UsageError (one line) for an invalid one."""
    from tuneterm.domain.filter import FilterError, compile_filter

    names = {name for row in snapshot.rows for name in row.config}
    names.update(name for name, _ in snapshot.objectives)
    names.update(name for final in snapshot.finals.values() for name in final)
    while True:  # each pass adds a name of the expression: it ends
        try:
            return compile_filter(where, names)
        except FilterError as exc:
            unknown = exc.unknown
            if unknown is None or unknown in names or not reader.reports(unknown, snapshot.finals):
                raise UsageError(f"export: --where: {exc}") from None
            names.add(unknown)


def filter_rows(
    reader: SweepReader, snapshot: SweepSnapshot, names: Collection[str]
) -> list[TrialRow]:
    """The rows as the filter reads them: a metric of `names` that is not the sweep's is its
    trial's last finite value (the sweep's own metrics keep theirs)."""
    from dataclasses import replace
    from types import MappingProxyType

    from tuneterm.domain.filter import BUILTIN_NAMES

    params = {name for row in snapshot.rows for name in row.config}
    reported = {name for final in snapshot.finals.values() for name in final}
    wanted = set(names) - {name for name, _ in snapshot.objectives} - set(BUILTIN_NAMES)
    metrics = sorted(name for name in wanted if name in reported or name not in params)
    lasts = reader.last_values(metrics, snapshot.finals) if metrics else {}
    rows = []
    for row in snapshot.rows:
        last = lasts.get(row.trial_id)
        others = {**last, **row.others} if last else row.others
        rows.append(replace(row, others=MappingProxyType(dict(others))))
    return rows


def export_table(
    reader: SweepReader, snapshot: SweepSnapshot, rows: list[TrialRow], results: bool, now: float
) -> Table:
    from tuneterm.storage.export import result_table, trial_table

    if not results:
        return trial_table(snapshot, rows, now)
    everyone = len(rows) == len(snapshot.rows)
    return result_table(reader, None if everyone else {row.trial_id for row in rows})


def for_terminal(table: Table) -> Table:
    """The table with control and bidirectional characters in its text made visible (\\x1b), for
    CSV printed on a terminal, which would obey them. (JSON escapes them by itself.)"""
    from tuneterm.domain.text import printable
    from tuneterm.storage.export import Kind, Table

    text_columns = [i for i, column in enumerate(table.columns) if column.kind is Kind.STRING]

    def batches() -> Iterator[list[Any]]:
        for batch in table.batches:
            for i in text_columns:
                batch[i] = [printable(v) if isinstance(v, str) else v for v in batch[i]]
            yield batch

    return Table(table.schema, table.columns, batches())


def write(table: Table, output_format: Format, out: IO[bytes]) -> None:
    """Write, leaving quietly when the reader of a pipe stopped reading (`| head`)."""
    from tuneterm.storage.export_writers import write_table

    try:
        write_table(table, output_format, out)
        out.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@contextlib.contextmanager
def output_stream(output: Path | None) -> Iterator[IO[bytes]]:
    """Standard output, or a temporary file beside `output` that replaces it once complete
    (a failed export leaves no half-written file)."""
    if output is None:
        yield sys.stdout.buffer
        return
    path = output.expanduser()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(handle, 0o666 & ~_umask())
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
