"""The experiments beside a dashboard's own, read as comparison rows for its compare screen."""

from __future__ import annotations

from pathlib import Path

from tuneterm.domain.comparison import ExperimentRow
from tuneterm.storage.comparison import experiment_row
from tuneterm.storage.experiment import list_experiments
from tuneterm.storage.store import StoreError


def neighbour_rows(path: Path, now: float) -> list[ExperimentRow]:
    """Every readable experiment in `path`'s parent directory (this one included), oldest first."""
    rows = []
    for info in list_experiments(path.parent):
        try:
            rows.append(experiment_row(info.path, now))
        except (StoreError, OSError, ValueError):
            continue
    return rows
