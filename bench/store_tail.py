"""Benchmark: a dashboard attaching to a store of 1,000,000 results (10,000 trials x 100).

Builds the store with executemany (rows shaped exactly as the driver writes them), then measures
`Store.tail` (events/s, target >= 300,000), `events_since` for comparison, `SweepState.apply`
(microseconds per result event, target <= 2), the state's Python heap (tracemalloc, target
~30 MB) and bytes per stored metric point (target <= 8), and one trial's `results`.

    .venv/bin/python bench/store_tail.py [--trials N] [--iterations N]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.store import Store

METRIC = "accuracy"
BATCH = 50_000
CONCURRENT = 100
"""Trials that run (and interleave their results) at a time, as in a real sweep."""


def build(path: Path, trials: int, iterations: int) -> Store:
    """A store with one started/ended pair per trial and `iterations` results each."""
    store = Store.create(path, {"name": "bench", "metric": METRIC, "mode": "max"})
    store.record_experiment_started(now=1_000.0, ray_version="2.60.0")
    rng = random.Random(0)
    conn = store._conn  # bulk loading bypasses the one-transaction-per-event API
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO events (time, kind, trial_id, iteration, data) VALUES (?, ?, ?, ?, ?)",
        _rows(trials, iterations, rng),
    )
    conn.executemany(
        "INSERT INTO trials (trial_id, config, status, started_at, last_iteration)"
        " VALUES (?, ?, ?, ?, ?)",
        [(_trial_id(n), "{}", TrialStatus.ENDED.value, 1_000.0, iterations) for n in range(trials)],
    )
    conn.execute("COMMIT")
    # A driver's many small transactions keep the WAL checkpointed; one bulk one leaves it full.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store


def _trial_id(number: int) -> str:
    return f"a1b2c_{number:05d}"


def _rows(trials: int, iterations: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    clock = 1_000.0
    for first in range(0, trials, CONCURRENT):
        group = [_trial_id(n) for n in range(first, min(first + CONCURRENT, trials))]
        for trial_id in group:
            config = {"lr": rng.uniform(1e-4, 1e-1), "batch_size": rng.choice([32, 64, 128])}
            yield (clock, EventKind.TRIAL_STARTED, trial_id, None, json.dumps({"config": config}))
        for iteration in range(1, iterations + 1):
            for trial_id in group:
                clock += 0.001
                yield (clock, EventKind.RESULT, trial_id, iteration, _result(iteration, rng))
        for trial_id in group:
            data = json.dumps({"reason": EndReason.COMPLETED.value})
            yield (clock, EventKind.TRIAL_ENDED, trial_id, iterations, data)


def _result(iteration: int, rng: random.Random) -> str:
    accuracy = min(0.99, 0.5 + iteration * 0.004 + rng.gauss(0, 0.01))
    metrics = {
        METRIC: accuracy,
        "loss": 1.0 - accuracy + rng.random() * 0.01,
        "training_iteration": iteration,
        "time_this_iter_s": rng.uniform(0.1, 0.2),
        "time_total_s": iteration * 0.15,
    }
    return json.dumps(metrics)


def measure_tail(store: Store, metric: str) -> tuple[int, float]:
    """(events, seconds) to read the whole log in `BATCH`-sized tails, as a dashboard attaches."""
    started = time.perf_counter()
    seq = count = 0
    while events := store.tail(seq, metric, BATCH):
        seq = events[-1].seq
        count += len(events)
    return count, time.perf_counter() - started


def measure_events_since(store: Store) -> tuple[int, float]:
    started = time.perf_counter()
    seq = count = 0
    while events := store.events_since(seq, BATCH):
        seq = events[-1].seq
        count += len(events)
    return count, time.perf_counter() - started


def measure_apply(store: Store) -> tuple[int, float, SweepState]:
    """Seconds spent in `apply` alone (fetching excluded), over every event."""
    state = SweepState(store.meta())
    seq = 0
    spent = 0.0
    while events := store.tail(seq, METRIC, BATCH):
        seq = events[-1].seq
        started = time.perf_counter()
        state.apply(events)
        spent += time.perf_counter() - started
    return state.results_seen, spent, state


def measure_heap(store: Store) -> tuple[int, int]:
    """(bytes of Python heap the folded state holds, bytes of its metric points)."""
    gc.collect()
    tracemalloc.start()
    state = SweepState(store.meta())
    seq = 0
    while events := store.tail(seq, METRIC, BATCH):
        seq = events[-1].seq
        state.apply(events)
    del events
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    points = sum(state.history(row.trial_id).nbytes() for row in state.rows())
    return current, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        store = build(Path(tmp) / Store.FILENAME, args.trials, args.iterations)
        results = store.count_results()
        print(f"built {results:,} results in {time.perf_counter() - started:.1f} s")
        report(store, results)
        store.close()


def report(store: Store, results: int) -> None:
    for attempt in range(1, 4):
        with Store.open(store.path) as reader:
            count, seconds = measure_tail(reader, METRIC)
        rate = count / seconds
        print(f"tail (run {attempt}): {count:,} events in {seconds:.2f} s = {rate:,.0f} events/s")
    count, seconds = measure_events_since(store)
    print(f"events_since:  {count:,} events in {seconds:.2f} s = {count / seconds:,.0f} events/s")
    applied, seconds, state = measure_apply(store)
    print(f"apply:         {seconds / applied * 1e6:.2f} us per result event ({applied:,} results)")
    heap, points = measure_heap(store)
    stored = sum(len(state.history(row.trial_id)) for row in state.rows())
    print(f"state heap:    {heap / 2**20:.1f} MiB for {len(state):,} trials, {stored:,} points")
    print(f"history:       {points / stored:.1f} bytes per point (array itemsizes)")
    middle = state.rows()[len(state) // 2].trial_id
    started = time.perf_counter()
    trial_results = store.results(middle)
    elapsed = (time.perf_counter() - started) * 1e3
    print(f"results:       {len(trial_results)} results of one trial in {elapsed:.1f} ms")
    assert results == applied


if __name__ == "__main__":
    main()
