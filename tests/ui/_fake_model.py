"""A stand-in for `tuneterm.model.sweep` and `tuneterm.model.source` while they are being written.

It mimics the agreed API closely enough for the UI tests; conftest installs it only when the real
modules are missing.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneterm.model.store import Event, EventKind, Store
from tuneterm.model.trial import EndReason, Result, TrialStatus, better


class MetricHistory:
    def __init__(self) -> None:
        self._iterations: list[int] = []
        self._values: list[float] = []

    def __len__(self) -> int:
        return len(self._values)

    def append(self, iteration: int, value: float) -> None:
        self._iterations.append(iteration)
        self._values.append(value)

    def iterations(self) -> Sequence[int]:
        return list(self._iterations)

    def values(self) -> Sequence[float]:
        return list(self._values)

    def last(self) -> float | None:
        return self._values[-1] if self._values else None

    def downsample(self, width: int) -> list[float]:
        values = self._values
        if len(values) <= width or width <= 0:
            return list(values)
        step = len(values) / width
        return [
            sum(values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)])
            / len(values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)])
            for i in range(width)
        ]


@dataclass(frozen=True, slots=True)
class TrialRow:
    trial_id: str
    status: TrialStatus
    reason: EndReason | None
    stop_iteration: int | None
    config: dict[str, Any]
    iteration: int
    last_metric: float | None
    best_metric: float | None
    started_at: float | None
    ended_at: float | None
    last_seen: float | None
    error: str | None
    pending_action: str | None = None

    @property
    def state(self) -> str:
        if self.status is not TrialStatus.ENDED:
            return self.status.value
        if self.reason is EndReason.SCHEDULER:
            return f"stopped@{self.stop_iteration}"
        return self.reason.value if self.reason else "completed"

    def runtime(self, now: float) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else (self.last_seen or now)
        return end - self.started_at


def _category(row: TrialRow) -> str:
    if row.status is not TrialStatus.ENDED:
        return row.status.value
    return (row.reason or EndReason.COMPLETED).value


class SweepState:
    def __init__(self, meta: Mapping[str, Any]) -> None:
        self.lock = threading.Lock()
        self.name = str(meta.get("name", ""))
        self.metric = str(meta.get("metric", ""))
        self.mode = str(meta.get("mode", "max"))
        self.status = str(meta.get("status", "created"))
        self.started_at: float | None = meta.get("started_at")
        self.ended_at: float | None = meta.get("ended_at")
        self.message = str(meta.get("message", ""))
        self.tuned: list[str] = list(meta.get("tuned", []))
        self.results_seen = 0
        self._rows: dict[str, TrialRow] = {}
        self._histories: dict[str, MetricHistory] = {}

    def apply(self, events: Iterable[Event]) -> set[str]:
        changed: set[str] = set()
        for event in events:
            tid = event.trial_id
            if event.kind == EventKind.EXPERIMENT_STARTED:
                self.status, self.started_at = "running", event.time
            elif event.kind == EventKind.EXPERIMENT_ENDED:
                self.status = event.data.get("status", "finished")
                self.message = event.data.get("message", "")
                self.ended_at = event.time
                for rid, row in self._rows.items():
                    if row.status is TrialStatus.RUNNING:
                        self._rows[rid] = _replace(
                            row, status=TrialStatus.ENDED, reason=EndReason.INTERRUPTED,
                            ended_at=event.time, stop_iteration=row.iteration,
                        )
                        changed.add(rid)
            elif event.kind == EventKind.TRIAL_STARTED and tid:
                old = self._rows.get(tid)
                self._rows[tid] = TrialRow(
                    tid, TrialStatus.RUNNING, None, None, dict(event.data.get("config", {})),
                    old.iteration if old else 0, old.last_metric if old else None,
                    old.best_metric if old else None, event.time, None, event.time, None,
                )
                self._histories.setdefault(tid, MetricHistory())
                changed.add(tid)
            elif event.kind == EventKind.RESULT and tid in self._rows:
                self.results_seen += 1
                row = self._rows[tid]
                value = event.data.get(self.metric)
                best = row.best_metric
                if value is not None:
                    self._histories[tid].append(event.iteration or 0, value)
                    if better(self.mode, value, best):
                        best = value
                self._rows[tid] = _replace(
                    row, iteration=max(row.iteration, event.iteration or 0),
                    last_metric=value if value is not None else row.last_metric,
                    best_metric=best, last_seen=event.time,
                )
                changed.add(tid)
            elif event.kind == EventKind.TRIAL_ENDED and tid in self._rows:
                self._rows[tid] = _replace(
                    self._rows[tid], status=TrialStatus.ENDED,
                    reason=EndReason(event.data["reason"]), stop_iteration=event.iteration,
                    ended_at=event.time, error=event.data.get("error"), last_seen=event.time,
                )
                changed.add(tid)
        return changed

    def row(self, trial_id: str) -> TrialRow:
        return self._rows[trial_id]

    def rows(self) -> list[TrialRow]:
        return list(self._rows.values())

    def history(self, trial_id: str) -> MetricHistory:
        return self._histories.get(trial_id, MetricHistory())

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            ("pending", "running", "paused", "completed", "scheduler", "user", "error",
             "interrupted"), 0)
        for row in self._rows.values():
            counts[_category(row)] += 1
        return counts

    def best(self) -> TrialRow | None:
        best: TrialRow | None = None
        for row in self._rows.values():
            if row.best_metric is not None and (
                best is None or better(self.mode, row.best_metric, best.best_metric)
            ):
                best = row
        return best

    def order(self, sort_key: str, descending: bool, state_filter: str | None = None) -> list[str]:
        rows = [r for r in self._rows.values() if state_filter in (None, _category(r))]

        def key(row: TrialRow) -> tuple[bool, Any]:
            if sort_key.startswith("param:"):
                value: Any = row.config.get(sort_key[6:])
                value = (str(type(value)), value) if value is not None else None
            else:
                value = {
                    "trial_id": row.trial_id, "state": row.state, "iteration": row.iteration,
                    "last": row.last_metric, "best": row.best_metric,
                    "runtime": row.runtime(0.0),
                }[sort_key]
            return (value is None) != descending, value if value is not None else 0

        rows.sort(key=lambda r: r.trial_id)
        rows.sort(key=key, reverse=descending)
        return [r.trial_id for r in rows]

    def elapsed(self, now: float) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at if self.ended_at is not None else now) - self.started_at


def _replace(row: TrialRow, **changes: Any) -> TrialRow:
    from dataclasses import replace

    return replace(row, **changes)


class SourceError(Exception):
    pass


class StoreSource:
    read_only = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store = Store.open(path / Store.FILENAME)
        self._seq = 0

    def meta(self) -> dict[str, Any]:
        return self._store.meta()

    def poll(self, limit: int = 50_000) -> list[Event]:
        events = self._store.events_since(self._seq, limit)
        if events:
            self._seq = events[-1].seq
        return events

    def trial_results(self, trial_id: str) -> list[Result]:
        return self._store.results(trial_id)

    def driver_alive(self) -> bool | None:
        return None

    def close(self) -> None:
        self._store.close()


def open_source(path: Path) -> StoreSource:
    if not (path / Store.FILENAME).is_file():
        raise SourceError(f"{path}: no store")
    return StoreSource(path)


def install() -> None:
    """Register the fake modules under the real names."""
    import sys

    sweep = types.ModuleType("tuneterm.model.sweep")
    for name in ("MetricHistory", "TrialRow", "SweepState"):
        setattr(sweep, name, globals()[name])
    source = types.ModuleType("tuneterm.model.source")
    for name in ("SourceError", "open_source"):
        setattr(source, name, globals()[name])
    source.EventSource = StoreSource  # type: ignore[attr-defined]
    sys.modules.setdefault("tuneterm.model.sweep", sweep)
    sys.modules.setdefault("tuneterm.model.source", source)
