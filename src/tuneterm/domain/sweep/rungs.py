"""Where a scheduler cuts trials: ASHA's milestones as configured, and the iterations at which
trials were in fact stopped."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Protocol

from tuneterm.domain.status import EndReason


class StoppedTrial(Protocol):
    """What `rung_iterations` reads of a trial (a `Trial` or a `TrialRow`)."""

    @property
    def reason(self) -> EndReason | None: ...

    @property
    def stop_iteration(self) -> int | None: ...


def rung_iterations(trials: Iterable[StoppedTrial]) -> list[int]:
    """Where the scheduler cut: the distinct iterations at which it stopped trials."""
    return sorted(
        {
            trial.stop_iteration
            for trial in trials
            if trial.reason is EndReason.SCHEDULER and trial.stop_iteration is not None
        }
    )


def asha_milestones(grace_period: int, max_t: int, reduction_factor: float) -> tuple[float, ...]:
    """ASHA's rungs before `max_t`, as Ray 2.60 sets them for its single bracket:
    grace_period × reduction_factor^k for k below log(max_t / grace_period) / log(rf) + 1."""
    if grace_period <= 0 or max_t <= grace_period or reduction_factor <= 1:
        return ()
    count = int(math.log(max_t / grace_period) / math.log(reduction_factor) + 1)
    rungs = (grace_period * reduction_factor**k for k in range(count))
    return tuple(float(rung) for rung in rungs if rung < max_t)
