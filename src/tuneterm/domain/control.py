"""Requests to stop, pause or resume trials, written by any client and applied by the driver.

A client (the dashboard, the CLI) inserts a request into the experiment's store; the driver polls
the store on every step of Tune's loop, applies the request and resolves it as done or rejected.
The store file is the only channel: no port is ever opened. The decision functions here say what
a request means given a trial's recorded state, so they can be tested without Ray.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tuneterm.domain.status import TrialStatus
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

    @property
    def pending(self) -> bool:
        return self.state == ControlState.REQUESTED


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


RAY_LIVE_STATUSES = frozenset({"PENDING", "RUNNING", "PAUSED"})
"""Ray's statuses of a trial that has not ended (TERMINATED and ERROR are the others)."""


def plan(
    action: ControlAction,
    trial_id: str | None,
    ray_status: str | None,
    held: bool,
    recorded: Trial | None,
) -> Plan:
    """What `action` means for a trial in Ray status `ray_status` (None: Ray has no such trial).

    `held` says whether the user paused it; `recorded` is the store's row for it (None when it
    never started), used to word a refusal.
    """
    if action is ControlAction.STOP_ALL:
        return Plan(Step.STOP_ALL)
    if ray_status is None:
        return Plan(Step.REJECT, f"no trial {trial_id} in this sweep")
    if ray_status not in RAY_LIVE_STATUSES:
        how = describe_end(recorded) if recorded is not None else ray_status.lower()
        return Plan(Step.REJECT, f"trial {trial_id} already ended ({how})")
    return _plan_live(action, trial_id, ray_status, held)


def _plan_live(action: ControlAction, trial_id: str | None, ray_status: str, held: bool) -> Plan:
    if action is ControlAction.STOP:
        return Plan(Step.STOP)
    if action is ControlAction.RESUME:
        return Plan(Step.RELEASE) if held else Plan(Step.REJECT, f"trial {trial_id} is not paused")
    if held:
        return Plan(Step.REJECT, f"trial {trial_id} is already paused")
    return Plan(Step.PAUSE if ray_status == "RUNNING" else Step.HOLD)


def describe_end(trial: Trial) -> str:
    """How an ended trial ended, e.g. "completed at iteration 5"."""
    reason = trial.reason.value if trial.reason is not None else "ended"
    iteration = trial.stop_iteration if trial.stop_iteration is not None else trial.last_iteration
    return f"{reason} at iteration {iteration}"


def rejection(action: ControlAction, trial_id: str | None, trial: Trial | None) -> str | None:
    """Why `action` on `trial` (as the store records it; None if unknown) cannot apply, or None.

    Clients ask this for an immediate answer; the driver decides again from Ray's own view (see
    `plan`), which also knows trials still waiting for resources.
    """
    if action is ControlAction.STOP_ALL:
        return None
    if trial is None:
        return f"no trial {trial_id} in this sweep"
    if trial.status is TrialStatus.ENDED:
        return f"trial {trial.trial_id} already ended ({describe_end(trial)})"
    if action is ControlAction.RESUME and trial.status is not TrialStatus.PAUSED:
        return f"trial {trial.trial_id} is not paused (it is {trial.status.value})"
    if action is ControlAction.PAUSE and trial.status is TrialStatus.PAUSED:
        return f"trial {trial.trial_id} is already paused"
    return None
