"""Stores and a live feeder for bench/ui_bench.py.

`build_store` writes an experiment directory through the Store API, bulk-loading results with
executemany in one transaction. `Feeder` runs this file as a separate process that appends results
at a target rate, committing a batch every ~50 ms like a driver under load, and can write "marker"
results (a distinctive metric value for a visible trial) whose commit times it reports:

    python bench/ui_store.py feed '{"expdir": ..., "rate": 1000, ...}'   # stops on stdin EOF
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.storage.store import Store

METRIC = "accuracy"
CONCURRENT = 100
"""Trials whose results interleave in a built store, as in a real sweep."""
MARKER_TRIALS = tuple(range(5, 15))
"""Trial numbers that only markers write to: rows 5-14, visible at the top of the table."""
INSERT_EVENT = "INSERT INTO events (time, kind, trial_id, iteration, data) VALUES (?, ?, ?, ?, ?)"


def trial_id(number: int) -> str:
    return f"a1b2c_{number:05d}"


def marker_value(series: int, number: int) -> float:
    """A metric value no background result takes (those stay in [0.5, 0.99]), unique per
    (series 0-7, number 1-499 not a multiple of 10): 0.1 + (500 * series + number) / 10^4.

    Every marker prints as 6 characters ("0.1234"), like background values, so that none widens
    the column (a relayout repaints the whole table) and none is a prefix of another.
    """
    if not (0 <= series < 8 and 0 < number < 500 and number % 10):
        raise ValueError(f"no marker ({series}, {number})")
    return round(0.1 + (500 * series + number) / 10_000, 4)


def marker_numbers() -> Iterator[int]:
    return (n for n in range(1, 500) if n % 10)


def accuracy(iteration: int, rng: random.Random) -> float:
    value = 0.5 + 0.45 * (1.0 - math.exp(-iteration / 30.0)) + rng.gauss(0.0, 0.02)
    return min(0.99, max(0.5, value))


def result_json(iteration: int, value: float) -> str:
    return json.dumps({METRIC: value, "loss": 1.0 - value, "training_iteration": iteration})


def build_store(
    expdir: Path,
    trials: int,
    iterations: int,
    *,
    running: int | None = None,
    finished: bool = False,
    markers: Sequence[float] = (),
) -> None:
    """An experiment of `trials` x `iterations` results; the last `running` trials (default: all)
    have not ended. `markers` are appended last, as results of trial `MARKER_TRIALS[0]`."""
    expdir.mkdir(parents=True)
    store = Store.create(
        expdir / Store.FILENAME, {"name": "bench", "metric": METRIC, "mode": "max"}
    )
    started = time.time() - 3_600.0
    store.record_experiment_started(now=started, ray_version="2.60.0")
    first_running = trials - (trials if running is None else running)
    conn = store._conn  # bulk loading bypasses the one-transaction-per-event API
    conn.execute("BEGIN")
    conn.executemany(INSERT_EVENT, _rows(trials, iterations, first_running, started))
    conn.executemany(
        "INSERT INTO trials (trial_id, config, status, started_at, last_iteration)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (
                trial_id(n),
                "{}",
                (TrialStatus.RUNNING if n >= first_running else TrialStatus.ENDED).value,
                started,
                iterations,
            )
            for n in range(trials)
        ],
    )
    conn.execute("COMMIT")
    marker_trial = trial_id(MARKER_TRIALS[0])
    for offset, value in enumerate(markers, start=1):
        store.record_result(
            marker_trial, iterations + offset, {METRIC: value, "training_iteration": offset}
        )
    if finished:
        store.record_experiment_ended("finished")
    # One bulk transaction leaves the WAL full; a driver's small ones keep it checkpointed.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def _rows(
    trials: int, iterations: int, first_running: int, started: float
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(0)
    step = 3_000.0 / max(1, trials * (iterations + 2))
    clock = started
    for first in range(0, trials, CONCURRENT):
        group = [trial_id(n) for n in range(first, min(first + CONCURRENT, trials))]
        for tid in group:
            config = {"lr": 10 ** rng.uniform(-4, -1), "batch_size": rng.choice([32, 64, 128])}
            yield (clock, EventKind.TRIAL_STARTED, tid, None, json.dumps({"config": config}))
        for iteration in range(1, iterations + 1):
            for tid in group:
                clock += step
                yield (
                    clock,
                    EventKind.RESULT,
                    tid,
                    iteration,
                    result_json(iteration, accuracy(iteration, rng)),
                )
        for number, tid in enumerate(group, start=first):
            if number < first_running:
                data = json.dumps({"reason": EndReason.COMPLETED.value})
                yield (clock, EventKind.TRIAL_ENDED, tid, iterations, data)


# -- the feeder, in its own process -----------------------------------------------------------


class Feeder:
    """A feeder process; `stop()` ends it and returns its report (see `feed`)."""

    def __init__(self, **params: Any) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "feed", json.dumps(params)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.kill()
            raise RuntimeError(f"the feeder did not start: {line!r}")
        self.report: dict[str, Any] | None = None

    def stop(self) -> dict[str, Any]:
        if self.report is None:
            out, _ = self.process.communicate(timeout=30)
            self.report = json.loads(out.strip().splitlines()[-1])
        return self.report

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Feeder:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.stop()
        self.kill()


def feed(
    expdir: str,
    rate: float,
    trials: Sequence[Sequence[int]],
    batch_interval: float = 0.05,
    marker_interval: float = 0.0,
    marker_series: int = 1,
    final_series: int = 2,
) -> dict[str, Any]:
    """Append `rate` results/s round-robin over `trials` ([start, stop) ranges of trial numbers,
    shuffled) until stdin closes, then one final marker. Markers (every `marker_interval` s,
    jittered) rotate over `MARKER_TRIALS`.

    Returns {"results", "seconds", "late_ticks", "markers": [[commit_monotonic, value]...],
    "final": [commit_monotonic, value]}.
    """
    store = Store.open(Path(expdir) / Store.FILENAME)
    conn = store._conn
    last_iteration = dict(conn.execute("SELECT trial_id, last_iteration FROM trials"))
    rng = random.Random(1)
    # Each trial reports once per cycle, in a shuffled order: trials adjacent in the table do not
    # all report within the same 100 ms (round-robin in id order would change every visible row
    # at once, once a cycle).
    feed_ids = [trial_id(n) for start, stop in trials for n in range(start, stop)]
    rng.shuffle(feed_ids)
    stopping = threading.Event()
    threading.Thread(target=_wait_for_eof, args=(stopping,), daemon=True).start()
    markers: list[tuple[float, float]] = []
    numbers = marker_numbers()
    marker_cycle = 0
    print("ready", flush=True)
    start = next_tick = time.monotonic()
    next_marker = start + marker_interval * rng.uniform(0.5, 1.5)
    written = cursor = late_ticks = 0
    while not stopping.is_set():
        now = time.monotonic()
        rows: list[tuple[Any, ...]] = []
        latest: dict[str, tuple[int, float]] = {}
        for _ in range(max(0, int(rate * (now - start)) - written)):
            tid = feed_ids[cursor]
            cursor = (cursor + 1) % len(feed_ids)
            iteration = last_iteration[tid] = last_iteration[tid] + 1
            value = rng.uniform(0.5, 0.99)
            rows.append(
                (time.time(), EventKind.RESULT, tid, iteration, result_json(iteration, value))
            )
            latest[tid] = (iteration, value)
        written += len(rows)
        marker = None
        if marker_interval > 0 and now >= next_marker:
            marker = marker_value(marker_series, next(numbers))
            tid = trial_id(MARKER_TRIALS[marker_cycle % len(MARKER_TRIALS)])
            marker_cycle += 1
            rows.append(_marker_row(tid, last_iteration, marker, latest))
            next_marker = now + marker_interval * rng.uniform(0.5, 1.5)
        if rows:
            _commit(conn, rows, latest)
        if marker is not None:
            markers.append((time.monotonic(), marker))
        next_tick += batch_interval
        if next_tick < time.monotonic():
            late_ticks += 1
            next_tick = time.monotonic()
        stopping.wait(max(0.0, next_tick - time.monotonic()))
    seconds = time.monotonic() - start
    final = marker_value(final_series, 1)
    final_latest: dict[str, tuple[int, float]] = {}
    final_row = _marker_row(trial_id(MARKER_TRIALS[0]), last_iteration, final, final_latest)
    _commit(conn, [final_row], final_latest)
    final_at = time.monotonic()
    store.close()
    return {
        "results": written,
        "seconds": seconds,
        "late_ticks": late_ticks,
        "markers": markers,
        "final": [final_at, final],
    }


def _marker_row(
    tid: str,
    last_iteration: dict[str, int],
    value: float,
    latest: dict[str, tuple[int, float]],
) -> tuple[Any, ...]:
    iteration = last_iteration[tid] = last_iteration[tid] + 1
    latest[tid] = (iteration, value)
    return (time.time(), EventKind.RESULT, tid, iteration, result_json(iteration, value))


def _commit(conn: Any, rows: list[tuple[Any, ...]], latest: dict[str, tuple[int, float]]) -> None:
    """One transaction: the events, and each trial's latest iteration and value (as the driver)."""
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT_EVENT, rows)
    conn.executemany(
        "UPDATE trials SET last_iteration = ?, last_metric = ? WHERE trial_id = ?",
        [(iteration, value, tid) for tid, (iteration, value) in latest.items()],
    )
    conn.execute("COMMIT")


def _wait_for_eof(stopping: threading.Event) -> None:
    sys.stdin.read()
    stopping.set()


if __name__ == "__main__":
    if sys.argv[1:2] != ["feed"]:
        sys.exit("usage: ui_store.py feed JSON")
    print(json.dumps(feed(**json.loads(sys.argv[2]))), flush=True)
