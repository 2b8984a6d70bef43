"""The one control rule: the same answer whoever looked at the trial (the driver through Ray, a
client through the store, the dashboard through its row)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tuneterm.domain.control import ControlAction, Plan, Step, TrialView, decide
from tuneterm.domain.status import (
    EndReason,
    TrialStatus,
)
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.trial import Trial
from tuneterm.runner.ray_trial import control_view

STOP, PAUSE, RESUME, STOP_ALL = (
    ControlAction.STOP,
    ControlAction.PAUSE,
    ControlAction.RESUME,
    ControlAction.STOP_ALL,
)


@dataclass(frozen=True)
class Subject:
    """One trial in one situation, as each side would hold it."""

    ray_status: str | None
    """Ray's status (None: Ray has no such trial)."""
    held: bool
    """Whether the driver holds it for the user."""
    status: TrialStatus | None
    """What the store and the dashboard record (None: they have no such trial)."""
    reason: EndReason | None = None


SUBJECTS = {
    "running": Subject("RUNNING", False, TrialStatus.RUNNING),
    "paused": Subject("PAUSED", True, TrialStatus.PAUSED),
    "pending": Subject("PENDING", False, TrialStatus.PENDING),
    "ended": Subject("TERMINATED", False, TrialStatus.ENDED, EndReason.COMPLETED),
    "unknown": Subject(None, False, None),
}


def stored(subject: Subject) -> Trial | None:
    if subject.status is None:
        return None
    ended = subject.status is TrialStatus.ENDED
    return Trial(
        "t1",
        {},
        subject.status,
        reason=subject.reason,
        stop_iteration=5 if ended else None,
        last_iteration=5,
    )


def shown(subject: Subject) -> TrialRow | None:
    trial = stored(subject)
    if trial is None:
        return None
    return TrialRow("t1", trial.status, trial.reason, trial.stop_iteration, {}, 5, *(None,) * 6)


def views(subject: Subject) -> dict[str, TrialView | None]:
    """The trial as the driver, a client and the dashboard see it (None: that side has none)."""
    trial, row = stored(subject), shown(subject)
    return {
        "driver": control_view("t1", subject.ray_status, subject.held, trial),
        "store": TrialView.of_trial(trial) if trial is not None else None,
        "dashboard": row.control_view if row is not None else None,
    }


def reject(message: str) -> Plan:
    return Plan(Step.REJECT, message)


ENDED = reject("trial t1 already ended (completed at iteration 5)")
UNKNOWN = reject("no trial t1 in this sweep")
EXPECTED = {
    ("running", STOP): Plan(Step.STOP),
    ("running", PAUSE): Plan(Step.PAUSE),
    ("running", RESUME): reject("trial t1 is not paused (it is running)"),
    ("paused", STOP): Plan(Step.STOP),
    ("paused", PAUSE): reject("trial t1 is already paused"),
    ("paused", RESUME): Plan(Step.RELEASE),
    ("pending", STOP): Plan(Step.STOP),
    ("pending", PAUSE): Plan(Step.HOLD),
    ("pending", RESUME): reject("trial t1 is not paused (it is pending)"),
    ("ended", STOP): ENDED,
    ("ended", PAUSE): ENDED,
    ("ended", RESUME): ENDED,
    ("unknown", STOP): UNKNOWN,
    ("unknown", PAUSE): UNKNOWN,
    ("unknown", RESUME): UNKNOWN,
    **{(name, STOP_ALL): Plan(Step.STOP_ALL) for name in SUBJECTS},
}


@pytest.mark.parametrize(("name", "action"), sorted(EXPECTED))
def test_the_rule_answers_alike_from_the_driver_the_store_and_the_dashboard(
    name: str, action: ControlAction
) -> None:
    seen = views(SUBJECTS[name])
    # The store and the dashboard know no trial before it starts: only the driver answers then.
    present = {side for side, view in seen.items() if view is not None}
    assert present == ({"driver"} if name == "unknown" else {"driver", "store", "dashboard"})
    answers = {side: decide(action, view) for side, view in seen.items() if view is not None}
    assert answers == dict.fromkeys(present, EXPECTED[name, action])


def test_stop_all_names_no_trial_and_a_trial_action_must() -> None:
    assert decide(STOP_ALL, None) == Plan(Step.STOP_ALL)
    assert decide(STOP, None) == Plan(Step.REJECT, "a stop request must name a trial")
    assert control_view(None, None, False, None) is None


# -- the driver's view, from Ray's status --------------------------------------------------------


def ended_trial() -> Trial:
    return Trial(
        "t1", {}, TrialStatus.ENDED, reason=EndReason.COMPLETED, stop_iteration=5, last_iteration=5
    )


@pytest.mark.parametrize(
    ("action", "ray_status", "held", "expected"),
    [
        (STOP, "RUNNING", False, Step.STOP),
        (STOP, "PENDING", False, Step.STOP),
        (STOP, "PAUSED", True, Step.STOP),
        (PAUSE, "RUNNING", False, Step.PAUSE),
        (PAUSE, "PENDING", False, Step.HOLD),
        (RESUME, "PAUSED", True, Step.RELEASE),
        (STOP_ALL, None, False, Step.STOP_ALL),
    ],
)
def test_the_driver_plans_a_live_trial(
    action: ControlAction, ray_status: str | None, held: bool, expected: Step
) -> None:
    assert decide(action, control_view("t1", ray_status, held, None)) == Plan(expected)


def driver_says(action: ControlAction, trial_id: str, ray_status: str | None, held: bool) -> str:
    return decide(action, control_view(trial_id, ray_status, held, None)).message


def test_the_driver_refuses_with_a_reason() -> None:
    assert driver_says(STOP, "nope", None, False) == "no trial nope in this sweep"
    ended = decide(PAUSE, control_view("t1", "TERMINATED", False, ended_trial()))
    assert ended == Plan(Step.REJECT, "trial t1 already ended (completed at iteration 5)")
    assert driver_says(RESUME, "t1", "RUNNING", False) == "trial t1 is not paused (it is running)"
    assert driver_says(PAUSE, "t1", "PAUSED", True) == "trial t1 is already paused"
    # A trial that ended before the store saw it start is described by Ray's status.
    assert driver_says(STOP, "t2", "ERROR", False) == "trial t2 already ended (error)"


# -- a client's view, from the store --------------------------------------------------------------


def test_a_client_decides_from_the_store_alone() -> None:
    running = TrialView.of_trial(Trial("t1", {}, TrialStatus.RUNNING))
    assert decide(STOP, running) == Plan(Step.STOP)
    assert decide(RESUME, running).message == "trial t1 is not paused (it is running)"
    assert decide(STOP, TrialView.of_trial(ended_trial())).message == (
        "trial t1 already ended (completed at iteration 5)"
    )
    assert decide(STOP, TrialView("zz", found=False)).message == "no trial zz in this sweep"
    assert decide(STOP_ALL, None) == Plan(Step.STOP_ALL)


@pytest.mark.parametrize(
    ("reason", "stop_iteration", "how"),
    [
        (EndReason.COMPLETED, None, "completed at iteration 7"),
        (EndReason.SCHEDULER, 2, "stopped by the scheduler at iteration 2"),
        (EndReason.USER, 3, "stopped by the user at iteration 3"),
        (EndReason.ERROR, None, "errored at iteration 7"),
        (EndReason.INTERRUPTED, None, "interrupted at iteration 7"),
        (None, None, "ended at iteration 7"),
    ],
)
def test_an_ended_trial_says_how_and_where_it_ended(
    reason: EndReason | None, stop_iteration: int | None, how: str
) -> None:
    trial = Trial(
        "t1",
        {},
        TrialStatus.ENDED,
        reason=reason,
        stop_iteration=stop_iteration,
        last_iteration=7,
    )
    assert TrialView.of_trial(trial).ended == how
    assert decide(PAUSE, TrialView.of_trial(trial)).message == f"trial t1 already ended ({how})"
