"""Benchmark: what a filter expression costs the dashboard.

(a) `compile_filter` of a typical expression (once per enter in the `/` dialog). (b) A match, per
trial. (c) `SweepState.order` over N trials when the order must be recomputed, and (d) on the
refresh path: 100 results applied, then `order` (the order cache re-checks the changed trials),
each without a filter, with the state filter and with an expression.
Each figure is the median of 5 runs, with the spread (min-max).

    .venv/bin/python bench/filter.py [--trials N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.filter import TrialFilter, compile_filter
from tuneterm.domain.sweep.state import SweepState

RUNS = 5
ROUNDS = 50
CHANGED = 100
EXPRESSION = 'lr < 1e-3 and batch_norm and state in ("running", "completed") or accuracy > 0.9'
NAMES = ("lr", "batch_size", "batch_norm", "accuracy")


def shown(label: str, times: list[float], per: int, unit: str) -> None:
    values = sorted(t * 1e6 / per for t in times)
    median = statistics.median(values)
    print(f"{label:<44} {median:>10,.2f} {unit}  (spread {values[0]:,.2f} - {values[-1]:,.2f})")


def timed(work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def sweep(trials: int, rng: random.Random) -> SweepState:
    state = SweepState({"metric": "accuracy", "mode": "max"})
    started = [
        Event(n, 0.0, EventKind.TRIAL_STARTED, f"t{n:05d}", None, {"config": config(rng)})
        for n in range(trials)
    ]
    state.apply(started)
    state.apply(result(f"t{n:05d}", 1, rng) for n in range(trials))
    return state


def config(rng: random.Random) -> dict[str, object]:
    return {
        "lr": 10 ** rng.uniform(-5, -1),
        "batch_size": rng.choice([32, 64, 128]),
        "batch_norm": rng.random() < 0.5,
    }


def result(trial_id: str, iteration: int, rng: random.Random) -> Event:
    return Event(0, 1.0, EventKind.RESULT, trial_id, iteration, {"accuracy": rng.random()})


def refresh_rounds(
    state: SweepState, rng: random.Random, trials: int, options: dict[str, object]
) -> float:
    """Seconds spent in `order` over ROUNDS refreshes of CHANGED results each."""
    spent, iteration = 0.0, 2
    state.order("trial_id", now=2.0, **options)  # type: ignore[arg-type]
    for _ in range(ROUNDS):
        ids = rng.sample(range(trials), CHANGED)
        state.apply(result(f"t{n:05d}", iteration, rng) for n in ids)
        started = time.perf_counter()
        state.order("trial_id", now=2.0, **options)  # type: ignore[arg-type]
        spent += time.perf_counter() - started
        iteration += 1
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    trials = parser.parse_args().trials
    rng = random.Random(0)
    where: TrialFilter = compile_filter(EXPRESSION, NAMES)
    compiles = [EXPRESSION] * 100
    shown("compile_filter", timed(lambda: [compile_filter(t, NAMES) for t in compiles]), 100, "us")
    state = sweep(trials, rng)
    rows = state.rows()
    shown(
        "match, per trial",
        timed(lambda: [where.matches(row, "accuracy", 2.0) for row in rows]),
        len(rows),
        "us",
    )
    cases: dict[str, dict[str, object]] = {
        "no filter": {},
        "state filter": {"state_filter": "running"},
        "expression": {"where": where},
    }
    for label, options in cases.items():

        def recompute(options: dict[str, object] = options) -> None:
            for key in ("best", "trial_id") * 5:  # alternating keys: never a cache hit
                state.order(key, now=2.0, **options)  # type: ignore[arg-type]

        shown(f"order, recomputed, {label}", timed(recompute), 10, "us/order")
    for label, options in cases.items():
        times = [refresh_rounds(state, rng, trials, options) for _ in range(RUNS)]
        shown(f"order after {CHANGED} results, {label}", times, ROUNDS, "us/order")
    print(f"({trials:,} trials; {CHANGED} of them changed per refresh)")


if __name__ == "__main__":
    main()
