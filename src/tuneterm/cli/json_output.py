"""The JSON documents of `tuneterm status --json` and `tuneterm ls --json`, as docs/json.md
describes them: versioned by their `schema` key, numbers as numbers, unknowns as null.

Non-finite numbers become null and every non-ASCII character is escaped, so the output is strict
JSON and safe to print on a terminal.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuneterm.domain.sweep.rows import CATEGORIES, TrialRow
from tuneterm.storage.experiment import ExperimentInfo

if TYPE_CHECKING:
    from tuneterm.storage.sweep_reader import SweepSnapshot

STATUS_SCHEMA = "tuneterm.status/1"
LS_SCHEMA = "tuneterm.ls/1"


def print_json(document: Mapping[str, Any]) -> None:
    """One JSON document on stdout, indented, followed by a newline; a reader that stops early
    (`| head`) ends it quietly."""
    try:
        sys.stdout.write(json.dumps(json_safe(document), indent=2, allow_nan=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def json_safe(value: Any) -> Any:
    """`value` with NaN and infinities (at any depth) as None and anything else not JSON as its
    text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value if value is None or isinstance(value, str | int | bool) else str(value)


# -- tuneterm status --json ----------------------------------------------------------------------


def status_document(snapshot: SweepSnapshot, now: float) -> dict[str, Any]:
    """The `tuneterm.status/1` object of one sweep."""
    meta = snapshot.meta
    metric, mode = snapshot.objectives[0]
    started, ended = _number(meta.get("started_at")), _number(meta.get("ended_at"))
    elapsed_until = ended if ended is not None else now
    return {
        "schema": STATUS_SCHEMA,
        "path": str(Path(snapshot.path).absolute()),
        "source": snapshot.source,
        "name": str(meta.get("name") or Path(snapshot.path).name),
        "status": str(meta.get("status", "")),
        "message": str(meta.get("message") or "") or None,
        "metric": metric,
        "mode": mode,
        "metrics": [{"name": name, "mode": mode} for name, mode in snapshot.objectives if name],
        "counts": counts(snapshot.rows),
        "total": len(snapshot.rows),
        "best": best_of(snapshot),
        "started_at": started,
        "ended_at": ended,
        "elapsed": None if started is None else elapsed_until - started,
        "trials": [trial_object(row, snapshot, now) for row in snapshot.rows],
    }


def counts(rows: Sequence[TrialRow]) -> dict[str, int]:
    """How many trials are in each state (every state present, in a fixed order)."""
    tally = dict.fromkeys(CATEGORIES, 0)
    for row in rows:
        tally[row.category] += 1
    return tally


def best_of(snapshot: SweepSnapshot) -> dict[str, Any] | None:
    """The trial with the best value of the first metric at any iteration (ties: the earliest)."""
    mode = snapshot.objectives[0][1]
    best: TrialRow | None = None
    for row in snapshot.rows:
        value = row.best_metric
        if value is None or not math.isfinite(value):
            continue
        if best is None or best.best_metric is None or _beats(value, best.best_metric, mode):
            best = row
    if best is None:
        return None
    return {"id": best.trial_id, "value": best.best_metric, "config": best.config}


def _beats(value: float, incumbent: float, mode: str) -> bool:
    return value > incumbent if mode == "max" else value < incumbent


def trial_object(row: TrialRow, snapshot: SweepSnapshot, now: float) -> dict[str, Any]:
    """One trial of `trials`: its state, config, and the sweep's metrics' last and best."""
    primary = snapshot.primary
    names = snapshot.metric_names
    return {
        "id": row.trial_id,
        "state": row.category,
        "stop_reason": row.reason.value if row.reason is not None else None,
        "stop_iteration": row.stop_iteration,
        "iterations": row.iteration,
        "config": row.config,
        "last": {name: row.value(name, primary) for name in names},
        "best": {name: row.value(name, primary, best=True) for name in names},
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "runtime": row.runtime(now),
        "error": _error_line(row.error),
    }


def _error_line(error: str | None) -> str | None:
    """The last non-empty line of a traceback: the exception and its message."""
    if not error:
        return None
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    return lines[-1] if lines else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# -- tuneterm ls --json --------------------------------------------------------------------------


def ls_document(root: Path, infos: Sequence[ExperimentInfo]) -> dict[str, Any]:
    """The `tuneterm.ls/1` object: every experiment under `root`, oldest first."""
    return {
        "schema": LS_SCHEMA,
        "root": str(root.absolute()),
        "experiments": [
            {
                "name": info.name,
                "path": str(info.path.absolute()),
                "status": str(info.status),
                "metric": info.metric,
                "best": info.best_metric,
                "trials": info.trials,
                "started_at": _number(info.started_at),
            }
            for info in infos
        ],
    }
