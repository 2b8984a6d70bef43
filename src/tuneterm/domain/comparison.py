"""Experiments side by side: the "comparison with previous experiments" our users write by hand.

The rows are read from each experiment's store by storage.comparison.experiment_row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneterm.domain.journal.markdown import table
from tuneterm.domain.status import SweepStatus
from tuneterm.domain.text import aligned, duration, format_config, format_value, printable


@dataclass(frozen=True, slots=True)
class ExperimentRow:
    """One experiment, summed up for comparison."""

    path: Path
    name: str
    status: SweepStatus | str
    """As a user should see it (a dead driver's sweep is crashed)."""
    metric: str
    mode: str
    best: float | None
    """The best metric any trial reached."""
    trials: int
    stopped_early: int
    """Trials the scheduler stopped early."""
    elapsed: float | None
    """Seconds from the sweep's start to its end (or to `now` while it runs)."""
    best_config: dict[str, Any]
    """The best trial's tuned hyperparameters (its whole config when those are not recorded)."""
    stopped_by_rule: int = 0
    """Trials the driver stopped for a health rule, counted apart from `stopped_early`."""

    @property
    def share_stopped_early(self) -> float | None:
        return self.stopped_early / self.trials if self.trials else None


COLUMNS = ("name", "status", "metric", "best", "trials", "stopped early", "time", "best config")


def comparison_cells(row: ExperimentRow) -> tuple[str, ...]:
    """The row's cells, in `COLUMNS` order, as plain printable text."""
    share = row.share_stopped_early
    early = f"{row.stopped_early} ({share:.0%})" if share is not None else "-"
    if row.stopped_by_rule:
        early += f" + {row.stopped_by_rule} by rule"
    return (
        printable(row.name),
        row.status,
        f"{printable(row.metric)} ({row.mode})",
        format_value(row.best) if row.best is not None else "-",
        str(row.trials),
        early,
        duration(row.elapsed),
        format_config(row.best_config) or "-",
    )


def comparison_text(rows: Sequence[ExperimentRow]) -> str:
    """A plain-text table, columns aligned (the best config last, unpadded)."""
    return aligned([COLUMNS, *(comparison_cells(row) for row in rows)])


def comparison_markdown(rows: Sequence[ExperimentRow]) -> str:
    return "\n".join(table(COLUMNS, [comparison_cells(row) for row in rows]))
