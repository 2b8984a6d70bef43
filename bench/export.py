"""How long `tuneterm export` takes on 10,000 trials of 100 results each (1,000,000 results).

The store is built once in a temporary directory through the Store API (its tables filled with
`executemany` inside one of its transactions): a two-metric sweep (accuracy, max; loss, min), four
hyperparameters, five numbers per result as the driver records them. Each export goes to
/dev/null, in process (median of --repeat runs, with the spread), then once as a subprocess
(`tuneterm export ... > /dev/null`, Python's start included). CPU seconds are printed beside the
wall clock: on a machine shared with other work they say what an idle one would show.

Targets: at most 2 s for the trials, at most 10 s for the results.

    .venv/bin/python bench/export.py [--trials 10000] [--results 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from tuneterm.cli.export import export
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.export_writers import Format
from tuneterm.storage.store import Store

TARGETS = {False: 2.0, True: 10.0}
"""Seconds allowed, by whether the export is of every result."""
T0 = 1_700_000_000.0


def build_store(directory: Path, trials: int, results: int) -> Path:
    """An experiment directory holding a finished sweep of `trials` x `results`."""
    expdir = ExperimentDir(directory / "bench-export")
    expdir.path.mkdir()
    meta = {
        "name": "bench-export",
        "metric": "accuracy",
        "mode": "max",
        "metrics": [["accuracy", "max"], ["loss", "min"]],
        "status": SweepStatus.FINISHED.value,
        "started_at": T0,
        "ended_at": T0 + trials + results,
    }
    rng = random.Random(0)
    with Store.create(expdir.store, meta) as store, store.transaction() as conn:
        for first in range(0, trials, 1000):
            trial_rows, events = _trials(rng, range(first, min(first + 1000, trials)), results)
            conn.executemany(
                "INSERT INTO trials (trial_id, config, status, started_at, ended_at, reason,"
                " stop_iteration, last_iteration, last_metric, best_metric)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                trial_rows,
            )
            conn.executemany(
                "INSERT INTO events (time, kind, trial_id, iteration, data)"
                " VALUES (?, 'result', ?, ?, ?)",
                events,
            )
    return expdir.path


def _trials(
    rng: random.Random, indexes: range, results: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    trial_rows, events = [], []
    for index in indexes:
        trial_id = f"{index:05d}"
        config = {
            "lr": 10 ** rng.uniform(-4, -1),
            "batch_size": rng.choice([32, 64, 128]),
            "optimizer": rng.choice(["adam", "sgd"]),
            "batch_norm": rng.random() < 0.5,
        }
        accuracies = []
        for iteration in range(1, results + 1):
            accuracy, loss = rng.random(), rng.random()
            accuracies.append(accuracy)
            metrics = {
                "accuracy": accuracy,
                "loss": loss,
                "time_this_iter_s": 1.5,
                "time_total_s": 1.5 * iteration,
                "training_iteration": float(iteration),
            }
            events.append((T0 + index + iteration, trial_id, iteration, json.dumps(metrics)))
        trial_rows.append(
            (trial_id, json.dumps(config), TrialStatus.ENDED.value, T0 + index,
             T0 + index + results, EndReason.COMPLETED.value, results, results,
             accuracies[-1], max(accuracies))
        )  # fmt: skip
    return trial_rows, events


def timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (this process's, its threads' included) of each run."""
    seconds, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return seconds, cpu


def in_process(path: Path, output_format: Format, results: bool) -> None:
    with open("/dev/null", "wb") as out:
        export(path, output_format, out, results=results)


def subprocess_run(path: Path, output_format: Format, results: bool) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `tuneterm export` in a process of its own."""
    command = [sys.executable, "-m", "tuneterm", "export", str(path), "--format", output_format]
    command += ["--results"] if results else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu


def report(
    label: str, runs: tuple[list[float], list[float]], target: float, once: tuple[float, float]
) -> str:
    """One line: wall-clock median (spread), CPU median, the subprocess run, the verdict (on the
    wall clock; the CPU time says what it would be on an idle machine)."""
    seconds, cpu = runs
    median = statistics.median(seconds)
    verdict = "meets" if median <= target else "MISSES"
    return (
        f"{label:<20} median {median:6.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f},"
        f" n={len(seconds)}), CPU {statistics.median(cpu):.2f} s; subprocess {once[0]:.2f} s"
        f" (CPU {once[1]:.2f} s); target <= {target:.0f} s: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="csv,parquet,jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        path = build_store(Path(scratch), args.trials, args.results)
        built = time.perf_counter() - start
        size = (path / Store.FILENAME).stat().st_size / 2**20
        print(
            f"store: {args.trials:,} trials x {args.results} results, {size:.0f} MiB,"
            f" built in {built:.1f} s"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for results in (False, True):
            for name in args.formats.split(","):
                output_format = Format(name)
                seconds = timed(partial(in_process, path, output_format, results), args.repeat)
                once = subprocess_run(path, output_format, results)
                label = f"{'results' if results else 'trials'} as {name}"
                print(report(label, seconds, TARGETS[results], once), flush=True)


if __name__ == "__main__":
    main()
