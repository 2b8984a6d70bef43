"""Applying control requests inside Tune's loop: the one module that uses Ray's private API.

Checked against ray 2.60.0 (pinned in pyproject.toml; tests/test_control.py fails loudly when an
assumption below no longer holds). Tune offers no public way to stop or pause one trial *now*: a
`Stopper` or a scheduler decision acts only at the trial's next report, minutes away for a slow
trainable. So the recording schedulers call `TrialController.step` from `choose_trial_to_run`,
which Tune calls on every loop step (about every 100 ms) with a `TrialRunnerWrapper` whose
whitelist holds `stop_trial`, `pause_trial`, `_set_trial_status`, `get_trials` and `search_alg`.

Private pieces relied on (see `PRIVATE_API`):
- `trial.temporary_state.ray_actor`: the trial's actor handle, read *before* `stop_trial` or
  `pause_trial` clear it, then `ray.kill`ed: without the kill the slot stays busy until the
  in-flight `train()` call returns (the next report).
- `TuneController.pause_trial(trial, should_checkpoint=False)`: stops the actor without queuing a
  save behind the running `train()`, and leaves the trial PAUSED; it later restarts from its last
  *reported* checkpoint.
- `TuneController._set_trial_status(trial, status)`: holds a trial that waits for resources, and
  puts a held trial back to PENDING.
- `TuneController._staged_trials` / `_unstage_trial_with_resources`: a pending trial whose actor
  was requested but not started must be unstaged, or Tune never requests an actor for it again.
- `TuneController._cached_trial_decisions` / `_queued_trial_decisions`: a pause that lands while
  a checkpoint save is in flight leaves a cached STOP there, which would end the trial at its first
  save after the resume; the pause clears them.
- `TrialRunnerWrapper._tune_controller`: the controller behind the wrapper.
- `Tuner._local_tuner` (`get_run_config()`, `_tune_config`): where `rewire_restored` puts fresh
  callbacks and scheduler into a restored tuner (`Tuner.restore` takes neither).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import ray

from tuneterm.domain.control import ControlRequest, Plan, Step, decide
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.ray_trial import (
    ENDED,
    PAUSED,
    PENDING,
    RUNNING,
    control_view,
    last_iteration,
)
from tuneterm.storage.store import Store

logger = logging.getLogger(__name__)

RAY_VERSION_CHECKED = "2.60.0"

PRIVATE_API = {
    "TuneController": (
        "stop_trial",
        "pause_trial",
        "_set_trial_status",
        "_staged_trials",
        "_unstage_trial_with_resources",
        "_trial_to_actor",
        "_cached_trial_decisions",
        "_queued_trial_decisions",
    ),
    "TrialRunnerWrapper": ("_tune_controller",),
    "_TemporaryTrialState": ("ray_actor",),
    "Tuner": ("_local_tuner",),
    "TunerInternal": ("get_run_config", "_tune_config"),
}
"""The private names this module uses, by the Ray class that holds them (checked by the tests)."""

_FINAL = frozenset(
    {EndReason.COMPLETED, EndReason.SCHEDULER, EndReason.USER, EndReason.ERROR, EndReason.RULE}
)
"""End reasons a resume must not undo (an interrupted trial is resumed)."""

WRAPPER_WHITELIST = frozenset(
    {"stop_trial", "pause_trial", "_set_trial_status", "get_trials", "search_alg"}
)
"""What this module calls through the scheduler's TrialRunnerWrapper without a warning."""


class TrialController:
    """Polls the store for control requests and applies them to Tune's trials.

    Lives inside a scheduler, which Tune cloudpickles: the store connection is opened lazily and
    left out of the pickled state. The user's stops are recorded in `decisions`.
    """

    def __init__(self, store_path: Path, decisions: StopDecisions) -> None:
        self._store_path = Path(store_path)
        self._stop_decisions = decisions
        self._store: Store | None = None
        self._seen_request_id = 0
        self._held_trial_ids: set[str] = set()
        self._synced = False

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_store": None, "_seen_request_id": 0, "_synced": False}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self._store_path)
        return self._store

    def is_held(self, trial: Any) -> bool:
        """Whether the user paused `trial`: the scheduler must never start it by itself."""
        return bool(trial.trial_id in self._held_trial_ids)

    def step(self, wrapper: Any, metric: str | None) -> None:
        """Apply every new request; cheap (one indexed SELECT) when there is none."""
        if not self._synced:
            self._hold_paused_after_restore(wrapper)
            self._synced = True
        latest = self.store.last_control_id()
        if latest <= self._seen_request_id:
            return
        for request in self.store.pending_controls():
            self._apply(wrapper, request, metric)
        self._seen_request_id = latest

    def _hold_paused_after_restore(self, wrapper: Any) -> None:
        # Tuner.restore turns PAUSED trials into PENDING; the store remembers the user's pause.
        # Ray's saved state may also be older than a trial's end (a driver killed within its
        # snapshot period): the store remembers that the trial ended, and why.
        recorded = {t.trial_id: t for t in self.store.trials()}
        for trial in wrapper.get_trials():
            known = recorded.get(trial.trial_id)
            if known is None or trial.status not in (PENDING, PAUSED):
                continue
            if known.status is TrialStatus.PAUSED:
                _pause(wrapper, trial)
                self._held_trial_ids.add(trial.trial_id)
            elif known.status is TrialStatus.ENDED and known.reason in _FINAL:
                iteration = known.stop_iteration or known.last_iteration
                self._stop_decisions.record(trial.trial_id, known.reason, iteration)
                _unstage(wrapper, trial)
                wrapper.stop_trial(trial)

    def _apply(self, wrapper: Any, request: ControlRequest, metric: str | None) -> None:
        try:
            done, message = self._execute(wrapper, request, metric)
        except Exception as exc:
            logger.exception("control request %s failed", request)
            done, message = False, f"could not {request.action.value}: {exc}"
        self.store.resolve_control(request.request_id, done, message)

    def _execute(
        self, wrapper: Any, request: ControlRequest, metric: str | None
    ) -> tuple[bool, str]:
        trial = _find_trial(wrapper, request.trial_id)
        decision = self._plan(request, trial)
        if decision.step is Step.REJECT:
            return False, decision.message
        if decision.step is Step.STOP_ALL:
            return True, self._stop_all(wrapper, metric)
        assert trial is not None
        return True, self._act(wrapper, trial, decision, metric)

    def _plan(self, request: ControlRequest, trial: Any) -> Plan:
        recorded = None
        if request.trial_id is not None:
            recorded = next(
                (t for t in self.store.trials() if t.trial_id == request.trial_id), None
            )
        ray_status = trial.status if trial is not None else None
        held = trial is not None and self.is_held(trial)
        view = control_view(request.trial_id, ray_status, held, recorded)
        return decide(request.action, view)

    def _act(self, wrapper: Any, trial: Any, decision: Plan, metric: str | None) -> str:
        trial_id, iteration = trial.trial_id, last_iteration(trial)
        if decision.step is Step.STOP:
            self._held_trial_ids.discard(trial_id)
            stop(wrapper, trial, metric, self._stop_decisions)
            return f"trial {trial_id} stopped at iteration {iteration}"
        if decision.step is Step.RELEASE:
            self._held_trial_ids.discard(trial_id)
            wrapper._set_trial_status(trial, PENDING)
            self.store.record_trial_resumed(trial_id)
            return f"trial {trial_id} resumes {_resume_point(trial)}"
        _pause(wrapper, trial)
        self._held_trial_ids.add(trial_id)
        self.store.record_trial_paused(trial_id, iteration)
        return f"trial {trial_id} paused at iteration {iteration}; its resources are free"

    def _stop_all(self, wrapper: Any, metric: str | None) -> str:
        wrapper.search_alg.set_finished()
        live = [t for t in wrapper.get_trials() if t.status not in ENDED]
        for trial in live:
            stop(wrapper, trial, metric, self._stop_decisions)
        self._held_trial_ids.clear()
        plural = "" if len(live) == 1 else "s"
        return f"sweep stopped ({len(live)} live trial{plural} stopped)"


def stop(
    wrapper: Any,
    trial: Any,
    metric: str | None,
    decisions: StopDecisions,
    rule: str | None = None,
) -> None:
    """End `trial` now with reason USER, or RULE for a health `rule` (recorded in `decisions`);
    free its resources at once."""
    actor = trial.temporary_state.ray_actor
    if trial.status == RUNNING and metric and metric not in (trial.last_result or {}):
        # Stock HyperOptSearch reads the metric from the last result and, missing it, turns the
        # stop into an ERROR: tell the searcher first that this trial gave nothing to learn from.
        wrapper.search_alg.on_trial_complete(trial.trial_id, error=True)
    reason = EndReason.USER if rule is None else EndReason.RULE
    decisions.record(trial.trial_id, reason, last_iteration(trial), rule)
    _unstage(wrapper, trial)
    wrapper.stop_trial(trial)
    _kill(actor)


def _pause(wrapper: Any, trial: Any) -> None:
    """Stop `trial`'s worker (if any) without a checkpoint and leave it PAUSED."""
    controller = wrapper._tune_controller
    actor = trial.temporary_state.ray_actor
    _unstage(wrapper, trial)
    if trial in controller._trial_to_actor:
        wrapper.pause_trial(trial, should_checkpoint=False)
    else:
        wrapper._set_trial_status(trial, PAUSED)
    # Paused while a checkpoint save was in flight, Tune caches a STOP decision to run after that
    # save; it would end the trial at its first save after the resume. Forget it.
    controller._cached_trial_decisions.pop(trial.trial_id, None)
    controller._queued_trial_decisions.pop(trial.trial_id, None)
    _kill(actor)


def _unstage(wrapper: Any, trial: Any) -> None:
    # A pending trial whose actor was requested stays "staged" otherwise, and Tune never
    # requests another actor for it.
    controller = wrapper._tune_controller
    if trial.status == PENDING and trial in controller._staged_trials:
        controller._unstage_trial_with_resources(trial)


def _kill(actor: Any) -> None:
    if actor is not None:
        ray.kill(actor)


def _find_trial(wrapper: Any, trial_id: str | None) -> Any:
    if trial_id is None:
        return None
    return next((t for t in wrapper.get_trials() if t.trial_id == trial_id), None)


def _resume_point(trial: Any) -> str:
    if trial.checkpoint is None:
        return "from the start (it reported no checkpoint)"
    return f"from its last checkpoint (iteration {last_iteration(trial)})"


def control_assumptions_hold() -> list[str]:
    """The private names of `PRIVATE_API` missing from the installed Ray (empty when all hold)."""
    from ray.tune import Tuner
    from ray.tune.execution.tune_controller import TrialRunnerWrapper, TuneController
    from ray.tune.experiment.trial import _TemporaryTrialState
    from ray.tune.impl.tuner_internal import TunerInternal

    owners: dict[str, Any] = {
        "TuneController": TuneController,
        "TrialRunnerWrapper": TrialRunnerWrapper,
        "_TemporaryTrialState": _TemporaryTrialState,
        "Tuner": Tuner,
        "TunerInternal": TunerInternal,
    }
    missing = []
    for owner_name, names in PRIVATE_API.items():
        owner = owners[owner_name]
        for name in names:
            if not _has_attribute(owner, name):
                missing.append(f"{owner_name}.{name}")
    return missing


def _has_attribute(owner: type, name: str) -> bool:
    # Instance attributes are set in __init__: look for the assignment in its source too.
    if hasattr(owner, name):
        return True
    import inspect
    import re

    source = inspect.getsource(owner.__init__)  # type: ignore[misc]
    return re.search(rf"self\.{re.escape(name)}\s*(:[^=\n]*)?=", source) is not None


def rewire_restored(tuner: Any, callbacks: list[Any], scheduler: Any) -> None:
    """Give a `Tuner.restore`d tuner fresh callbacks and scheduler.

    The restored ones come from tuner.pkl, pickled when the first driver started: their paths may
    be stale (a moved directory) and the scheduler's decisions were never checkpointed anyway.
    """
    internal = tuner._local_tuner
    internal.get_run_config().callbacks = callbacks
    internal._tune_config.scheduler = scheduler
