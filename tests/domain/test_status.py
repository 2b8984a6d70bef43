"""What a sweep's status is shown as, and the one test of whether it is live."""

from __future__ import annotations

import pytest

from tuneterm.domain.status import SweepStatus, is_live, shown_status

# -- when a sweep is live to ask ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "driver_alive", "shown"),
    [
        ("created", None, SweepStatus.CREATED),
        ("created", True, SweepStatus.STARTING),
        ("created", False, SweepStatus.CRASHED),
        ("running", None, SweepStatus.RUNNING),
        ("running", True, SweepStatus.RUNNING),
        ("running", False, SweepStatus.CRASHED),
        ("finished", False, SweepStatus.FINISHED),
        ("stopped", True, SweepStatus.STOPPED),
        ("failed", True, SweepStatus.FAILED),
        ("failed", False, SweepStatus.FAILED),
        ("crashed", None, SweepStatus.CRASHED),
        ("read-only", None, "read-only"),
    ],
)
def test_the_status_shown_follows_the_driver(
    recorded: str, driver_alive: bool | None, shown: str
) -> None:
    assert shown_status(recorded, driver_alive) == shown


@pytest.mark.parametrize(
    ("status", "driver_alive", "live"),
    [
        (SweepStatus.RUNNING, True, True),
        (SweepStatus.STARTING, True, True),
        (SweepStatus.RUNNING, None, True),
        (SweepStatus.RUNNING, False, False),
        (SweepStatus.STARTING, False, False),
        (SweepStatus.CREATED, True, False),
        (SweepStatus.FINISHED, True, False),
        (SweepStatus.STOPPED, None, False),
        (SweepStatus.CRASHED, None, False),
        (SweepStatus.FAILED, True, False),
        ("read-only", True, False),
    ],
)
def test_a_sweep_is_live_while_running_or_starting_with_its_driver(
    status: str, driver_alive: bool | None, live: bool
) -> None:
    assert is_live(status, driver_alive) is live


def test_a_shown_status_is_live_exactly_when_its_driver_runs() -> None:
    recorded_statuses = [status for status in SweepStatus if status is not SweepStatus.STARTING]
    for recorded in recorded_statuses:
        assert not is_live(shown_status(recorded, False))
    assert is_live(shown_status(SweepStatus.CREATED, True))
    assert is_live(shown_status(SweepStatus.RUNNING, True))
    assert not is_live(shown_status(SweepStatus.CREATED, None))
