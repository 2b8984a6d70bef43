"""Benchmark (c): how fast a stop or a pause takes effect, from the request to the freed resources.

    .venv/bin/python bench/control_latency.py [REQUESTS]      # about 2 minutes

On its own Ray head (2 CPUs, its own process group), one sweep per case whose trials reserve both
CPUs, so that the next trial can start only once the stopped one's CPUs are free. For REQUESTS
(default 10) stops each, of a trial reporting every 30 s and of one reporting every 0.1 s, it
prints p50/p95/max of the time from the request (a row written into the store, as the CLI and the
dashboard do) to:
  ended      the store records the trial's end (reason: user)
  freed      the trial's worker process is gone (its CPUs are released)
  running    the next trial runs (the store records it started): this adds Ray's own actor start,
             1.5-2.5 s here whatever tuneterm does
Then REQUESTS pause/resume round trips of a trial that checkpoints every 0.1 s: request to paused
(worker gone) and resume request to its next result. Target: p95 <= 1 s for ended, freed, paused.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import RayHead  # noqa: E402
from tests.control_support import (  # noqa: E402
    results,
    start_detached,
    started,
    trials,
    write_config,
)
from tests.support import wait_for  # noqa: E402

from tuneterm.domain.control import ControlAction  # noqa: E402
from tuneterm.domain.events import EventKind  # noqa: E402
from tuneterm.storage.experiment import ExperimentDir  # noqa: E402
from tuneterm.storage.store import Store  # noqa: E402

POLL_S = 0.002


def request(expdir: ExperimentDir, action: ControlAction, trial_id: str | None) -> float:
    with Store.open(expdir.store) as store:
        now = time.time()
        store.request_control(action, trial_id, now=now)
    return now


def worker_pid(work: Path, x: int) -> int:
    return int((work / "pids" / f"{x}.pid").read_text())


def gone_at(pid: int, deadline: float = 10.0) -> float:
    """Poll until process `pid` is gone (or a zombie); the time it was first seen gone."""
    limit = time.monotonic() + deadline
    while time.monotonic() < limit:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return time.time()
        if stat[stat.rindex(")") + 2 :].startswith("Z"):
            return time.time()
        time.sleep(POLL_S)
    raise TimeoutError(f"worker {pid} still alive after {deadline} s")


def event_time(expdir: ExperimentDir, kind: str, trial_id: str) -> float:
    with Store.open(expdir.store) as store:
        return next(
            float(e.time)
            for e in store.events_since(0)
            if e.kind == kind and e.trial_id == trial_id
        )


def stop_case(head: RayHead, work: Path, period: float, requests: int) -> dict[str, list[float]]:
    xs = list(range(1, requests + 2))
    config = write_config(work, "reporter", xs, period=period)
    expdir = start_detached(config, head.address, work)
    figures: dict[str, list[float]] = {"ended": [], "freed": [], "running": []}
    for x in xs[:-1]:
        wait_for(started(expdir, x, min_results=0 if period > 1 else 3), timeout=60)
        time.sleep(0.3)
        pid, trial_id = worker_pid(work, x), trials(expdir)[x].trial_id
        asked = request(expdir, ControlAction.STOP, trial_id)
        figures["freed"].append(gone_at(pid) - asked)
        wait_for(started(expdir, x + 1), timeout=30, interval=POLL_S)
        figures["ended"].append(event_time(expdir, EventKind.TRIAL_ENDED, trial_id) - asked)
        next_id = trials(expdir)[x + 1].trial_id
        figures["running"].append(event_time(expdir, EventKind.TRIAL_STARTED, next_id) - asked)
    request(expdir, ControlAction.STOP_ALL, None)
    return figures


def more_results(expdir: ExperimentDir, trial_id: str, than: int) -> Callable[[], bool]:
    return lambda: len(results(expdir, trial_id)) > than


def pause_case(head: RayHead, work: Path, requests: int) -> dict[str, list[float]]:
    config = write_config(work, "checkpointed", [1], period=0.1)
    expdir = start_detached(config, head.address, work)
    figures: dict[str, list[float]] = {"paused": [], "resumed": []}
    wait_for(started(expdir, 1, min_results=3), timeout=60)
    trial_id = trials(expdir)[1].trial_id
    for _ in range(requests):
        pid = worker_pid(work, 1)
        asked = request(expdir, ControlAction.PAUSE, trial_id)
        figures["paused"].append(gone_at(pid) - asked)
        seen = len(results(expdir, trial_id))
        time.sleep(0.3)
        asked = request(expdir, ControlAction.RESUME, trial_id)
        wait_for(more_results(expdir, trial_id, seen), timeout=30, interval=POLL_S)
        with Store.open(expdir.store) as store:
            first = store.results(trial_id)[seen]
        figures["resumed"].append(first.time - asked)
        wait_for(more_results(expdir, trial_id, seen + 2), timeout=30)
    request(expdir, ControlAction.STOP_ALL, None)
    return figures


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"  {name:<8} n={len(values):<3} p50 {statistics.median(values) * 1000:7.0f} ms"
        f"   p95 {p95 * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
    )


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        head = RayHead(base)
        try:
            for label, period in (("every 30 s", 30.0), ("every 0.1 s", 0.1)):
                work = base / f"stop-{period}"
                work.mkdir()
                print(f"(c) stop a trial that reports {label}, request to:", flush=True)
                for name, values in stop_case(head, work, period, requests).items():
                    print(summary(name, values), flush=True)
            work = base / "pause"
            work.mkdir()
            print("(c) pause/resume a trial that checkpoints every 0.1 s:", flush=True)
            for name, values in pause_case(head, work, requests).items():
                print(summary(name, values), flush=True)
        finally:
            head.stop()


if __name__ == "__main__":
    main()
