"""Controlling a running sweep from the command line: `stop`, `pause`, `resume-trial`, `resume`.

A request is a row in the experiment's store; the driver applies it within one step of Tune's loop
(about 100 ms) and resolves it. The client checks the store first, so that a request that cannot
work (a dead driver, a trial that already ended) gets its answer at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tuneterm.domain.config.spec import ConfigError, StorageSpec
from tuneterm.domain.control import (
    ControlAction,
    ControlRequest,
    ControlState,
    Step,
    TrialView,
    decide,
)
from tuneterm.domain.status import SweepStatus, is_live
from tuneterm.domain.trial import Trial
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.ray_storage import saved_state_times, sweep_location
from tuneterm.storage.recorded_config import read_recorded_config
from tuneterm.storage.store import Store, StoreError

ANSWER_TIMEOUT_S = 10.0
"""How long a client waits for the driver to resolve its request."""

POLL_INTERVAL_S = 0.05


class RequestRefused(Exception):
    """The request cannot be sent or was rejected: one line for the user, exit code 2."""


class NoAnswer(Exception):
    """The driver did not resolve the request in time (it stays pending)."""


def open_store(directory: Path) -> Store:
    expdir = ExperimentDir(directory)
    try:
        return Store.open(expdir.store)
    except StoreError as exc:
        if expdir.store.is_file():
            raise RequestRefused(str(exc)) from None
        raise RequestRefused(f"{directory}: not a tuneterm experiment directory") from None


def send(
    directory: Path,
    action: ControlAction,
    trial_id: str | None,
    timeout: float = ANSWER_TIMEOUT_S,
    clock: Callable[[], float] = time.monotonic,
) -> ControlRequest:
    """Write a request after checking it against the store, then wait for the driver to apply it.

    Raises RequestRefused (not sent, or rejected by the driver) or NoAnswer.
    """
    with open_store(directory) as store:
        trial_id = precheck(store, directory, action, trial_id)
        request_id = store.request_control(action, trial_id)
        request = wait_for_answer(store, request_id, timeout, clock)
    if request.state == ControlState.REJECTED:
        raise RequestRefused(request.message)
    return request


def precheck(
    store: Store, directory: Path, action: ControlAction, trial_id: str | None
) -> str | None:
    """The full trial id the request names, or RequestRefused saying why it cannot work."""
    _refuse_unless_live(effective_status(store.meta()), directory)
    if trial_id is None:
        return None
    trial = find_trial(store.trials(), trial_id)
    if trial is None:
        # Trials still waiting for resources are known to the driver only: it answers.
        return trial_id
    decision = decide(action, TrialView.of_trial(trial))
    if decision.step is Step.REJECT:
        raise RequestRefused(decision.message)
    return trial.trial_id


def _refuse_unless_live(status: str, directory: Path) -> None:
    if is_live(status):
        return
    resumable = status == SweepStatus.CRASHED
    hint = f" (`tuneterm resume {directory}` continues it)" if resumable else ""
    raise RequestRefused(f"the sweep is not running (it is {status}){hint}")


def find_trial(trials: list[Trial], trial_id: str) -> Trial | None:
    """The trial with this id, or the only one whose id ends with it (e.g. "00003")."""
    exact = [t for t in trials if t.trial_id == trial_id]
    if exact:
        return exact[0]
    by_suffix = [t for t in trials if t.trial_id.endswith(trial_id)]
    return by_suffix[0] if len(by_suffix) == 1 else None


def wait_for_answer(
    store: Store, request_id: int, timeout: float, clock: Callable[[], float]
) -> ControlRequest:
    deadline = clock() + timeout
    while True:
        request = store.control(request_id)
        if request.state != ControlState.REQUESTED:
            return request
        if not is_live(effective_status(store.meta())):
            raise RequestRefused("the sweep's driver ended before it applied the request")
        if clock() >= deadline:
            raise NoAnswer(
                f"the driver has not answered in {timeout:g} s (request {request_id} stays pending)"
            )
        time.sleep(POLL_INTERVAL_S)


def resume_refusal(store: Store, directory: Path) -> str | None:
    """Why the sweep in `directory` cannot be resumed, or None if it can."""
    meta = store.meta()
    status = effective_status(meta)
    if is_live(status):
        return f"the sweep is still running (driver pid {meta.get('driver_pid')})"
    if status == SweepStatus.FINISHED:
        return "the sweep finished; there is nothing to resume"
    if status == SweepStatus.FAILED:
        return (
            "the sweep failed (every trial errored or none reported the metric); "
            "fix the trainable and start a new run"
        )
    if meta.get("config_error"):
        return "the sweep stopped on a config error; fix the config and start a new run"
    location = sweep_location(directory, _recorded_storage(directory))
    if not saved_state_times(location):
        return f"{location}: no Ray experiment state to resume from"
    return None


def _recorded_storage(directory: Path) -> StorageSpec:
    try:
        return read_recorded_config(ExperimentDir(directory).config_json).storage
    except ConfigError:
        return StorageSpec()
