"""`tuneterm status`: where one experiment stands, as a short summary or (`--json`) as the
`tuneterm.status/1` document of docs/json.md."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tuneterm.cli.usage import UsageError
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.text import one_line, printable
from tuneterm.domain.trial import Trial

if TYPE_CHECKING:
    from tuneterm.cli.parser import Subparsers
    from tuneterm.storage.sweep_reader import SweepSnapshot


def add_status_parser(commands: Subparsers) -> None:
    status = commands.add_parser(
        "status", help="where an experiment stands: counts by state, best trial, time"
    )
    status.add_argument(
        "directory", type=Path, help="experiment directory (tuneterm's or plain Ray Tune's)"
    )
    status.add_argument(
        "--json", action="store_true", help="print the tuneterm.status/1 JSON document"
    )


def status_command(args: argparse.Namespace, root: Path) -> int:
    from tuneterm.storage.sources import SourceError
    from tuneterm.storage.sweep_reader import SweepReader

    now = time.time()
    try:
        with SweepReader(args.directory) as reader:
            snapshot = reader.snapshot()
    except SourceError as exc:
        raise UsageError(f"status: {exc}") from None
    if args.json:
        from tuneterm.cli.json_output import print_json, status_document

        print_json(status_document(snapshot, now))
    else:
        print("\n".join(status_lines(snapshot, now)))
    return 0


def status_lines(snapshot: SweepSnapshot, now: float) -> list[str]:
    """The sweep's name, status and metrics, then the summary `run --headless` ends with."""
    from tuneterm.cli.headless import summary_lines
    from tuneterm.domain.summary import summarize

    meta = snapshot.meta
    metrics = ", ".join(f"{name} ({mode})" for name, mode in snapshot.objectives)
    message = str(meta.get("message") or "")
    heading = f"{printable(str(meta.get('name', '')))}: {meta.get('status', '')}"
    lines = [heading + (f" ({one_line(message)})" if message else "")]
    lines.append(f"  metrics: {printable(metrics)}")
    trials = [as_trial(row) for row in snapshot.rows]
    summary_meta = {**meta, "metric": snapshot.primary, "mode": snapshot.objectives[0][1]}
    return lines + summary_lines(summarize(trials, summary_meta, now), str(snapshot.path))


def as_trial(row: TrialRow) -> Trial:
    """A row as the summary counts it."""
    return Trial(
        trial_id=row.trial_id,
        config=row.config,
        status=row.status,
        started_at=row.started_at,
        ended_at=row.ended_at,
        reason=row.reason,
        stop_iteration=row.stop_iteration,
        last_iteration=row.iteration,
        last_metric=row.last_metric,
        best_metric=row.best_metric,
        error=row.error,
    )
