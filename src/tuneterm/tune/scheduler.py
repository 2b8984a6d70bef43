"""Schedulers that remember why they stopped a trial, and check the metric on every result.

Ray marks every finished trial TERMINATED, whether it completed, was cut at an ASHA rung or was
stopped by the median rule. The scheduler is the only place that knows which, so these subclasses
write their decision into `STOP_DECISIONS`, which the store callback reads when the trial ends.
"""

from __future__ import annotations

from typing import Any

from ray.tune.schedulers import (
    ASHAScheduler,
    FIFOScheduler,
    MedianStoppingRule,
    TrialScheduler,
)

from tuneterm.model.trial import EndReason

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


class RecordingASHA(_RecordsStops, ASHAScheduler):
    def _reason_for_stop(self, result: dict[str, Any]) -> EndReason:
        # ASHA says STOP both at a rung cut-off and when a trial reaches max_t.
        if result.get(self._time_attr, 0) >= self._max_t:
            return EndReason.COMPLETED
        return EndReason.SCHEDULER


class RecordingMedian(_RecordsStops, MedianStoppingRule):
    pass


class RecordingFIFO(_RecordsStops, FIFOScheduler):
    pass
