"""A trial row as the sweep state keeps it, with any field changed: for layout and plot tests."""

from __future__ import annotations

from tuneterm.domain.status import TrialStatus
from tuneterm.domain.sweep.rows import TrialRow


def row(trial_id: str = "a1b2c_00001", **changes: object) -> TrialRow:
    values: dict[str, object] = dict(
        trial_id=trial_id,
        status=TrialStatus.RUNNING,
        reason=None,
        stop_iteration=None,
        config={"learning_rate": 0.000123, "optimizer": "adamw", "weight_decay": 0.01},
        iteration=12,
        last_metric=0.91234,
        best_metric=0.92,
        started_at=0.0,
        ended_at=None,
        last_seen=1.0,
        error=None,
    )
    values.update(changes)
    return TrialRow(**values)  # type: ignore[arg-type]
