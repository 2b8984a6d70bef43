"""The driver's side of trial health (domain.health): the rules applied to Ray's raw results,
every change of a trial's health recorded in the store, and the trials `[health] stop` names
stopped by the driver itself.

The recording schedulers call `HealthMonitor.on_result` for every result, before Tune acts on
it, so that a trial flagged by `nan` or `diverged` stops at the very iteration that flagged it
(the scheduler answers STOP); and `check_stalls` from `choose_trial_to_run`, which Tune calls on
every loop step, so that `stalled` is applied about once a second without a result to wait for.
Only the driver sees a NaN: the store keeps finite values only, so a `trial_health` event is
what tells every client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tuneterm.domain.config.health import HealthSpec
from tuneterm.domain.events import EventKind
from tuneterm.domain.health import HEALTHY, Health, HealthPolicy, HealthRule, HealthWatch
from tuneterm.domain.status import EndReason
from tuneterm.runner.control import stop
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.ray_trial import ENDED, RUNNING, result_iteration
from tuneterm.storage.store import Store

STALL_CHECK_INTERVAL = 1.0
"""Seconds between two applications of the stall rule to the running trials."""
_PRIMING_QUERY = (
    "SELECT time, kind, iteration, data FROM events WHERE trial_id = ? AND kind IN (?, ?)"
    " ORDER BY seq"
)


class HealthMonitor:
    """Applies the health rules in the driver and stops the trials the config asks it to.

    Lives inside a scheduler, which Tune cloudpickles: the store connection and the watches are
    left out of the pickled state. A trial first seen in this driver process (a restored sweep)
    gets a watch primed with what the store recorded of it.
    """

    def __init__(
        self,
        store_path: Path,
        spec: HealthSpec,
        metrics: Sequence[tuple[str, str]],
        decisions: StopDecisions,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store_path = Path(store_path)
        self._policy = HealthPolicy.of(metrics, spec.settings)
        self.stop_rules = frozenset(HealthRule(rule) for rule in spec.stop)
        """The rules whose flag stops a trial."""
        self._stop_decisions = decisions
        self._clock = clock
        self._store: Store | None = None
        self._watches: dict[str, HealthWatch] = {}
        self._next_stall_check = 0.0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_store": None, "_watches": {}, "_next_stall_check": 0.0}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self._store_path)
        return self._store

    def health(self, trial_id: str) -> Health | None:
        """What is wrong with the trial, as far as this driver saw (None: nothing, or unseen)."""
        watch = self._watches.get(trial_id)
        return None if watch is None else watch.health

    def on_result(self, wrapper: Any, trial: Any, result: dict[str, Any]) -> bool:
        """Fold one of `trial`'s results; True when a rule the config stops for flagged it: the
        decision is then recorded, and the scheduler answers STOP."""
        trial_id = trial.trial_id
        watch = self._watch(trial_id)
        was_stalled = watch.stall is not None
        iteration = result_iteration(result)
        flag = watch.observe(self._clock(), iteration, result)
        if flag is None:
            if was_stalled:
                self._record(trial_id, iteration, HEALTHY, "reported again")
            return False
        self._record(trial_id, iteration, flag.rule.value, flag.reason)
        if flag.rule not in self.stop_rules:
            return False
        if flag.rule is HealthRule.NAN:
            # A NaN ranks nowhere: the searcher learns nothing from this trial, as from an error.
            wrapper.search_alg.on_trial_complete(trial_id, error=True)
        self._stop_decisions.record(trial_id, EndReason.RULE, iteration, flag.rule.value)
        return True

    def check_stalls(self, wrapper: Any, metric: str | None) -> None:
        """Apply the stall rule to the running trials, at most once per STALL_CHECK_INTERVAL;
        record each new stall, and stop the trial when the config asks to."""
        now = self._clock()
        if now < self._next_stall_check or not self._watches:
            return
        self._next_stall_check = now + STALL_CHECK_INTERVAL
        for trial in wrapper.get_trials():
            watch = self._watches.get(trial.trial_id)
            if watch is None:
                continue
            if trial.status in ENDED:
                del self._watches[trial.trial_id]
            elif trial.status != RUNNING:
                watch.restart()  # paused or waiting for resources: watched from its next report
            elif watch.stall is None and watch.check_stall(now):
                self._stalled(wrapper, trial, watch, metric)

    def _stalled(self, wrapper: Any, trial: Any, watch: HealthWatch, metric: str | None) -> None:
        stall = watch.stall
        if stall is None:
            return
        self._record(trial.trial_id, max(0, watch.last_iteration), stall.rule.value, stall.reason)
        if HealthRule.STALLED in self.stop_rules:
            stop(wrapper, trial, metric, self._stop_decisions, rule=HealthRule.STALLED.value)

    def _watch(self, trial_id: str) -> HealthWatch:
        watch = self._watches.get(trial_id)
        if watch is None:
            watch = self._watches[trial_id] = self._primed(trial_id)
        return watch

    def _primed(self, trial_id: str) -> HealthWatch:
        """A watch that has seen what the store recorded of the trial: its results and flags."""
        watch = HealthWatch(self._policy)
        params = (trial_id, EventKind.RESULT, EventKind.TRIAL_HEALTH)
        for at, kind, iteration, data in self.store.query(_PRIMING_QUERY, params):
            values = json.loads(data)
            if kind == EventKind.RESULT:
                watch.observe(at, iteration, values)
            else:
                watch.note(values.get("health"), values.get("reason"))
        # The gap since its last recorded report spans the driver's restart, not the trial's pace.
        watch.restart()
        return watch

    def _record(self, trial_id: str, iteration: int, health: str, reason: str) -> None:
        with self.store.transaction():
            self.store.append_event(
                self._clock(),
                EventKind.TRIAL_HEALTH,
                trial_id,
                iteration,
                {"health": health, "reason": reason},
            )
