"""Schedulers that remember why they stopped a trial, check the metric on every result, and
apply the user's control requests.

Ray marks every finished trial TERMINATED, whether it completed, was cut at an ASHA rung or was
stopped by the median rule. The scheduler is the only place that knows which, so these subclasses
write their decision into `STOP_DECISIONS`, which the store callback reads when the trial ends.
Tune asks the scheduler which trial to run on every loop step, which makes it the place to apply
stop/pause/resume requests within a step (see control.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ray.tune.schedulers import (
    ASHAScheduler,
    FIFOScheduler,
    MedianStoppingRule,
    TrialScheduler,
)

from tuneterm.domain.status import EndReason

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from tuneterm.runner.control import TrialController

STOP_DECISIONS: dict[str, tuple[EndReason, int]] = {}
"""trial_id -> (why, at which iteration) for trials a scheduler decided to stop, this process."""


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
    if metric and metric not in result and "training_iteration" in result:
        reported = sorted(k for k, v in result.items() if isinstance(v, int | float))
        raise MetricNotReported(trial_id, metric, reported)


class _RecordsStops:
    """Mixin for a TrialScheduler: check the metric, and record STOP decisions with their reason."""

    metric: str | None

    def on_trial_result(self, tune_controller: Any, trial: Any, result: dict[str, Any]) -> str:
        _check_metric(self.metric, trial.trial_id, result)
        decision: str = super().on_trial_result(tune_controller, trial, result)  # type: ignore[misc]
        if decision == TrialScheduler.STOP:
            iteration = int(result.get("training_iteration", 0))
            STOP_DECISIONS[trial.trial_id] = (self._reason_for_stop(result), iteration)
        return decision

    def _reason_for_stop(self, result: dict[str, Any]) -> EndReason:
        return EndReason.SCHEDULER


class _TakesControlRequests:
    """Mixin for a FIFO-like TrialScheduler: apply control requests on every loop step, and never
    start a trial the user paused (FIFO and ASHA would resume any PAUSED trial by themselves)."""

    metric: str | None
    _trial_controller: TrialController | None = None

    def enable_control(self, store_path: Path) -> None:
        """Take requests from the store at `store_path` (without this, none are taken)."""
        from tuneterm.runner.control import TrialController

        self._trial_controller = TrialController(store_path)

    def choose_trial_to_run(self, tune_controller: Any) -> Any:
        control = self._trial_controller
        if control is not None:
            try:
                control.step(tune_controller, self.metric)
            except Exception:
                # An unreadable store must not end the sweep; requests wait for the next step.
                logger.exception("applying control requests failed")
        trials = tune_controller.get_trials()
        for trial in trials:
            if trial.status == "PENDING":
                return trial
        for trial in trials:
            if trial.status == "PAUSED" and not (control and control.is_held(trial)):
                return trial
        return None


class RecordingASHA(_RecordsStops, _TakesControlRequests, ASHAScheduler):
    def _reason_for_stop(self, result: dict[str, Any]) -> EndReason:
        # ASHA says STOP both at a rung cut-off and when a trial reaches max_t.
        if result.get(self._time_attr, 0) >= self._max_t:
            return EndReason.COMPLETED
        return EndReason.SCHEDULER


class RecordingMedian(_RecordsStops, _TakesControlRequests, MedianStoppingRule):
    pass


class RecordingFIFO(_RecordsStops, _TakesControlRequests, FIFOScheduler):
    pass
