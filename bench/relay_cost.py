"""Benchmark: what the trial output relay (runner/relay.py) costs the driver, measured directly.

A Ray task stands in for TRIALS trial agents: every 0.2 s it pushes each trial's batch of LINES
output lines, and every 2 s a resource sample, to the sweep's relay actor. Meanwhile the driver
calls the `OutputRelay` callback's `on_step_end` every 100 ms, as Tune's loop does, for DURATION_S
seconds, which drains the actor and writes the files and the store. Printed: the driver's CPU time
per step (median over rounds, with the spread) and its share of a 100 ms step; the end-to-end ratio
is bench/run.py (a) (`--no-relay` for the figure without the relay).

    .venv/bin/python bench/relay_cost.py [ROUNDS [LINES]]    # LINES 0: quiet trials, samples only
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import ray

from tuneterm.runner.relay import OutputRelay, relay_name
from tuneterm.runner.trial_agent import RELAY_NAMESPACE
from tuneterm.storage.store import Store

TRIALS = 8
LINES = int(sys.argv[2]) if len(sys.argv) > 2 else 100
DURATION_S = 10.0
STEP_S = 0.1


@ray.remote(num_cpus=0)
def agents(name: str, duration: float, lines: int) -> int:
    """Push like TRIALS agents printing LINES lines per 0.2 s; returns the batches pushed."""
    relay = ray.get_actor(name, namespace=RELAY_NAMESPACE)
    batch = b"".join(b"epoch 3 step %d loss 0.1234 accuracy 0.9876\n" % i for i in range(lines))
    pushed, started = 0, time.monotonic()
    while time.monotonic() - started < duration:
        sample = [(time.time(), 99.0, 1 << 30, None, None)] if pushed % 10 == 0 else []
        for trial in range(TRIALS):
            chunks = [("stdout", batch, time.time())] if batch else []
            if chunks or sample:
                relay.push.remote(f"t{trial}", chunks, sample)
        pushed += TRIALS
        time.sleep(0.2)
    return pushed


def one_round(directory: Path) -> tuple[float, int]:
    """CPU seconds per step of the callback, and the lines it wrote."""
    directory.mkdir()
    store_path = directory / Store.FILENAME
    with Store.create(store_path, {"name": "bench", "metric": "score"}) as store:
        for trial in range(TRIALS):
            store.record_trial_started(f"t{trial}", {})
    callback = OutputRelay(directory, store_path, relay_name(directory))
    callback.setup()
    pushing = agents.remote(relay_name(directory), DURATION_S, LINES)
    cpu, steps = 0.0, 0
    while not ray.wait([pushing], timeout=0)[0]:
        started = time.thread_time()
        callback.on_step_end(iteration=steps, trials=[])
        cpu += time.thread_time() - started
        steps += 1
        time.sleep(STEP_S)
    callback.on_experiment_end(trials=[])
    written = [directory / "logs" / f"t{t}" / "stdout" for t in range(TRIALS)]
    lines = sum(path.read_bytes().count(b"\n") for path in written if path.exists())
    return cpu / steps, lines


def main(rounds: int) -> None:
    ray.init(address="local", log_to_driver=False, include_dashboard=False, logging_level="ERROR")
    per_step: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(rounds):
            cost, lines = one_round(Path(tmp) / f"r{number}")
            per_step.append(cost)
    ray.shutdown()
    median = statistics.median(per_step)
    print(
        f"relay driver cost, {TRIALS} trials x {LINES * 5} lines/s, {rounds} rounds of"
        f" {DURATION_S:g} s: median {median * 1e6:.0f} us CPU per 100 ms step"
        f" ({median / STEP_S:.2%} of the step; spread {min(per_step) * 1e6:.0f}-"
        f"{max(per_step) * 1e6:.0f} us); last round wrote {lines} lines",
        flush=True,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
