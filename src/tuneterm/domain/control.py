"""Requests to stop, pause or resume trials, written by any client and applied by the driver.

A client (the dashboard, the CLI) inserts a request into the experiment's store; the driver polls
the store on every step of Tune's loop, applies the request and resolves it as done or rejected.
The store file is the only channel: no port is ever opened. One rule, `decide`, says what a
request means for a trial as whoever asks sees it (the driver, a client, the dashboard), so that
all three give the same answer and it can be tested without Ray.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.trial import Trial


class ControlAction(StrEnum):
    """What a client asks the driver to do."""

    STOP = "stop"
    """End one trial now (reason: user)."""
    PAUSE = "pause"
    """Free one trial's resources and hold it until resumed."""
    RESUME = "resume"
    """Let a paused trial run again, from its last reported checkpoint."""
    STOP_ALL = "stop_all"
    """End every trial and the sweep itself (status: stopped)."""


class ControlState(StrEnum):
    """Where a request is: waiting for the driver, or resolved by it."""

    REQUESTED = "requested"
    DONE = "done"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """One request as the store holds it."""

    request_id: int
    time: float
    """Wall-clock time (Unix seconds) at which the client wrote it."""
    action: ControlAction
    trial_id: str | None
    """The trial it names; None for STOP_ALL."""
    state: str
    """"requested", "done" or "rejected" (see ControlState)."""
    message: str = ""
    """What the driver did or why it refused, in one line."""
    resolved_at: float | None = None


class Step(StrEnum):
    """What the driver does to apply a request."""

    STOP = "stop"
    """End the trial (reason: user), killing its worker if it has one."""
    PAUSE = "pause"
    """Stop its worker without a checkpoint and hold the trial."""
    HOLD = "hold"
    """Hold a trial that has no worker (waiting for resources) without starting it."""
    RELEASE = "release"
    """Let a held trial be scheduled again, from its last reported checkpoint."""
    STOP_ALL = "stop_all"
    """Stop every live trial and let the searcher suggest no more."""
    REJECT = "reject"
    """Refuse the request; the plan's message says why."""


@dataclass(frozen=True, slots=True)
class Plan:
    """The driver's answer to one request: the step to take, or why it refuses."""

    step: Step
    message: str = ""
    """Why the request is refused (REJECT only)."""


_ENDINGS = {
    EndReason.SCHEDULER: "stopped by the scheduler",
    EndReason.USER: "stopped by the user",
    EndReason.RULE: "stopped by a health rule",
    EndReason.ERROR: "errored",
}


@dataclass(frozen=True, slots=True)
class TrialView:
    """A trial as the control rule needs to see it, whoever looked at it.

    The driver builds one from Ray's status (`runner.ray_trial.control_view`), a client from the
    store's row (`of_trial`), the dashboard from its row (`of_record`): each knows the trial
    differently, the rule is one.
    """

    trial_id: str
    found: bool = True
    """False when the sweep has no such trial."""
    ended: str | None = None
    """How it ended ("completed at iteration 5"); None while it has not."""
    paused: bool = False
    """The user paused it: the driver holds it until it is resumed."""
    running: bool = False
    """It has a worker; a live trial without one waits for resources."""

    @classmethod
    def of_record(
        cls,
        trial_id: str,
        status: TrialStatus,
        reason: EndReason | None,
        stop_iteration: int | None,
        iteration: int,
    ) -> TrialView:
        """A view from tuneterm's own record of a trial: its status, why and at which iteration it
        stopped, the highest iteration it reported."""
        if status is TrialStatus.ENDED:
            how = "ended" if reason is None else _ENDINGS.get(reason, reason.value)
            at = stop_iteration if stop_iteration is not None else iteration
            return cls(trial_id, ended=f"{how} at iteration {at}")
        paused, running = status is TrialStatus.PAUSED, status is TrialStatus.RUNNING
        return cls(trial_id, paused=paused, running=running)

    @classmethod
    def of_trial(cls, trial: Trial) -> TrialView:
        """A client's view, from the store's row."""
        return cls.of_record(
            trial.trial_id, trial.status, trial.reason, trial.stop_iteration, trial.last_iteration
        )


def decide(action: ControlAction, trial: TrialView | None) -> Plan:
    """The control rule: whether `action` on `trial` can apply now, and the step that applies it.

    `trial` is None when the request names none, as only STOP_ALL may.
    """
    if action is ControlAction.STOP_ALL:
        return Plan(Step.STOP_ALL)
    if trial is None:
        return Plan(Step.REJECT, f"a {action.value} request must name a trial")
    if not trial.found:
        return Plan(Step.REJECT, f"no trial {trial.trial_id} in this sweep")
    if trial.ended is not None:
        return Plan(Step.REJECT, f"trial {trial.trial_id} already ended ({trial.ended})")
    return _decide_live(action, trial)


def _decide_live(action: ControlAction, trial: TrialView) -> Plan:
    if action is ControlAction.STOP:
        return Plan(Step.STOP)
    if action is ControlAction.RESUME and not trial.paused:
        now = (TrialStatus.RUNNING if trial.running else TrialStatus.PENDING).value
        return Plan(Step.REJECT, f"trial {trial.trial_id} is not paused (it is {now})")
    if action is ControlAction.RESUME:
        return Plan(Step.RELEASE)
    if trial.paused:
        return Plan(Step.REJECT, f"trial {trial.trial_id} is already paused")
    return Plan(Step.PAUSE if trial.running else Step.HOLD)
