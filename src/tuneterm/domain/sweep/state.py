"""The live picture of a sweep, folded from store events: one row per trial, one metric series each.

A dashboard's ingest thread applies events as they arrive; its UI thread reads rows, counts and
histories. Per-result work is a handful of attribute updates and two array appends, so catching up
with a store of a million results takes about a second, and a point of history costs 8 bytes.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.sweep.health import health_policy, note_flag, stall_pass
from tuneterm.domain.sweep.history import MetricHistory
from tuneterm.domain.sweep.metrics import Objective, objectives_of, record_others
from tuneterm.domain.sweep.ordering import (
    OrderCache,
    current_keys,
    key_function,
    shown_test,
    sorted_ids,
    still_holds,
)
from tuneterm.domain.sweep.rows import (
    CATEGORIES,
    PENDING_LABELS,
    ControlNotice,
    TrialRecord,
    TrialRow,
)
from tuneterm.domain.sweep.tuned import DifferingKeys

if TYPE_CHECKING:
    from tuneterm.domain.filter import TrialFilter

_NOTICES_KEPT = 50
_INF = math.inf


class SweepState:
    """Folds store events into the live picture of a sweep. Not thread-safe: callers hold `lock`.

    `status` follows the experiment events; a driver that dies says nothing, so whoever polls the
    source's meta assigns its (effective) status here too.
    """

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self.lock = threading.Lock()
        """Held by whoever applies events or reads the state."""
        self.name = str(meta.get("name", ""))
        self.metrics: tuple[Objective, ...] = objectives_of(meta)
        """Every metric with its mode; the first drives the scheduler and the search."""
        self.metric, self.mode = self.metrics[0]
        self._health = health_policy(meta, self.metrics)
        self.status = str(meta.get("status", SweepStatus.CREATED))
        self.started_at: float | None = meta.get("started_at")
        self.ended_at: float | None = meta.get("ended_at")
        self.message = str(meta.get("message") or "")
        self.data_reader: object = meta.get("data_reader")
        """"torchvision" or "tuneterm": what read the built-ins' data (domain.data_reader)."""
        self.results_seen = 0
        """Result events applied so far."""
        self.pending_action: str | None = None
        """"stopping sweep…" from a STOP_ALL request until the sweep ends or the driver refuses."""
        self.last_message = ""
        """The newest refusal of a control request, in one line ("" while there is none)."""
        self._notices: deque[ControlNotice] = deque(maxlen=_NOTICES_KEPT)
        declared = meta.get("tuned")
        self._declared_tuned = [str(n) for n in declared] if isinstance(declared, list) else None
        self._records: dict[str, TrialRecord] = {}
        self._best: TrialRecord | None = None
        self._differing = DifferingKeys()
        self._order_cache: OrderCache | None = None
        self._order_dirty: set[str] = set()
        """Trials changed since the last `order`, whose sort keys may have changed."""

    # -- folding events ----------------------------------------------------------------------

    def apply(self, events: Iterable[Event]) -> set[str]:
        """Fold `events` (oldest first) in; returns the ids of trials whose row changed."""
        changed: set[str] = set()
        records = self._records
        metric = self.metric
        maximize = self.mode == "max"
        result_kind = EventKind.RESULT
        others = self.metrics[1:]
        results = 0
        for event in events:
            if event.kind != result_kind:
                self._apply_lifecycle(event, changed)
                continue
            trial_id = event.trial_id or ""
            record = records.get(trial_id)
            if record is None:
                record = self._add_trial(trial_id, {}, event.time)
            results += 1
            record.row = None
            record.last_seen = event.time
            iteration = event.iteration or 0
            if iteration > record.iteration:
                record.iteration = iteration
            record.health.observe(event.time, iteration, event.data)
            value: Any = event.data.get(metric)
            try:
                finite = -_INF < value < _INF
            except TypeError:
                finite = False
            if finite and iteration >= 0:
                record.history.append(iteration, value)
                record.last_metric = value
                best = record.best_metric
                if best is None or (value > best if maximize else value < best):
                    record.best_metric = value
                    self._consider_best(record)
            if others:
                record_others(record, others, event.data)
            changed.add(trial_id)
        self.results_seen += results
        self._order_dirty |= changed
        return changed

    def _apply_lifecycle(self, event: Event, changed: set[str]) -> None:
        kind, data = event.kind, event.data
        if kind == EventKind.TRIAL_STARTED:
            self._start_trial(event.trial_id or "", data.get("config"), event.time)
        elif kind == EventKind.TRIAL_ENDED:
            self._end_trial(event)
        elif kind == EventKind.EXPERIMENT_STARTED:
            self._experiment_started(event.time, bool(data.get("resumed")))
            self.data_reader = data.get("data_reader", self.data_reader)
        elif kind == EventKind.EXPERIMENT_ENDED:
            changed.update(self._experiment_ended(event))
        elif kind in (EventKind.TRIAL_PAUSED, EventKind.TRIAL_RESUMED):
            self._pause_or_resume(event)
        elif kind == EventKind.CONTROL_REQUESTED:
            self._mark(_action(data.get("action")), event.trial_id, changed)
            return
        elif kind == EventKind.CONTROL_RESOLVED:
            self._resolve(event, changed)
            return
        elif kind == EventKind.TRIAL_HEALTH and not note_flag(self._records, event):
            return
        else:
            return
        if event.trial_id is not None:
            changed.add(event.trial_id)

    def _experiment_started(self, now: float, resumed: bool) -> None:
        # A dead driver writes no event: the "crashed" its meta implies outlives the replay.
        if self.status != SweepStatus.CRASHED:
            self.status = SweepStatus.RUNNING
        if not resumed or self.started_at is None:  # a resumed sweep keeps its first start
            self.started_at = now
        self.ended_at, self.message = None, ""

    def _experiment_ended(self, event: Event) -> list[str]:
        """End the sweep; returns the ids of the trials it cut off."""
        self.status = str(event.data.get("status", SweepStatus.FINISHED))
        self.ended_at = event.time
        self.message = str(event.data.get("message") or "")
        self.pending_action = None
        return self._interrupt_running(event.time)

    def _start_trial(self, trial_id: str, config: Any, now: float) -> None:
        items = config.items() if isinstance(config, dict) else ()
        plain = {sys.intern(str(key)): value for key, value in items}
        record = self._records.get(trial_id)
        if record is None:
            self._differing.observe(plain)
            self._add_trial(trial_id, plain, now)
            return
        # A restart after a restore or a resume: the store keeps config and start time too.
        if not record.config and plain:
            record.config = plain
            self._differing.observe(plain)
        record.status, record.category = TrialStatus.RUNNING, TrialStatus.RUNNING.value
        record.reason = record.stop_iteration = record.ended_at = record.error = None
        record.health.restart()
        if record.pending_action == PENDING_LABELS[ControlAction.RESUME]:
            record.pending_action = None
        if record.started_at is None:
            record.started_at = now
        record.last_seen = now
        record.row = None

    def _end_trial(self, event: Event) -> None:
        trial_id = event.trial_id or ""
        record = self._records.get(trial_id) or self._add_trial(trial_id, {}, event.time)
        try:
            reason: EndReason | None = EndReason(str(event.data.get("reason")))
        except ValueError:
            reason = None
        record.end(reason, event.iteration, event.time, event.data.get("rule"))
        error = event.data.get("error")
        record.error = None if error is None else str(error)
        record.last_seen = event.time
        record.row = None

    def _pause_or_resume(self, event: Event) -> None:
        trial_id = event.trial_id or ""
        record = self._records.get(trial_id) or self._add_trial(trial_id, {}, event.time)
        status = TrialStatus.PAUSED if event.kind == EventKind.TRIAL_PAUSED else TrialStatus.RUNNING
        record.status, record.category = status, status.value
        record.health.restart()
        if event.iteration is not None and event.iteration > record.iteration:
            record.iteration = event.iteration
        if record.pending_action != PENDING_LABELS[ControlAction.STOP]:
            record.pending_action = None
        record.last_seen = event.time
        record.row = None

    # -- control requests ------------------------------------------------------------------------

    def mark_pending(self, action: ControlAction, trial_id: str | None) -> set[str]:
        """Show a request as sent (a client calls this as it writes one, before the driver's
        answer or even its own event comes back); returns the ids of trials whose row changed."""
        changed: set[str] = set()
        self._mark(action, trial_id, changed)
        return changed

    def clear_pending(self, action: ControlAction, trial_id: str | None) -> set[str]:
        """Forget a request that was answered or could not be written, if it is the one shown;
        returns the ids of trials whose row changed."""
        label = PENDING_LABELS[action]
        if action is ControlAction.STOP_ALL:
            if self.pending_action == label:
                self.pending_action = None
            return set()
        record = self._records.get(trial_id or "")
        if record is None or record.pending_action != label:
            return set()
        record.pending_action, record.row = None, None
        return {record.trial_id}

    def take_notices(self) -> list[ControlNotice]:
        """Refusals applied since the last call, oldest first (at most the last 50)."""
        notices = list(self._notices)
        self._notices.clear()
        return notices

    def _mark(self, action: ControlAction | None, trial_id: str | None, changed: set[str]) -> None:
        if action is None:
            return
        if action is ControlAction.STOP_ALL:
            self.pending_action = PENDING_LABELS[action]
            return
        record = self._records.get(trial_id or "")
        if record is None or record.status is TrialStatus.ENDED:
            return
        record.pending_action, record.row = PENDING_LABELS[action], None
        changed.add(record.trial_id)

    def _resolve(self, event: Event, changed: set[str]) -> None:
        data = event.data
        action = _action(data.get("action"))
        if action is None:
            return
        done = bool(data.get("done"))
        # A done STOP_ALL means "stopping now": the flag stays until the experiment_ended event.
        if not done or action is not ControlAction.STOP_ALL:
            changed.update(self.clear_pending(action, event.trial_id))
        if not done:
            notice = ControlNotice(
                event.time, action, event.trial_id, str(data.get("message") or "")
            )
            self._notices.append(notice)
            self.last_message = notice.text

    def _interrupt_running(self, now: float) -> list[str]:
        """Like the store: trials still running (or paused) when the sweep ends were cut off
        with it."""
        live = (TrialStatus.RUNNING, TrialStatus.PAUSED)
        cut = [r for r in self._records.values() if r.status in live]
        for record in cut:
            record.end(EndReason.INTERRUPTED, record.iteration, now)
            record.row = None
        return [record.trial_id for record in cut]

    def _add_trial(self, trial_id: str, config: dict[str, Any], now: float) -> TrialRecord:
        record = TrialRecord(sys.intern(trial_id), config, now, self._health)
        self._records[record.trial_id] = record
        return record

    def _consider_best(self, record: TrialRecord) -> None:
        incumbent = self._best.best_metric if self._best is not None else None
        value = record.best_metric
        if value is None or self._best is record:
            return
        if incumbent is None or (value > incumbent if self.mode == "max" else value < incumbent):
            self._best = record

    # -- reading -----------------------------------------------------------------------------

    @property
    def tuned(self) -> list[str]:
        """Tuned hyperparameter names: the sweep's own list, else the config keys that differ."""
        if self._declared_tuned is not None:
            return list(self._declared_tuned)
        return self._differing.names()

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._records

    def row(self, trial_id: str) -> TrialRow:
        """The trial's current snapshot (KeyError for an unknown id)."""
        return self._records[trial_id].snapshot()

    def rows(self) -> list[TrialRow]:
        """Every trial's snapshot, in the order trials appeared."""
        return [record.snapshot() for record in self._records.values()]

    def history(self, trial_id: str) -> MetricHistory:
        """The experiment metric's series of one trial (empty if it has none or is unknown)."""
        record = self._records.get(trial_id)
        return record.history if record is not None else MetricHistory()

    def counts(self) -> dict[str, int]:
        """How many trials are in each of `CATEGORIES` (every key present)."""
        counts = dict.fromkeys(CATEGORIES, 0)
        for record in self._records.values():
            counts[record.category] += 1
        return counts

    def best(self) -> TrialRow | None:
        """The trial with the best metric value at any iteration, by mode (ties: the earliest)."""
        return self._best.snapshot() if self._best is not None else None

    def check_health(self, now: float) -> set[str]:
        """Apply the stall rule (domain.health) at `now` to the running trials of a running sweep;
        returns the ids of trials whose row changed. For a periodic pass: the dashboard's clock."""
        live = self.status == SweepStatus.RUNNING
        changed = stall_pass(self._records.values(), now) if live else set()
        self._order_dirty |= changed
        return changed

    def elapsed(self, now: float) -> float | None:
        """Seconds from the sweep's start to its end, or to `now` while it runs."""
        if self.started_at is None:
            return None
        return (self.ended_at if self.ended_at is not None else now) - self.started_at

    def order(
        self,
        sort_key: str,
        descending: bool = False,
        state_filter: str | None = None,
        *,
        now: float | None = None,
        where: TrialFilter | None = None,
    ) -> list[str]:
        """Trial ids sorted by `sort_key` ("trial_id", "state", "iteration", "last", "best",
        "runtime" at `now`, default the wall clock; or "param:<name>"); None values last in both
        directions, ties in the order trials appeared; only those in `state_filter`'s category
        that `where` matches. The previous order is reused while no changed trial's key or match
        changed: results of running trials rarely move them.
        """
        params = (sort_key, descending, state_filter, where)
        cache, records, dirty = self._order_cache, self._records, self._order_dirty
        if (
            cache is not None
            and cache.params == params
            and still_holds(cache, records, dirty, self.metric)
        ):
            dirty.clear()
            return list(cache.order)
        now = time.time() if now is None else now
        shown = shown_test(params, self.metric, now)
        keys = current_keys(cache, params, records, dirty, key_function(sort_key, now), shown)
        order = sorted_ids(keys, records, descending)
        # Runtimes change by themselves: an order that depends on them is never reused.
        clocked = sort_key == "runtime" or (where is not None and where.uses_clock)
        self._order_cache = None if clocked else OrderCache(params, keys, order)
        dirty.clear()
        return list(order)


def _action(value: Any) -> ControlAction | None:
    try:
        return ControlAction(str(value))
    except ValueError:
        return None
