"""Benchmark: the cost of weighing several metrics.

(a) A dashboard attaching to a store of results that carry two of the sweep's metrics: events/s of
`tail_metrics` (accuracy and loss) against `Store.tail` (accuracy alone), and `SweepState.apply`
per result with and without the further metric. (b) `pareto_front` over 1,000 and 10,000 trials x
3 metrics (the Pareto view recomputes it at most once a second, on the UI thread).
Each figure is the median of 5 runs, with the spread (min-max).

    .venv/bin/python bench/pareto.py [--trials N] [--iterations N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from store_tail import BATCH, METRIC, build
from tuneterm.domain.events import Event
from tuneterm.domain.pareto import pareto_front
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.result_metrics import tail_metrics
from tuneterm.storage.store import Store

RUNS = 5
MODES = ("max", "min", "min")


def timed(work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def shown(label: str, times: list[float], per: float, unit: str, scale: float) -> None:
    values = sorted(per / t if unit == "events/s" else t * scale / per for t in times)
    median = statistics.median(values)
    print(f"{label:<34} {median:>12,.2f} {unit}  (spread {values[0]:,.2f} - {values[-1]:,.2f})")


def read_all(store: Store, metrics: list[str]) -> list[list[Event]]:
    batches, seq = [], 0
    while events := tail_metrics(store, seq, metrics, BATCH):
        seq = events[-1].seq
        batches.append(events)
    return batches


def apply_all(meta: dict[str, object], batches: list[list[Event]]) -> None:
    state = SweepState(meta)
    for events in batches:
        state.apply(events)


def bench_feed(store: Store) -> None:
    results = store.count_results()
    events = store.last_seq()
    one, several = [METRIC], [METRIC, "loss"]
    shown("tail, accuracy alone", timed(lambda: read_all(store, one)), events, "events/s", 1)
    shown(
        "tail_metrics, accuracy and loss",
        timed(lambda: read_all(store, several)),
        events,
        "events/s",
        1,
    )
    plain_meta = store.meta()
    meta = {**plain_meta, "metrics": [[METRIC, "max"], ["loss", "min"]]}
    plain, both = read_all(store, one), read_all(store, several)
    shown(
        "apply, one metric", timed(lambda: apply_all(plain_meta, plain)), results, "us/result", 1e6
    )
    shown("apply, two metrics", timed(lambda: apply_all(meta, both)), results, "us/result", 1e6)


def bench_front(count: int) -> None:
    rng = random.Random(count)
    points = []
    for index in range(count):
        accuracy = rng.uniform(0.5, 0.99)
        loss = 1.0 - accuracy + rng.gauss(0, 0.05)
        points.append((str(index), (accuracy, loss, rng.uniform(10, 100))))
    front = pareto_front(points, MODES)
    label = f"pareto_front, {count:,} trials x 3 ({len(front)} on it)"
    shown(label, timed(lambda: pareto_front(points, MODES)), 1, "ms", 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2_000)
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp) / Store.FILENAME, args.trials, args.iterations)
        print(f"{store.count_results():,} results, each with accuracy, loss and three more")
        bench_feed(store)
        store.close()
    for count in (1_000, 10_000):
        bench_front(count)


if __name__ == "__main__":
    main()
