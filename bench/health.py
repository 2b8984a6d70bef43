"""Benchmark: what the trial health rules (domain.health) cost where they run.

- the dashboard's hot path: `SweepState.apply` over 200,000 result events (2,000 trials x 100),
  with each trial's health folded in and with the fold replaced by a no-op, alternately;
- the driver: `HealthMonitor.on_result` per result (Tune itself spends ~2 ms of driver CPU on
  each), and one stall pass over 1,000 running trials;
- the dashboard's clock tick: `SweepState.check_health` over 10,000 trials, 1,000 of them
  running.

Each figure is the median of several runs, with the spread.

    .venv/bin/python bench/health.py [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tuneterm.domain.config.health import HealthSpec
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.health import HealthWatch
from tuneterm.domain.sweep.state import SweepState
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.health import HealthMonitor
from tuneterm.storage.store import Store

META = {"name": "bench", "metric": "accuracy", "mode": "max", "status": "running"}


def events(trials: int, iterations: int, running: int = 0) -> list[Event]:
    """A sweep's events, 100 trials at a time; the last `running` trials never end."""
    rng = random.Random(0)
    out: list[Event] = []
    clock = 1_000.0
    for first in range(0, trials, 100):
        ids = [f"a1b2c_{n:05d}" for n in range(first, min(first + 100, trials))]
        for trial_id in ids:
            out.append(Event(len(out) + 1, clock, EventKind.TRIAL_STARTED, trial_id, None, {}))
        for iteration in range(1, iterations + 1):
            for trial_id in ids:
                clock += 0.001
                accuracy = min(0.99, 0.5 + iteration * 0.004 + rng.gauss(0, 0.01))
                data = {"accuracy": accuracy}
                out.append(Event(len(out) + 1, clock, EventKind.RESULT, trial_id, iteration, data))
        for trial_id in ids[: len(ids) if first + 100 <= trials - running else 0]:
            data = {"reason": "completed"}
            out.append(Event(len(out) + 1, clock, EventKind.TRIAL_ENDED, trial_id, 100, data))
    return out


def median_spread(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.3f} (spread {min(samples):.3f}-{max(samples):.3f})"


def fold_us(sweep: list[Event], results: int) -> float:
    state = SweepState(META)
    started = time.perf_counter()
    for start in range(0, len(sweep), 50_000):
        state.apply(sweep[start : start + 50_000])
    return (time.perf_counter() - started) / results * 1e6


def bench_apply(rounds: int) -> None:
    sweep = events(2_000, 100)
    results = sum(1 for event in sweep if event.kind == EventKind.RESULT)
    real = HealthWatch.observe

    def no_op(self: HealthWatch, now: float, iteration: int | None, values: Any) -> None:
        return None

    with_health: list[float] = []
    without: list[float] = []
    for round_ in range(rounds):
        for folded in (True, False) if round_ % 2 == 0 else (False, True):
            HealthWatch.observe = real if folded else no_op  # type: ignore[method-assign,assignment]
            (with_health if folded else without).append(fold_us(sweep, results))
    HealthWatch.observe = real  # type: ignore[method-assign]
    print(f"apply with health:    {median_spread(with_health)} us per result event")
    print(f"apply, fold a no-op:  {median_spread(without)} us per result event")


class _Trial:
    def __init__(self, trial_id: str) -> None:
        self.trial_id = trial_id
        self.status = "RUNNING"


class _Wrapper:
    def __init__(self, trials: list[_Trial]) -> None:
        self.trials = trials

    def get_trials(self) -> list[_Trial]:
        return self.trials


def timed(action: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - started) / repeat


def bench_driver(rounds: int) -> None:
    per_result: list[float] = []
    per_pass: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.sqlite"
        Store.create(path, META).close()
        for _ in range(rounds):
            per_result.append(result_cost(path) * 1e6)
            per_pass.append(stall_pass_cost(path) * 1e3)
    print(f"driver, per result:   {median_spread(per_result)} us")
    print(f"driver, stall pass:   {median_spread(per_pass)} ms over 1,000 running trials")


def monitor_on(path: Path, clock: list[float]) -> HealthMonitor:
    metrics = [("accuracy", "max")]
    return HealthMonitor(path, HealthSpec(), metrics, StopDecisions(), lambda: clock[0])


def result_cost(path: Path, repeat: int = 20_000) -> float:
    """Seconds per result of one trial, past its first (which primes its watch from the store)."""
    clock = [1_000.0]
    monitor, trial = monitor_on(path, clock), _Trial("t0")
    wrapper = _Wrapper([trial])
    started = time.perf_counter()
    for iteration in range(1, repeat + 1):
        clock[0] += 0.01
        result = {"training_iteration": iteration, "accuracy": 0.6}
        monitor.on_result(wrapper, trial, result)
    return (time.perf_counter() - started) / repeat


def stall_pass_cost(path: Path, passes: int = 40) -> float:
    """Seconds per stall pass over 1,000 running trials that report every 10 s, none stalled."""
    clock = [1_000.0]
    monitor = monitor_on(path, clock)
    wrapper = _Wrapper([_Trial(f"t{n}") for n in range(1_000)])
    for iteration in (1, 2, 3):
        clock[0] += 10.0
        for trial in wrapper.trials:
            monitor.on_result(wrapper, trial, {"training_iteration": iteration, "accuracy": 0.5})
    spent = 0.0
    for _ in range(passes):  # a second apart: 40 s of silence, short of 5x 10 s
        clock[0] += 1.0
        started = time.perf_counter()
        monitor.check_stalls(wrapper, "accuracy")
        spent += time.perf_counter() - started
    return spent / passes


def bench_tick(rounds: int) -> None:
    state = SweepState(META)
    state.apply(events(10_000, 10, running=1_000))
    now = 1_000.0 + 100.0
    spent = [timed(lambda: state.check_health(now), 50) * 1e3 for _ in range(rounds)]
    print(f"dashboard clock tick: {median_spread(spent)} ms over 10,000 trials, 1,000 running")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    bench_apply(args.rounds)
    bench_driver(args.rounds)
    bench_tick(args.rounds)


if __name__ == "__main__":
    main()
