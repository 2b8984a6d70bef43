"""What the plots screen draws on its axes: a log scale when it helps, the scheduler's rungs."""

from __future__ import annotations

from tests.ui.trial_rows import row
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.ui.screens.plots import rung_iterations, wants_log


def test_log_axis_for_parameters_spanning_more_than_two_decades() -> None:
    assert wants_log([1e-5, 1e-2])
    assert not wants_log([16, 32, 64, 128])


def test_rungs_are_where_the_scheduler_stopped_trials() -> None:
    rows = [
        row("a", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=3),
        row("b", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=1),
        row("c", status=TrialStatus.ENDED, reason=EndReason.COMPLETED, stop_iteration=9),
        row("d", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=3),
    ]
    assert rung_iterations(rows) == [1, 3]
