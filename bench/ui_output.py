"""Figure [10] of bench/ui_bench.py: keys in a trial's output pane while the trial prints
10,000 lines/s.

The dashboard runs on a real pty (120x40) attached to a small store; the first trial's detail is
opened, then its output pane (`o`). A writer process appends numbered lines to that trial's stdout
file (and its `order` record) through the driver's `OutputWriter`, 500 lines every 50 ms, while
`s` is pressed ~50 ms apart: each press switches the streams shown, which the pane's border says
("stdout only", "stderr only", "stdout and stderr"); a press counts from its write to the first
read holding that text. Several runs; each gives its p50 and p99.

    python bench/ui_output.py write '{"expdir": ..., "trial": ..., "rate": 10000}'   # until EOF
"""

from __future__ import annotations

import bisect
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tuneterm.storage.output_writer import OutputWriter
from tuneterm.storage.trial_output import STDOUT
from ui_pty import CpuWindow, Terminal, percentile
from ui_store import build_store, trial_id

RATE = 10_000
"""Lines per second the trial prints."""
BATCH_INTERVAL = 0.05
MARKS = ("stdout only", "stderr only", "stdout and stderr")
"""What the pane's border says after each press of `s`, in turn."""
TRIAL = trial_id(0)
"""The trial under the cursor at launch (the table sorts by trial id)."""


class Writer:
    """A process printing `rate` lines/s into a trial's stdout file; `stop()` returns its report."""

    def __init__(self, expdir: Path, rate: int) -> None:
        params = json.dumps({"expdir": str(expdir), "trial": TRIAL, "rate": rate})
        command = [sys.executable, str(Path(__file__).resolve()), "write", params]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            raise RuntimeError("the writer did not start")

    def stop(self) -> dict[str, Any]:
        out, _ = self.process.communicate(timeout=30)
        return dict(json.loads(out.strip().splitlines()[-1]))

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def write(expdir: str, trial: str, rate: int) -> dict[str, Any]:
    """Append numbered lines at `rate` lines/s until stdin closes; returns lines and seconds."""
    writer = OutputWriter(Path(expdir))
    stopping = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    print("ready", flush=True)
    start = next_tick = time.monotonic()
    written = 0
    while not stopping.is_set():
        due = int(rate * (time.monotonic() - start))
        lines = b"".join(
            b"step %09d loss %.6f lr 0.001 throughput 1234.5 samples/s\n" % (n, 1 / (n + 1))
            for n in range(written, due)
        )
        if lines:
            writer.write(trial, STDOUT, lines, time.time())
        written = due
        next_tick += BATCH_INTERVAL
        stopping.wait(max(0.0, next_tick - time.monotonic()))
    writer.close()
    return {"lines": written, "seconds": time.monotonic() - start, "last": written - 1}


def press_s(terminal: Terminal, count: int, rng: random.Random) -> list[tuple[float, bytes]]:
    """`count` presses ~50 ms apart; (time sent, the text the border then shows)."""
    presses = []
    for number in range(count):
        presses.append((terminal.press(b"s"), MARKS[number % 3].encode()))
        time.sleep(0.05 + rng.uniform(-0.02, 0.02))
    return presses


def mark_latencies(
    terminal: Terminal, presses: Sequence[tuple[float, bytes]]
) -> tuple[list[float], int]:
    """Seconds from each press to the first read after it holding its mark, or the next press's
    mark (the app may handle two presses in one frame); and how many presses showed neither."""
    seen = [_mark_seen(terminal, presses, index) for index in range(len(presses))]
    latencies, missing = [], 0
    for index, (sent_at, _) in enumerate(presses):
        shown = [at for at in seen[index : index + 2] if at is not None and at >= sent_at]
        if shown:
            latencies.append(min(shown) - sent_at)
        else:
            missing += 1
    return latencies, missing


def _mark_seen(
    terminal: Terminal, presses: Sequence[tuple[float, bytes]], index: int
) -> float | None:
    """When press `index`'s mark was first read after it; None if not before the press that
    shows the same mark again (three presses later)."""
    chunks = list(terminal.chunks)
    times = [read_at for read_at, _ in chunks]
    sent_at, mark = presses[index]
    start = bisect.bisect_left(times, sent_at)
    seen_at = terminal.find(mark, chunks[start - 1][1] if start > 0 else 0)
    if index + 3 < len(presses) and seen_at is not None and seen_at >= presses[index + 3][0]:
        return None
    return seen_at


def one_run(
    root: Path, run: int, presses: int, attach: Callable[[Path], Terminal], rng: random.Random
) -> dict[str, Any]:
    expdir = root / f"output-{run}"
    build_store(expdir, 20, 10)
    with attach(expdir) as terminal:
        if terminal.wait_for(TRIAL.encode(), 20.0) is None:
            raise RuntimeError("no table")
        terminal.press(b"\r")
        time.sleep(0.5)
        terminal.press(b"o")
        if terminal.wait_for(b"stdout and stderr", 10.0) is None:
            raise RuntimeError("no output pane")
        with Writer(expdir, RATE) as writer:
            time.sleep(2.0)
            cpu = CpuWindow(terminal.pid)
            sent = press_s(terminal, presses, rng)
            cpu.stop()
            time.sleep(0.5)
            report = writer.stop()
        last = b"step %09d" % report["last"]
        caught_up = terminal.wait_for(last, 10.0) is not None
    latencies, missing = mark_latencies(terminal, sent)
    return {
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "missing": missing,
        "cpu": cpu.percent,
        "rate": report["lines"] / report["seconds"],
        "caught_up": caught_up,
    }


def case_output_pane(
    root: Path, runs: int, presses: int, attach: Callable[[Path], Terminal], rng: random.Random
) -> tuple[str, bool]:
    """[10] the figure's text and whether it met its target (p99 <= 50 ms in every run)."""
    results = [one_run(root, run, presses, attach, rng) for run in range(runs)]
    p50s = [r["p50"] * 1000 for r in results]
    p99s = [r["p99"] * 1000 for r in results]
    missing = sum(r["missing"] for r in results)
    lost = f", {missing} never shown" if missing else ""
    text = (
        f"output pane, key->screen p50 {statistics.median(p50s):.1f} ms"
        f" ({min(p50s):.1f}-{max(p50s):.1f}) p99 {statistics.median(p99s):.1f} ms"
        f" ({min(p99s):.1f}-{max(p99s):.1f}) over {runs} runs of {presses} presses{lost}"
        f" (a trial printing {statistics.median(r['rate'] for r in results):,.0f} lines/s,"
        f" UI CPU {statistics.median(r['cpu'] for r in results):.0f} %; last line shown after"
        f" the writer stopped: {sum(r['caught_up'] for r in results)}/{runs};"
        " target p99 <= 50 ms)"
    )
    ok = max(p99s) <= 50.0 and not missing and all(r["caught_up"] for r in results)
    return text, ok


if __name__ == "__main__":
    if sys.argv[1:2] != ["write"]:
        sys.exit("usage: ui_output.py write JSON")
    print(json.dumps(write(**json.loads(sys.argv[2]))), flush=True)
