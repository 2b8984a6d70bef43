"""What a sweep came to: counts by how trials ended, where the scheduler cut, the best trial."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.trial import Trial, better


@dataclass(frozen=True)
class SweepSummary:
    """Counts and the best trial of one experiment."""

    metric: str
    mode: str
    total: int
    completed: int
    user_stopped: int
    errored: int
    interrupted: int
    unfinished: int
    """Trials still running or paused."""
    scheduler_stops: dict[int, int] = field(default_factory=dict)
    """Iteration -> how many trials the scheduler stopped there, by iteration."""
    best: Trial | None = None
    elapsed: float | None = None
    """Seconds from the sweep's start to its end (or to the last event while it runs)."""
    rule_stopped: int = 0
    """Trials the driver stopped for a health rule (`[health] stop`)."""

    @property
    def scheduler_stopped(self) -> int:
        return sum(self.scheduler_stops.values())


def best_trial(trials: Sequence[Trial], mode: str) -> Trial | None:
    """The trial with the best metric value at any of its iterations (ties: the earliest)."""
    best: Trial | None = None
    for trial in trials:
        if trial.best_metric is None:
            continue
        if best is None or better(mode, trial.best_metric, best.best_metric):
            best = trial
    return best


def summarize(
    trials: Sequence[Trial], meta: Mapping[str, Any], now: float | None = None
) -> SweepSummary:
    mode = str(meta.get("mode", "max"))
    reasons = Counter(t.reason for t in trials if t.status is TrialStatus.ENDED)
    stops = Counter(t.stop_iteration or 0 for t in trials if t.reason is EndReason.SCHEDULER)
    started = meta.get("started_at")
    ended = meta.get("ended_at", now)
    return SweepSummary(
        metric=str(meta.get("metric", "")),
        mode=mode,
        total=len(trials),
        completed=reasons[EndReason.COMPLETED],
        user_stopped=reasons[EndReason.USER],
        errored=reasons[EndReason.ERROR],
        interrupted=reasons[EndReason.INTERRUPTED],
        unfinished=sum(1 for t in trials if t.status is not TrialStatus.ENDED),
        scheduler_stops=dict(sorted(stops.items())),
        best=best_trial(trials, mode),
        elapsed=(ended - started) if started is not None and ended is not None else None,
        rule_stopped=reasons[EndReason.RULE],
    )
