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
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, TrialStatus

CATEGORIES = (
    "pending",
    "running",
    "paused",
    "completed",
    "scheduler",
    "user",
    "error",
    "interrupted",
)
"""What `SweepState.counts()` counts and `order(state_filter=...)` filters by."""

SORT_KEYS = ("trial_id", "state", "iteration", "last", "best", "runtime")
"""The sort keys of `SweepState.order`, besides "param:<name>"."""

_STATE_ORDER = (
    "running",
    "paused",
    "pending",
    "completed",
    "scheduler",
    "user",
    "interrupted",
    "error",
)
_STATE_RANK = {category: rank for rank, category in enumerate(_STATE_ORDER)}

PENDING_LABELS = {
    ControlAction.STOP: "stopping…",
    ControlAction.PAUSE: "pausing…",
    ControlAction.RESUME: "resuming…",
    ControlAction.STOP_ALL: "stopping sweep…",
}
"""What a row (or, for STOP_ALL, the sweep) shows while the driver has not answered a request."""
_VERBS = {
    ControlAction.STOP: "stop",
    ControlAction.PAUSE: "pause",
    ControlAction.RESUME: "resume",
    ControlAction.STOP_ALL: "stop",
}
_NOTICES_KEPT = 50
_INF = math.inf
_MISSING = object()


class MetricHistory:
    """One metric's series for one trial: iterations in array('I'), values in array('f') -> 8 bytes
    a point. Iterations stay sorted; a repeated iteration replaces its value (restored runs repeat).
    """

    __slots__ = ("_iterations", "_values")

    def __init__(self) -> None:
        self._iterations = array("I")
        self._values = array("f")

    def append(self, iteration: int, value: float) -> None:
        """Record `value` at `iteration` (>= 0), replacing what an earlier report said there."""
        iterations = self._iterations
        if not iterations or iteration > iterations[-1]:
            iterations.append(iteration)
            self._values.append(value)
            return
        index = bisect_left(iterations, iteration)
        if iterations[index] == iteration:
            self._values[index] = value
        else:
            iterations.insert(index, iteration)
            self._values.insert(index, value)

    def __len__(self) -> int:
        return len(self._iterations)

    def iterations(self) -> Sequence[int]:
        """A copy of the iterations, ascending."""
        return self._iterations[:]

    def values(self) -> Sequence[float]:
        """A copy of the values (float32 precision), in iteration order."""
        return self._values[:]

    def last(self) -> float | None:
        return self._values[-1] if self._values else None

    def nbytes(self) -> int:
        """Bytes the points occupy (capacity the arrays over-allocate not counted)."""
        return (
            len(self._iterations) * self._iterations.itemsize
            + len(self._values) * self._values.itemsize
        )

    def downsample(self, width: int) -> list[float]:
        """At most `width` values, each the mean of a bucket of consecutive points (sparklines)."""
        values = self._values
        count = len(values)
        if width <= 0:
            return []
        if count <= width:
            return values.tolist()
        means = []
        start = 0
        for bucket in range(1, width + 1):
            end = bucket * count // width
            means.append(sum(values[start:end]) / (end - start))
            start = end
        return means


@dataclass(frozen=True, slots=True)
class ControlNotice:
    """A control request the driver refused, for the dashboard to show once."""

    time: float
    """When the driver refused it."""
    action: ControlAction
    trial_id: str | None
    """The trial it named; None for STOP_ALL."""
    message: str
    """The driver's reason."""

    @property
    def text(self) -> str:
        """One line for a notification: "Could not stop trial t1: it already ended"."""
        verb = _VERBS.get(self.action, str(self.action))
        target = "the sweep" if self.trial_id is None else f"trial {self.trial_id}"
        reason = f": {self.message}" if self.message else ""
        return f"Could not {verb} {target}{reason}"


@dataclass(frozen=True, slots=True)
class TrialRow:
    """An immutable snapshot of one trial, for display."""

    trial_id: str
    status: TrialStatus
    reason: EndReason | None
    """Why it ended; None while it has not."""
    stop_iteration: int | None
    """The iteration at which it ended (for scheduler stops: the rung)."""
    config: dict[str, Any]
    """Its hyperparameters (shared with the state: do not mutate)."""
    iteration: int
    """The highest iteration reported."""
    last_metric: float | None
    best_metric: float | None
    started_at: float | None
    ended_at: float | None
    last_seen: float | None
    """When the last event about this trial was recorded."""
    error: str | None
    """The traceback text of an errored trial."""
    pending_action: str | None = None
    """A control request the driver has not answered yet, as shown: "stopping…", "pausing…"."""

    @property
    def category(self) -> str:
        """One of `CATEGORIES`."""
        return _category(self.status, self.reason)

    @property
    def state(self) -> str:
        """One short label: "running", "completed", "stopped@2" (scheduler, iteration 2), ..."""
        category = self.category
        if category != "scheduler":
            return category
        return "stopped" if self.stop_iteration is None else f"stopped@{self.stop_iteration}"

    def runtime(self, now: float) -> float | None:
        """Seconds from start to end, or to `now` while it has not ended."""
        if self.started_at is None:
            return None
        if self.ended_at is not None:
            return self.ended_at - self.started_at
        return None if self.status is TrialStatus.ENDED else now - self.started_at


def _category(status: TrialStatus, reason: EndReason | None) -> str:
    if status is not TrialStatus.ENDED:
        return status.value
    return reason.value if reason is not None else EndReason.INTERRUPTED.value


class _TrialRecord:
    """The mutable state behind one TrialRow; `row` caches the snapshot until the next change."""

    __slots__ = (
        "best_metric",
        "category",
        "config",
        "ended_at",
        "error",
        "history",
        "iteration",
        "last_metric",
        "last_seen",
        "pending_action",
        "reason",
        "row",
        "started_at",
        "status",
        "stop_iteration",
        "trial_id",
    )

    def __init__(self, trial_id: str, config: dict[str, Any], now: float) -> None:
        self.trial_id = trial_id
        self.config = config
        self.status = TrialStatus.RUNNING
        self.category = TrialStatus.RUNNING.value
        self.reason: EndReason | None = None
        self.stop_iteration: int | None = None
        self.iteration = 0
        self.last_metric: float | None = None
        self.best_metric: float | None = None
        self.started_at: float | None = now
        self.ended_at: float | None = None
        self.last_seen: float | None = now
        self.error: str | None = None
        self.pending_action: str | None = None
        self.history = MetricHistory()
        self.row: TrialRow | None = None

    def end(self, reason: EndReason | None, iteration: int | None, now: float) -> None:
        self.status = TrialStatus.ENDED
        self.pending_action = None
        self.reason = reason
        self.category = _category(self.status, reason)
        self.stop_iteration = iteration
        self.ended_at = now

    def snapshot(self) -> TrialRow:
        if self.row is None:
            self.row = TrialRow(
                self.trial_id,
                self.status,
                self.reason,
                self.stop_iteration,
                self.config,
                self.iteration,
                self.last_metric,
                self.best_metric,
                self.started_at,
                self.ended_at,
                self.last_seen,
                self.error,
                self.pending_action,
            )
        return self.row

    def runtime(self, now: float) -> float | None:
        return self.snapshot().runtime(now)


class SweepState:
    """Folds store events into the live picture of a sweep. Not thread-safe: callers hold `lock`.

    `status` follows the experiment events; a driver that dies says nothing, so whoever polls the
    source's meta assigns its (effective) status here too.
    """

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self.lock = threading.Lock()
        """Held by whoever applies events or reads the state."""
        self.name = str(meta.get("name", ""))
        self.metric = str(meta.get("metric") or "")
        self.mode = "min" if meta.get("mode") == "min" else "max"
        self.status = str(meta.get("status", "created"))
        self.started_at: float | None = meta.get("started_at")
        self.ended_at: float | None = meta.get("ended_at")
        self.message = str(meta.get("message") or "")
        self.results_seen = 0
        """Result events applied so far."""
        self.pending_action: str | None = None
        """"stopping sweep…" from a STOP_ALL request until the sweep ends or the driver refuses."""
        self.last_message = ""
        """The newest refusal of a control request, in one line ("" while there is none)."""
        self._notices: deque[ControlNotice] = deque(maxlen=_NOTICES_KEPT)
        declared = meta.get("tuned")
        self._declared_tuned = [str(n) for n in declared] if isinstance(declared, list) else None
        self._records: dict[str, _TrialRecord] = {}
        self._best: _TrialRecord | None = None
        self._first_config: dict[str, Any] = {}
        self._differing: set[str] = set()
        self._configs_seen = 0
        self._order_cache: _OrderCache | None = None
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
            # A dead driver writes no event: the "crashed" its meta implies outlives the replay.
            if self.status != "crashed":
                self.status = "running"
            self.started_at, self.ended_at, self.message = event.time, None, ""
        elif kind == EventKind.EXPERIMENT_ENDED:
            self.status = str(data.get("status", "finished"))
            self.ended_at = event.time
            self.message = str(data.get("message") or "")
            self.pending_action = None
            changed.update(self._interrupt_running(event.time))
        elif kind in (EventKind.TRIAL_PAUSED, EventKind.TRIAL_RESUMED):
            self._pause_or_resume(event)
        elif kind == EventKind.CONTROL_REQUESTED:
            self._mark(_action(data.get("action")), event.trial_id, changed)
            return
        elif kind == EventKind.CONTROL_RESOLVED:
            self._resolve(event, changed)
            return
        else:
            return
        if event.trial_id is not None:
            changed.add(event.trial_id)

    def _start_trial(self, trial_id: str, config: Any, now: float) -> None:
        items = config.items() if isinstance(config, dict) else ()
        plain = {sys.intern(str(key)): value for key, value in items}
        record = self._records.get(trial_id)
        if record is None:
            self._observe_config(plain)
            self._add_trial(trial_id, plain, now)
            return
        # A restart after a restore or a resume: the store keeps config and start time too.
        if not record.config and plain:
            record.config = plain
            self._observe_config(plain)
        record.status, record.category = TrialStatus.RUNNING, TrialStatus.RUNNING.value
        record.reason = record.stop_iteration = record.ended_at = record.error = None
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
        record.end(reason, event.iteration, event.time)
        error = event.data.get("error")
        record.error = None if error is None else str(error)
        record.last_seen = event.time
        record.row = None

    def _pause_or_resume(self, event: Event) -> None:
        trial_id = event.trial_id or ""
        record = self._records.get(trial_id) or self._add_trial(trial_id, {}, event.time)
        status = TrialStatus.PAUSED if event.kind == EventKind.TRIAL_PAUSED else TrialStatus.RUNNING
        record.status, record.category = status, status.value
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

    def _add_trial(self, trial_id: str, config: dict[str, Any], now: float) -> _TrialRecord:
        record = _TrialRecord(sys.intern(trial_id), config, now)
        self._records[record.trial_id] = record
        return record

    def _consider_best(self, record: _TrialRecord) -> None:
        incumbent = self._best.best_metric if self._best is not None else None
        value = record.best_metric
        if value is None or self._best is record:
            return
        if incumbent is None or (value > incumbent if self.mode == "max" else value < incumbent):
            self._best = record

    def _observe_config(self, config: dict[str, Any]) -> None:
        """Track which hyperparameters differ between trials, one config at a time."""
        first, differing = self._first_config, self._differing
        self._configs_seen += 1
        if self._configs_seen == 1:
            first.update(config)
            return
        for key, value in config.items():
            if key not in first:
                first[key] = value
                differing.add(key)
            elif key not in differing and not _same_value(first[key], value):
                differing.add(key)
        differing.update(key for key in first if key not in config)

    # -- reading -----------------------------------------------------------------------------

    @property
    def tuned(self) -> list[str]:
        """Tuned hyperparameter names: the sweep's own list, else the config keys that differ."""
        if self._declared_tuned is not None:
            return list(self._declared_tuned)
        return [key for key in self._first_config if key in self._differing]

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
    ) -> list[str]:
        """Trial ids sorted by `sort_key` (see SORT_KEYS, or "param:<name>"); None values last in
        both directions, ties in the order trials appeared. `now` is for "runtime" (default: the
        wall clock). The previous order is reused while no changed trial's key changed: results
        of running trials rarely move them (sorted by id, by state, by a parameter).
        """
        params = (sort_key, descending, state_filter)
        cache = self._order_cache
        if cache is not None and cache.params == params and self._order_still_holds(cache):
            self._order_dirty.clear()
            return list(cache.order)
        key_of = self._sort_key(sort_key, time.time() if now is None else now)
        keys: dict[str, Any] = {}
        keyed: list[tuple[Any, str]] = []
        missing: list[str] = []
        for record in self._records.values():
            key = keys[record.trial_id] = _filtered_key(key_of, record, state_filter)
            if key is _FILTERED_OUT:
                continue
            if key is None:
                missing.append(record.trial_id)
            else:
                keyed.append((key, record.trial_id))
        keyed.sort(key=itemgetter(0), reverse=descending)
        order = [trial_id for _, trial_id in keyed] + missing
        if sort_key != "runtime":  # runtimes change by themselves
            self._order_cache = _OrderCache(params, keys, order)
        self._order_dirty.clear()
        return list(order)

    def _order_still_holds(self, cache: _OrderCache) -> bool:
        if len(cache.keys) != len(self._records):
            return False
        key_of = self._sort_key(cache.params[0], 0.0)
        state_filter = cache.params[2]
        return all(
            _filtered_key(key_of, self._records[trial_id], state_filter)
            == cache.keys.get(trial_id, _FILTERED_OUT)
            for trial_id in self._order_dirty
            if trial_id in self._records
        )

    def _sort_key(self, sort_key: str, now: float) -> Callable[[_TrialRecord], Any]:
        if sort_key.startswith("param:"):
            name = sort_key.removeprefix("param:")
            return lambda r: _param_key(r.config.get(name, _MISSING))
        keys: dict[str, Callable[[_TrialRecord], Any]] = {
            "trial_id": lambda r: r.trial_id,
            "state": lambda r: (_STATE_RANK[r.category], r.stop_iteration or 0),
            "iteration": lambda r: r.iteration,
            "last": lambda r: r.last_metric,
            "best": lambda r: r.best_metric,
            "runtime": lambda r: r.runtime(now),
        }
        if sort_key not in keys:
            raise ValueError(f"unknown sort key {sort_key!r}")
        return keys[sort_key]


_FILTERED_OUT = object()
"""The sort key of a trial that the state filter hides."""


@dataclass(frozen=True, slots=True)
class _OrderCache:
    """The last order `SweepState.order` computed, and every trial's sort key in it."""

    params: tuple[str, bool, str | None]
    """Sort key, descending, state filter."""
    keys: dict[str, Any]
    """Trial id -> its sort key, or _FILTERED_OUT."""
    order: list[str]


def _filtered_key(
    key_of: Callable[[_TrialRecord], Any], record: _TrialRecord, state_filter: str | None
) -> Any:
    if state_filter is not None and record.category != state_filter:
        return _FILTERED_OUT
    return key_of(record)


def _action(value: Any) -> ControlAction | None:
    try:
        return ControlAction(str(value))
    except ValueError:
        return None


def _same_value(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def _param_key(value: Any) -> tuple[int, float, str] | None:
    """Numbers before strings before anything else; a missing value (or NaN) is None."""
    if value is _MISSING or value is None:
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) else (0, float(value), "")
    return (1, 0.0, value) if isinstance(value, str) else (2, 0.0, repr(value))
