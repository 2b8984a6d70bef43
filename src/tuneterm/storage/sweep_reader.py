"""A whole sweep read at one moment, for scripts: every trial's row and last result, and every
result in batches. `export` and `status --json` read through it.

A tuneterm store is read with a few SQL queries (trials from its `trials` table, each trial's last
result with one grouped query, the sweep's further metrics extracted by SQLite), so that 10,000
trials of 100 results each never decode a million results in Python. A plain Ray Tune directory is
folded event by event through its `RayDirSource`, as a dashboard would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tuneterm.domain.events import EventKind
from tuneterm.domain.sweep.metrics import Objective, objectives_of
from tuneterm.domain.sweep.rows import NO_VALUES, TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.trial import Trial
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.result_metrics import (
    Further,
    further_values,
    reports_number,
    result_keys,
)
from tuneterm.storage.sources import RayDirSource, SourceError, open_source
from tuneterm.storage.store import Store, StoreError

BATCH = 50_000
"""Results read (and written) at a time."""

_RESULTS_AFTER = (
    "SELECT seq, trial_id, iteration, time, data FROM events"
    " WHERE kind = 'result' AND seq > ? ORDER BY seq LIMIT ?"
)


@dataclass(frozen=True)
class SweepSnapshot:
    """A sweep as read at one moment."""

    path: Path
    """The experiment directory (for a Ray Tune one: the experiment's own directory)."""
    source: str
    """"tuneterm" for an experiment run by tuneterm, "ray" for plain Ray Tune files."""
    meta: Mapping[str, Any]
    """Name, metric, mode, started_at, ...; `status` as a user should see it."""
    objectives: tuple[Objective, ...]
    """The sweep's metrics with their modes; the first is the one the sweep optimizes."""
    rows: list[TrialRow]
    """Every trial, in the order trials appeared."""
    finals: Mapping[str, Mapping[str, float]]
    """Each trial's last result, every metric of it (trials that reported nothing are absent)."""

    @property
    def primary(self) -> str:
        return self.objectives[0][0]

    @property
    def metric_names(self) -> list[str]:
        """The sweep's metrics' names; none when no metric is known (a Ray Tune directory
        whose trials report no number yet)."""
        return [name for name, _ in self.objectives if name]


@dataclass(frozen=True)
class RawResults:
    """A batch of results, in columns; the metrics of each as the JSON text the store keeps."""

    trial_ids: list[str]
    iterations: list[int]
    times: list[float]
    texts: list[str]
    """One JSON object per result: every metric it reported, by name."""

    def of(self, trial_ids: set[str]) -> RawResults:
        """The results of `trial_ids` only."""
        kept = [i for i, trial_id in enumerate(self.trial_ids) if trial_id in trial_ids]
        return RawResults(
            [self.trial_ids[i] for i in kept],
            [self.iterations[i] for i in kept],
            [self.times[i] for i in kept],
            [self.texts[i] for i in kept],
        )


class SweepReader:
    """Reads one experiment directory: a tuneterm experiment, or a plain Ray Tune one."""

    def __init__(self, path: Path) -> None:
        """SourceError (one line naming the path) when `path` holds no sweep."""
        source = open_source(path)
        self.path = source.path
        self._store: Store | None = None
        if isinstance(source, RayDirSource):
            return
        source.close()
        try:
            self._store = Store.open(ExperimentDir(self.path).store)
        except StoreError as exc:
            raise SourceError(str(exc)) from exc

    def __enter__(self) -> SweepReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def snapshot(self) -> SweepSnapshot:
        """Every trial as it stands now."""
        if self._store is not None:
            return _store_snapshot(self.path, self._store)
        return _ray_snapshot(self.path)

    def result_keys(self) -> set[str]:
        """The name of every metric any result reported (SQLite lists a store's: no result is
        decoded in Python but those holding a NaN)."""
        if self._store is not None:
            return result_keys(self._store)
        keys: set[str] = set()
        source = RayDirSource(self.path)
        while events := source.poll(BATCH):
            keys.update(key for e in events if e.kind == EventKind.RESULT for key in e.data)
        return keys

    def reports(self, name: str, finals: Mapping[str, Mapping[str, float]]) -> bool:
        """Whether any result holds a number (NaN included) under `name`; for a Ray Tune
        directory, whether a trial's last result (in `finals`) does."""
        if self._store is None:
            return any(name in final for final in finals.values())
        return reports_number(self._store, name)

    def last_values(
        self, names: Sequence[str], finals: Mapping[str, Mapping[str, float]]
    ) -> dict[str, dict[str, float]]:
        """Trial id -> the last finite value of each metric of `names` its results hold (from
        every result; for a Ray Tune directory, from each trial's last result in `finals`)."""
        if self._store is None:
            return {tid: {n: f[n] for n in names if n in f} for tid, f in finals.items()}
        further = further_values(self._store, [(name, "max") for name in names], finals)
        return {trial_id: last for trial_id, (last, _) in further.items()}

    def result_batches(self, trial_ids: set[str] | None = None) -> Iterator[RawResults]:
        """Every result (of `trial_ids` only, unless None), in the order recorded, at most
        `BATCH` at a time; each carries every numeric metric of its report."""
        batches = (
            _store_results(self._store) if self._store is not None else _ray_results(self.path)
        )
        for batch in batches:
            kept = batch if trial_ids is None else batch.of(trial_ids)
            if kept.trial_ids:
                yield kept


# -- a tuneterm store ----------------------------------------------------------------------------


def _store_snapshot(path: Path, store: Store) -> SweepSnapshot:
    meta = store.meta()
    meta["status"] = effective_status(meta)
    objectives = objectives_of(meta)
    finals, seen = _final_results(store)
    further = further_values(store, objectives[1:], finals)
    rows = [_row_of(trial, seen.get(trial.trial_id), further) for trial in store.trials()]
    return SweepSnapshot(path, "tuneterm", meta, objectives, rows, finals)


def _final_results(store: Store) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Each trial's last result and when it was recorded, by trial id."""
    # Each trial's newest result through the index on (trial_id, seq): no pass over every result.
    rows = store.query(
        "SELECT e.trial_id, e.time, e.data FROM trials AS t JOIN events AS e ON e.seq ="
        " (SELECT MAX(seq) FROM events WHERE trial_id = t.trial_id AND kind = 'result')"
    )
    finals: dict[str, dict[str, float]] = {}
    seen: dict[str, float] = {}
    for trial_id, time, data in rows:
        finals[trial_id] = numbers_of(json.loads(data))
        seen[trial_id] = time
    return finals, seen


def _row_of(trial: Trial, last_seen: float | None, further: Further) -> TrialRow:
    last, best = further.get(trial.trial_id, (None, None))
    return TrialRow(
        trial_id=trial.trial_id,
        status=trial.status,
        reason=trial.reason,
        stop_iteration=trial.stop_iteration,
        config=trial.config,
        iteration=trial.last_iteration,
        last_metric=trial.last_metric,
        best_metric=trial.best_metric,
        started_at=trial.started_at,
        ended_at=trial.ended_at,
        last_seen=last_seen if last_seen is not None else trial.started_at,
        error=trial.error,
        others=MappingProxyType(last) if last else NO_VALUES,
        other_bests=MappingProxyType(best) if best else NO_VALUES,
    )


def _store_results(store: Store) -> Iterator[RawResults]:
    seq = 0
    while rows := store.query(_RESULTS_AFTER, (seq, BATCH)):
        seq = rows[-1][0]
        _, trial_ids, iterations, times, texts = zip(*rows, strict=True)
        yield RawResults(list(trial_ids), list(iterations), list(times), list(texts))


# -- plain Ray Tune files ------------------------------------------------------------------------


def _ray_snapshot(path: Path) -> SweepSnapshot:
    source = RayDirSource(path)
    meta = source.meta()
    state = SweepState(meta)
    finals: dict[str, dict[str, float]] = {}
    while events := source.poll(BATCH):
        state.apply(events)
        for event in events:
            if event.kind == EventKind.RESULT and event.trial_id is not None:
                finals[event.trial_id] = numbers_of(event.data)
    # The state file may have said more once every trial was read; the end is the events'.
    meta = {**source.meta(), "ended_at": state.ended_at}
    return SweepSnapshot(path, "ray", meta, state.metrics, state.rows(), finals)


def _ray_results(path: Path) -> Iterator[RawResults]:
    source = RayDirSource(path)
    while events := source.poll(BATCH):
        results = [e for e in events if e.kind == EventKind.RESULT and e.trial_id is not None]
        yield RawResults(
            [str(event.trial_id) for event in results],
            [event.iteration or 0 for event in results],
            [event.time for event in results],
            [json.dumps(event.data) for event in results],
        )


# -- values --------------------------------------------------------------------------------------


def numbers_of(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers of one result (booleans, text and nested values left out)."""
    return {name: value for name, value in metrics.items() if _is_finite(value)}


def _is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
