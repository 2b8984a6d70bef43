"""Schedulers that remember why they stopped a trial, check the metric on every result, and
apply the user's control requests.

Ray marks every finished trial TERMINATED, whether it completed, was cut at an ASHA rung or was
stopped by the median rule. The scheduler is the only place that knows which, so these subclasses
record their decision in the driver's `StopDecisions`, which the store callback reads when the
trial ends. Tune asks the scheduler which trial to run on every loop step, which makes it the
place to apply stop/pause/resume requests within a step (see control.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ray.tune.schedulers import (
    ASHAScheduler,
    FIFOScheduler,
    MedianStoppingRule,
    TrialScheduler,
)

from tuneterm.domain.ray_result import ITERATION
from tuneterm.domain.status import EndReason
from tuneterm.runner.control import TrialController
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.health import HealthMonitor
from tuneterm.runner.ray_trial import PAUSED, PENDING, result_iteration

logger = logging.getLogger(__name__)


class MetricNotReported(Exception):
    """A trial reported results without the experiment's metric."""

    def __init__(self, trial_id: str, metric: str, reported: list[str]) -> None:
        self.trial_id = trial_id
        self.metric = metric
        self.reported = reported
        super().__init__(
            f"trial {trial_id} reported no '{metric}' (it reports: {', '.join(reported)})"
        )


def _check_metric(metric: str | None, trial_id: str, result: dict[str, Any]) -> None:
    # A trial that returned without reporting anything yields a result of Ray's own keys only.
    if metric and metric not in result and ITERATION in result:
        reported = sorted(k for k, v in result.items() if isinstance(v, int | float))
        raise MetricNotReported(trial_id, metric, reported)


class _RecordsStops:
    """Mixin for a TrialScheduler: check the metric, and record STOP decisions with their reason."""

    metric: str | None
    _stop_decisions: StopDecisions | None = None
    _health_monitor: HealthMonitor | None = None

    def record_stops_in(self, decisions: StopDecisions) -> None:
        """Record every STOP decision in `decisions` (without this, none is recorded)."""
        self._stop_decisions = decisions

    def watch_health(self, monitor: HealthMonitor) -> None:
        """Apply the health rules through `monitor` (runner.health): on every result, and about
        once a second to the running trials (without this, none are applied)."""
        self._health_monitor = monitor

    def on_trial_result(self, tune_controller: Any, trial: Any, result: dict[str, Any]) -> str:
        _check_metric(self.metric, trial.trial_id, result)
        decision: str = super().on_trial_result(tune_controller, trial, result)  # type: ignore[misc]
        if decision == TrialScheduler.STOP and self._stop_decisions is not None:
            reason = self._reason_for_stop(result)
            self._stop_decisions.record(trial.trial_id, reason, result_iteration(result))
        health = self._health_monitor
        if health is not None and health.on_result(tune_controller, trial, result):
            return TrialScheduler.STOP  # the monitor recorded the rule that stops it
        return decision

    def _reason_for_stop(self, result: dict[str, Any]) -> EndReason:
        return EndReason.SCHEDULER


class _TakesControlRequests:
    """Mixin for a FIFO-like TrialScheduler: apply control requests on every loop step, and never
    start a trial the user paused (FIFO and ASHA would resume any PAUSED trial by themselves)."""

    metric: str | None
    _trial_controller: TrialController | None = None
    _health_monitor: HealthMonitor | None = None

    def enable_control(self, store_path: Path, decisions: StopDecisions) -> None:
        """Take requests from the store at `store_path` (without this, none are taken), and
        record the user's stops in `decisions`."""
        self._trial_controller = TrialController(store_path, decisions)

    def choose_trial_to_run(self, tune_controller: Any) -> Any:
        control = self._trial_controller
        if control is not None:
            self._apply_requests(control, tune_controller)
        if self._health_monitor is not None:
            self._check_stalls(self._health_monitor, tune_controller)
        trials = tune_controller.get_trials()
        pending = next((trial for trial in trials if trial.status == PENDING), None)
        if pending is not None:
            return pending
        return next((trial for trial in trials if self._resumable(trial)), None)

    def _resumable(self, trial: Any) -> bool:
        control = self._trial_controller
        return bool(trial.status == PAUSED and not (control and control.is_held(trial)))

    def _apply_requests(self, control: TrialController, tune_controller: Any) -> None:
        try:
            control.step(tune_controller, self.metric)
        except Exception:
            # An unreadable store must not end the sweep; requests wait for the next step.
            logger.exception("applying control requests failed")

    def _check_stalls(self, health: HealthMonitor, tune_controller: Any) -> None:
        try:
            health.check_stalls(tune_controller, self.metric)
        except Exception:
            logger.exception("applying the stall rule failed")


class RecordingASHA(_RecordsStops, _TakesControlRequests, ASHAScheduler):
    """ASHA that tells a trial cut at a rung from one that reached `max_t`."""

    def __init__(self, time_attr: str = ITERATION, max_t: int = 100, **options: Any) -> None:
        super().__init__(time_attr=time_attr, max_t=max_t, **options)
        self.time_attr = time_attr
        self.max_t = max_t

    def _reason_for_stop(self, result: dict[str, Any]) -> EndReason:
        # ASHA says STOP both at a rung cut-off and when a trial reaches max_t.
        if result.get(self.time_attr, 0) >= self.max_t:
            return EndReason.COMPLETED
        return EndReason.SCHEDULER


class RecordingMedian(_RecordsStops, _TakesControlRequests, MedianStoppingRule):
    """The median stopping rule, its stops recorded as the scheduler's."""


class RecordingFIFO(_RecordsStops, _TakesControlRequests, FIFOScheduler):
    """First in, first out: it stops nothing by itself, but takes control requests."""
