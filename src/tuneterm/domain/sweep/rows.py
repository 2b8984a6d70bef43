"""What the live picture of a sweep shows of one trial: its row, the record behind it, and the
notices of refused control requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tuneterm.domain.control import ControlAction, TrialView
from tuneterm.domain.health import NO_POLICY, HealthPolicy, HealthWatch
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.history import MetricHistory

CATEGORIES = (
    "pending",
    "running",
    "paused",
    "completed",
    "scheduler",
    "user",
    "error",
    "interrupted",
    "rule",
)
"""What `SweepState.counts()` counts and `order(state_filter=...)` filters by."""
FLAGGED = "flagged"
"""The state filter of the trials a health rule flags, whatever their category."""

PENDING_LABELS = {
    ControlAction.STOP: "stopping…",
    ControlAction.PAUSE: "pausing…",
    ControlAction.RESUME: "resuming…",
    ControlAction.STOP_ALL: "stopping sweep…",
}
"""What a row (or, for STOP_ALL, the sweep) shows while the driver has not answered a request."""
NO_VALUES: Mapping[str, float] = MappingProxyType({})
"""The `others` of a trial in a single-metric sweep (shared, read-only)."""
_VERBS = {
    ControlAction.STOP: "stop",
    ControlAction.PAUSE: "pause",
    ControlAction.RESUME: "resume",
    ControlAction.STOP_ALL: "stop",
}


@dataclass(frozen=True, slots=True)
class ControlNotice:
    """A control request the driver refused, for the dashboard to show once."""

    time: float
    """When the driver refused it."""
    action: ControlAction
    trial_id: str | None
    """The trial it named; None for STOP_ALL."""
    message: str
    """The driver's reason."""

    @property
    def text(self) -> str:
        """One line for a notification: "Could not stop trial t1: it already ended"."""
        verb = _VERBS.get(self.action, str(self.action))
        target = "the sweep" if self.trial_id is None else f"trial {self.trial_id}"
        reason = f": {self.message}" if self.message else ""
        return f"Could not {verb} {target}{reason}"


@dataclass(frozen=True, slots=True)
class TrialRow:
    """An immutable snapshot of one trial, for display."""

    trial_id: str
    status: TrialStatus
    reason: EndReason | None
    """Why it ended; None while it has not."""
    stop_iteration: int | None
    """The iteration at which it ended (for scheduler stops: the rung)."""
    config: dict[str, Any]
    """Its hyperparameters (shared with the state: do not mutate)."""
    iteration: int
    """The highest iteration reported."""
    last_metric: float | None
    best_metric: float | None
    started_at: float | None
    ended_at: float | None
    last_seen: float | None
    """When the last event about this trial was recorded."""
    error: str | None
    """The traceback text of an errored trial."""
    pending_action: str | None = None
    """A control request the driver has not answered yet, as shown: "stopping…", "pausing…"."""
    others: Mapping[str, float] = field(default_factory=lambda: NO_VALUES)
    """The last finite value of each of the sweep's further metrics (not the first, which is
    `last_metric`), by name; a metric not reported yet is absent."""
    other_bests: Mapping[str, float] = field(default_factory=lambda: NO_VALUES)
    """The best value so far of each further metric, by that metric's own mode."""
    health_rule: str | None = None
    """The health rule that flags it ("nan", "diverged", "stalled"; domain.health); None while
    it is healthy."""
    health: str | None = None
    """Why, on one line: "nan: accuracy was nan at iteration 4"."""

    def value(self, metric: str, primary: str, *, best: bool = False) -> float | None:
        """The last (or best) value of `metric`, where `primary` names the sweep's first metric."""
        if metric == primary:
            return self.best_metric if best else self.last_metric
        return (self.other_bests if best else self.others).get(metric)

    @property
    def category(self) -> str:
        """One of `CATEGORIES`."""
        return category_of(self.status, self.reason)

    @property
    def state(self) -> str:
        """One short label: "running", "completed", "stopped@2" (scheduler, iteration 2),
        "rule:nan" (stopped by the health rule nan), ..."""
        category = self.category
        if category == EndReason.RULE:
            return f"rule:{self.health_rule}" if self.health_rule else category
        if category != "scheduler":
            return category
        return "stopped" if self.stop_iteration is None else f"stopped@{self.stop_iteration}"

    @property
    def control_view(self) -> TrialView:
        """This trial as the control rule sees it."""
        return TrialView.of_record(
            self.trial_id, self.status, self.reason, self.stop_iteration, self.iteration
        )

    def runtime(self, now: float) -> float | None:
        """Seconds from start to end, or to `now` while it has not ended."""
        if self.started_at is None:
            return None
        if self.ended_at is not None:
            return self.ended_at - self.started_at
        return None if self.status is TrialStatus.ENDED else now - self.started_at


def category_of(status: TrialStatus, reason: EndReason | None) -> str:
    """The one of `CATEGORIES` a trial in `status`, ended for `reason`, is counted in."""
    if status is not TrialStatus.ENDED:
        return status.value
    return reason.value if reason is not None else EndReason.INTERRUPTED.value


class TrialRecord:
    """The mutable state behind one TrialRow; `row` caches the snapshot until the next change."""

    __slots__ = (
        "best_metric",
        "category",
        "config",
        "ended_at",
        "error",
        "health",
        "history",
        "iteration",
        "last_metric",
        "last_seen",
        "other_bests",
        "others",
        "pending_action",
        "reason",
        "row",
        "started_at",
        "status",
        "stop_iteration",
        "trial_id",
    )

    def __init__(
        self, trial_id: str, config: dict[str, Any], now: float, policy: HealthPolicy = NO_POLICY
    ) -> None:
        self.trial_id = trial_id
        self.config = config
        self.status = TrialStatus.RUNNING
        self.category = TrialStatus.RUNNING.value
        self.reason: EndReason | None = None
        self.stop_iteration: int | None = None
        self.iteration = 0
        self.last_metric: float | None = None
        self.best_metric: float | None = None
        self.started_at: float | None = now
        self.ended_at: float | None = None
        self.last_seen: float | None = now
        self.error: str | None = None
        self.pending_action: str | None = None
        self.history = MetricHistory()
        self.others: dict[str, float] | None = None
        """Last values of the further metrics; None until one is reported."""
        self.other_bests: dict[str, float] | None = None
        self.health = HealthWatch(policy)
        self.row: TrialRow | None = None

    def end(
        self, reason: EndReason | None, iteration: int | None, now: float, rule: object = None
    ) -> None:
        """Mark the trial ended for `reason` at `iteration` (by the health `rule` for RULE); a
        pending request dies with it."""
        self.status = TrialStatus.ENDED
        self.pending_action = None
        self.reason = reason
        self.category = category_of(self.status, reason)
        self.stop_iteration = iteration
        self.ended_at = now
        self.health.end(rule if reason is EndReason.RULE else None)

    def snapshot(self) -> TrialRow:
        """The current row, built once per change."""
        if self.row is None:
            self.row = TrialRow(
                self.trial_id,
                self.status,
                self.reason,
                self.stop_iteration,
                self.config,
                self.iteration,
                self.last_metric,
                self.best_metric,
                self.started_at,
                self.ended_at,
                self.last_seen,
                self.error,
                self.pending_action,
                NO_VALUES if self.others is None else MappingProxyType(dict(self.others)),
                NO_VALUES if self.other_bests is None else MappingProxyType(dict(self.other_bests)),
                self.health.rule,
                self.health.reason,
            )
        return self.row

    def runtime(self, now: float) -> float | None:
        """Seconds from start to end, or to `now` while it has not ended."""
        return self.snapshot().runtime(now)
