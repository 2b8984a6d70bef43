"""Benchmarks for the dashboard, run in a real pseudo-terminal: one printed line per figure.

Each case builds an experiment store in a temp dir, runs `python -m tuneterm attach DIR` on a
120x40 pty (TERM=xterm-256color, 256 colours), reads the pty continuously on a thread, and (where a
case needs one) runs a feeder process appending results at a target rate in ~50 ms batches.

    [1] key -> cursor drawn, 1,000 trials at 1,000 / 10,000 results/s (p99 <= 50 / 75 ms)
    [2] UI CPU at 10,000 results/s (<= 15 %), and time to catch up once the feeder stops
    [3] replay burst: attach to 1,000,000 results while a feeder adds more (key p99 <= 100 ms)
    [4] new result -> on screen, 1,000 results/s background (p99 <= 200 ms)
    [5] idle finished sweep: bytes/s (0) and CPU (<= 1 %)
    [6] 50 trials, a tenth changing per 100 ms: KB/s (<= 16) and first full paint (<= 48 KB)
    [7] 256 kbit/s link (pty read at 32 KB/s): key p99 after the first paint (<= 100 ms)
    [8] launch to first table frame with 10,000 trials (<= 300 ms); ray/pandas/pyarrow imported?
    [9] RSS with 10,000 trials and 1,000,000 results (<= 80 MB); bytes per metric point
    [10] keys in a trial's output pane while it prints 10,000 lines/s (p99 <= 50 ms; ui_output.py)

    .venv/bin/python bench/ui_bench.py [--quick] [--only 8,3]    # --quick: shorter windows

Key latency is read off the screen: the bytes are replayed into a pyte screen and a press counts
from its write to the first read after which the cursor highlight is on the row it asked for
(`j`/`k` alternate between the first two trials). The first byte of any kind after a press is
shown too. This is a 2-core machine shared with the feeder: repeat runs and compare side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneterm.storage.store import Store
from tuneterm.ui.format import metric_text
from ui_output import case_output_pane
from ui_pty import (
    TABLE_TOP,
    CpuWindow,
    Terminal,
    cursor_moves,
    first_byte_latencies,
    key_latencies,
    mapped_packages,
    memory_mb,
    percentile,
)
from ui_store import MARKER_TRIALS, Feeder, build_store, marker_value, trial_id

SIZE = (40, 120)
"""Lines, columns."""
TABLE_MARK = trial_id(0).encode()
"""Bytes that belong to the table: the first trial's id."""
KEYS = ((b"j", TABLE_TOP + 1), (b"k", TABLE_TOP))
"""Alternating presses and the screen line the cursor should then be on."""
HEAVY = ("ray", "pandas", "pyarrow")


@dataclass(frozen=True)
class Plan:
    presses: int
    window: float
    """Seconds of each CPU / bytes measuring window."""
    markers: int
    """New-result samples for figure 4."""
    marker_interval: float
    """Seconds between new-result markers (figure 4), rotating over 10 visible trials."""
    launches: int
    big_iterations: int
    """Results per trial in the 10,000-trial replay store."""
    output_runs: int
    """Runs of figure 10, each on a fresh dashboard."""


FULL = Plan(
    presses=250,
    window=10.0,
    markers=100,
    marker_interval=0.12,
    launches=3,
    big_iterations=100,
    output_runs=5,
)
QUICK = Plan(
    presses=60,
    window=3.0,
    markers=30,
    marker_interval=0.12,
    launches=1,
    big_iterations=20,
    output_runs=2,
)


# -- helpers ----------------------------------------------------------------------------------


def ui_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("COLORTERM", "NO_COLOR", "FORCE_COLOR") and not key.startswith("TEXTUAL")
    }
    lines, columns = SIZE
    env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines))
    return env


def attach(expdir: Path, read_rate: float | None = None) -> Terminal:
    argv = [sys.executable, "-m", "tuneterm", "attach", str(expdir)]
    return Terminal(argv, ui_env(), SIZE, read_rate)


def wait_table(terminal: Terminal, timeout: float = 20.0) -> float:
    shown_at = terminal.wait_for(TABLE_MARK, timeout)
    if shown_at is None:
        raise RuntimeError(f"no table; the pty's last line: {last_line(terminal)}")
    return shown_at


def last_line(terminal: Terminal) -> str:
    lines = bytes(terminal.raw).decode("utf-8", "replace").strip().splitlines()
    return lines[-1][-200:] if lines else "(nothing)"


def press_keys(terminal: Terminal, count: int, rng: random.Random) -> list[tuple[float, int]]:
    """`count` presses ~50 ms apart (+-20 ms); (time sent, screen line the cursor should be on).

    Two slower presses follow, unmeasured: a press the app coalesced with the next one counts
    until the cursor next lands on its line, and the last ones need a later landing too."""
    presses = []
    for number in range(count):
        key, row = KEYS[number % 2]
        presses.append((terminal.press(key), row))
        time.sleep(0.05 + rng.uniform(-0.02, 0.02))
    for number in range(count, count + 2):
        time.sleep(0.25)
        terminal.press(KEYS[number % 2][0])
    time.sleep(0.25)
    return presses


def settle(terminal: Terminal, after_launch: float = 4.0) -> None:
    """Wait until `after_launch` s after the launch (at least 1 s from now).

    The first paint and the first two data updates (each a full-table repaint) fill the output
    budget for a second or two; measuring windows start once they have aged out."""
    time.sleep(max(1.0, terminal.spawned_at + after_launch - time.monotonic()))


def background_trials(trials: int) -> list[tuple[int, int]]:
    """Every trial but the marker trials, as [start, stop) ranges."""
    return [(0, MARKER_TRIALS[0]), (MARKER_TRIALS[-1] + 1, trials)]


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 10 else f"{value:,.0f} ms"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def figure(number: str, text: str, ok: bool | None = None) -> None:
    suffix = "" if ok is None else f"  {verdict(ok)}"
    print(f"[{number}] {text}{suffix}", flush=True)


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


@dataclass
class KeyFigures:
    p50: float
    p99: float
    worst: float
    count: int
    missing: int
    first_p50: float
    first_p99: float

    @classmethod
    def measure(cls, terminal: Terminal, presses: Sequence[tuple[float, int]]) -> KeyFigures:
        latencies, missing = key_latencies(
            presses, cursor_moves(terminal, (KEYS[1][1], KEYS[0][1]))
        )
        first = first_byte_latencies(terminal, presses)
        return cls(
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            max(latencies, default=float("nan")),
            len(latencies),
            missing,
            percentile(first, 0.5),
            percentile(first, 0.99),
        )

    def text(self) -> str:
        lost = f", {self.missing} never shown" if self.missing else ""
        return (
            f"key->bytes p50 {ms(self.p50)} p99 {ms(self.p99)} (max {ms(self.worst)},"
            f" {self.count} presses{lost}; first byte of any kind p50 {ms(self.first_p50)}"
            f" p99 {ms(self.first_p99)})"
        )


def marker_latencies(
    terminal: Terminal, markers: Sequence[Sequence[float]]
) -> tuple[list[float], int]:
    """Seconds from each marker's commit to its value first read off the pty; and how many never
    appeared."""
    latencies = []
    missing = 0
    for committed_at, value in markers:
        seen_at = terminal.find(metric_text(value).encode())
        if seen_at is None:
            missing += 1
        else:
            latencies.append(seen_at - committed_at)
    return latencies, missing


def caught_up(terminal: Terminal, report: dict[str, Any], timeout: float = 30.0) -> float | None:
    """Seconds from the feeder's final marker (written after its last batch) to the screen."""
    committed_at, value = report["final"]
    seen_at = terminal.wait_for(metric_text(value).encode(), timeout)
    return None if seen_at is None else seen_at - committed_at


def achieved_rate(report: dict[str, Any]) -> float:
    return report["results"] / max(report["seconds"], 1e-9)


# -- the cases --------------------------------------------------------------------------------


def case_keys_at_1k(expdir: Path, plan: Plan, rng: random.Random) -> None:
    """[4] new result -> screen, then [1] key latency, 1,000 trials at 1,000 results/s.

    Markers run throughout, but [4] counts only those before the key presses start: 20 presses
    a second take their share of the output budget and delay data refreshes."""
    with attach(expdir) as terminal:
        wait_table(terminal)
        terminal.wait_quiet(0.3, 5.0)
        with Feeder(
            expdir=str(expdir),
            rate=1_000,
            trials=background_trials(1_000),
            marker_interval=plan.marker_interval,
            marker_series=1,
            final_series=2,
        ) as feeder:
            settle(terminal)
            cpu = CpuWindow(terminal.pid)
            quiet_start = time.monotonic()
            # Markers go out with the feeder's 50 ms batches: ~25 ms later than due, on average.
            time.sleep(plan.markers * (plan.marker_interval + 0.03))
            cpu.stop()
            keys_start = time.monotonic()
            quiet_bytes = terminal.bytes_between(quiet_start, keys_start)
            cpu_keys = CpuWindow(terminal.pid)
            presses = press_keys(terminal, plan.presses, rng)
            cpu_keys.stop()
            time.sleep(0.5)
            report = feeder.stop()
        lag = caught_up(terminal, report)
    keys = KeyFigures.measure(terminal, presses)
    figure(
        "1",
        f"{keys.text()} (1,000 trials, {achieved_rate(report):,.0f} results/s, UI CPU"
        f" {cpu_keys.percent:.0f} %; target p50 <= 5 ms, p99 <= 50 ms)",
        keys.p50 <= 0.005 and keys.p99 <= 0.050 and not keys.missing,
    )
    before = [m for m in report["markers"] if quiet_start <= m[0] < keys_start]
    latencies, missing = marker_latencies(terminal, before)
    with_keys, _ = marker_latencies(terminal, [m for m in report["markers"] if m[0] >= keys_start])
    lost = f", {missing} never shown" if missing else ""
    figure(
        "4",
        f"result->screen p50 {ms(percentile(latencies, 0.5))} p99"
        f" {ms(percentile(latencies, 0.99))} (max {ms(max(latencies, default=0))},"
        f" {len(latencies)} samples{lost}; 1,000 results/s, UI CPU {cpu.percent:.0f} %,"
        f" {quiet_bytes / (keys_start - quiet_start) / 1000:.1f} KB/s out; while keys are"
        f" pressed p50 {ms(percentile(with_keys, 0.5))} p99 {ms(percentile(with_keys, 0.99))};"
        f" caught up {_seconds(lag)} after the feeder stopped; target p99 <= 200 ms)",
        bool(latencies) and not missing and percentile(latencies, 0.99) <= 0.200,
    )


def case_keys_at_10k(expdir: Path, plan: Plan, rng: random.Random) -> None:
    """[1] key latency and [2] CPU and catching up, 1,000 trials at 10,000 results/s."""
    with attach(expdir) as terminal:
        wait_table(terminal)
        terminal.wait_quiet(0.3, 5.0)
        with Feeder(
            expdir=str(expdir),
            rate=10_000,
            trials=background_trials(1_000),
            marker_interval=0.5,
            marker_series=3,
            final_series=5,
        ) as feeder:
            settle(terminal)
            cpu = CpuWindow(terminal.pid)
            window_start = time.monotonic()
            time.sleep(plan.window)
            cpu.stop()
            window_bytes = terminal.bytes_between(window_start, time.monotonic())
            cpu_keys = CpuWindow(terminal.pid)
            presses = press_keys(terminal, plan.presses, rng)
            cpu_keys.stop()
            report = feeder.stop()
        lag = caught_up(terminal, report)
        time.sleep(0.5)
        after = CpuWindow(terminal.pid)
        time.sleep(2.0)
        after.stop()
    rate = achieved_rate(report)
    keys = KeyFigures.measure(terminal, presses)
    figure(
        "1",
        f"{keys.text()} (1,000 trials, {rate:,.0f} results/s, UI CPU {cpu_keys.percent:.0f} %;"
        " target p99 <= 75 ms)",
        keys.p99 <= 0.075 and not keys.missing,
    )
    latencies, missing = marker_latencies(terminal, report["markers"])
    third = max(1, len(latencies) // 3)
    early = statistics.median(latencies[:third]) if latencies else float("nan")
    late = statistics.median(latencies[-third:]) if latencies else float("nan")
    figure(
        "2",
        f"UI CPU {cpu.percent:.1f} % of a core at {rate:,.0f} results/s"
        f" ({window_bytes / plan.window / 1000:.1f} KB/s out; target <= 15 %)",
        cpu.percent <= 15.0,
    )
    keeps_up = lag is not None and lag <= 1.0 and late <= early + 0.25
    figure(
        "2",
        f"caught up in {_seconds(lag)} after the feeder stopped (its final result on screen);"
        f" result->screen median {ms(early)} in the first third of the run, {ms(late)} in the"
        f" last, {missing} of {len(report['markers'])} never shown; UI CPU after"
        f" {after.percent:.1f} %; feeder late on {report['late_ticks']} ticks (keeps up:"
        " caught up <= 1 s, no growth)",
        keeps_up,
    )


def case_replay(
    expdir: Path, baselines: tuple[float, float], plan: Plan, rng: random.Random
) -> None:
    """[3] key latency while replaying a big store and [9] memory once it is loaded."""
    replay_marker = metric_text(marker_value(4, 1)).encode()
    feeding = {
        "expdir": str(expdir),
        "rate": 1_000,
        "trials": [(9_900, 10_000)],
        "final_series": 6,
    }
    with Feeder(**feeding) as feeder, attach(expdir) as terminal:
        table_at = wait_table(terminal, 60.0)
        presses = press_keys(terminal, plan.presses, rng)
        replayed_at = terminal.wait_for(replay_marker, 60.0)
        time.sleep(1.0)
        rss, peak = memory_mb(terminal.pid)
        points = _count_results(expdir)
        report = feeder.stop()
        lag = caught_up(terminal, report)
    keys = KeyFigures.measure(terminal, presses)
    during = [p for p in presses if replayed_at is None or p[0] < replayed_at]
    during_keys = KeyFigures.measure(terminal, during) if during else None
    loaded = 10_000 * plan.big_iterations
    replay = None if replayed_at is None else replayed_at - terminal.spawned_at
    during_text = (
        f"during the replay p99 {ms(during_keys.p99)} over {during_keys.count} presses; "
        if during_keys
        else ""
    )
    figure(
        "3",
        f"{keys.text()} (attach to 10,000 trials x {plan.big_iterations} = {loaded:,} results"
        f" + {achieved_rate(report):,.0f} results/s; {during_text}target p99 <= 100 ms)",
        keys.p99 <= 0.100 and not keys.missing,
    )
    figure(
        "3",
        f"caught up with {loaded:,} results {_seconds(replay)} after launch (table first shown"
        f" at {_seconds(table_at - terminal.spawned_at)}); with the feeder again"
        f" {_seconds(lag)} after it stopped",
    )
    no_trials, no_results = baselines
    per_point = (rss - no_results) * 1e6 / max(1, points)
    figure(
        "9",
        f"RSS {rss:.0f} MB (peak {peak:.0f} MB) with 10,000 trials and {points:,} results"
        f" (the same trials without results: {no_results:.0f} MB, no trials: {no_trials:.0f} MB;"
        f" so {per_point:.0f} bytes per metric point); target <= 80 MB",
        rss <= 80.0,
    )


def case_output(root: Path, plan: Plan, rng: random.Random) -> None:
    """[10] keys in a trial's output pane while the trial prints 10,000 lines/s."""
    text, ok = case_output_pane(root, plan.output_runs, plan.presses, attach, rng)
    figure("10", text, ok)


def _count_results(expdir: Path) -> int:
    with sqlite3.connect(expdir / Store.FILENAME) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'result'").fetchone()[0])


def baseline_memory(expdir: Path, table: bool = True) -> float:
    """RSS (MB) of the dashboard settled on `expdir` (`table`: wait until trials show)."""
    with attach(expdir) as terminal:
        if table:
            wait_table(terminal, 30.0)
        terminal.wait_quiet(0.5, 10.0)
        time.sleep(1.0)
        return memory_mb(terminal.pid)[0]


def case_idle(expdir: Path, plan: Plan) -> None:
    """[5] a finished sweep, nothing changing: bytes and CPU."""
    with attach(expdir) as terminal:
        wait_table(terminal)
        terminal.wait_quiet(2.0, 15.0)
        cpu = CpuWindow(terminal.pid)
        start = time.monotonic()
        time.sleep(plan.window)
        cpu.stop()
        written = terminal.bytes_between(start, time.monotonic())
    rate = written / plan.window
    figure(
        "5",
        f"idle {rate:.0f} B/s, CPU {cpu.percent:.1f} % over {plan.window:.0f} s (finished sweep,"
        " 1,000 trials; target 0 B/s, <= 1 %)",
        written == 0 and cpu.percent <= 1.0,
    )


def case_bytes(expdir: Path, plan: Plan) -> None:
    """[6] bytes on the wire, 50 trials with a tenth of them changing per 100 ms."""
    with attach(expdir) as terminal:
        table_at = wait_table(terminal)
        terminal.wait_quiet(0.3, 5.0)
        first_paint = terminal.bytes_between(terminal.spawned_at, time.monotonic())
        time.sleep(max(0.0, terminal.spawned_at + 3.0 - time.monotonic()))
        first_3s = terminal.bytes_between(terminal.spawned_at, terminal.spawned_at + 3.0)
        with Feeder(expdir=str(expdir), rate=50, trials=[(0, 50)], batch_interval=0.1):
            time.sleep(2.0)
            cpu = CpuWindow(terminal.pid)
            start = time.monotonic()
            time.sleep(plan.window)
            cpu.stop()
            written = terminal.bytes_between(start, time.monotonic())
    rate = written / plan.window / 1000
    figure(
        "6",
        f"{rate:.1f} KB/s at 120x40, 256 colours (50 trials, 5 changing per 100 ms; UI CPU"
        f" {cpu.percent:.0f} %; target <= 16 KB/s)",
        rate <= 16.0,
    )
    figure(
        "6",
        f"first full paint {first_paint / 1000:.1f} KB (table at"
        f" {_seconds(table_at - terminal.spawned_at)}; {first_3s / 1000:.1f} KB in the first 3 s,"
        " header clock included; target <= 48 KB)",
        first_paint <= 48_000,
    )


def case_slow_link(expdir: Path, plan: Plan, rng: random.Random) -> None:
    """[7] keys on a 256 kbit/s link (the pty read at 32 KB/s), 50 trials changing as in [6]."""
    with attach(expdir, read_rate=32_000) as terminal:
        wait_table(terminal, 30.0)
        terminal.wait_quiet(0.5, 30.0)
        painted = time.monotonic() - terminal.spawned_at
        with Feeder(expdir=str(expdir), rate=50, trials=[(0, 50)], batch_interval=0.1):
            time.sleep(2.0)
            start = time.monotonic()
            presses = press_keys(terminal, plan.presses, rng)
            written = terminal.bytes_between(start, time.monotonic())
            elapsed = time.monotonic() - start
    keys = KeyFigures.measure(terminal, presses)
    figure(
        "7",
        f"{keys.text()} (256 kbit/s link, first paint through after {painted:.1f} s, then"
        f" {written / elapsed / 1000:.1f} KB/s read; 50 trials, 5 changing per 100 ms;"
        " target p99 <= 100 ms)",
        keys.p99 <= 0.100 and not keys.missing,
    )


def case_launch(expdir: Path, plan: Plan) -> None:
    """[8] launch to first table frame with 10,000 trials, and which heavy packages loaded."""
    firsts, tables = [], []
    mapped: set[str] = set()
    for _ in range(plan.launches):
        with attach(expdir) as terminal:
            tables.append(wait_table(terminal, 30.0) - terminal.spawned_at)
            firsts.append(terminal.chunks[0][0] - terminal.spawned_at)
            mapped.update(mapped_packages(terminal.pid, HEAVY))
    table = statistics.median(tables)
    each = ", ".join(f"{value * 1000:.0f}" for value in tables)
    figure(
        "8",
        f"launch->first table frame {ms(table)} median (runs: {each} ms; first byte"
        f" {ms(statistics.median(firsts))}; 10,000 trials x 10 results; target <= 300 ms)",
        table <= 0.300,
    )
    imported = _imported_heavy()
    figure(
        "8",
        f"heavy packages in the UI process: mapped {sorted(mapped) or 'none'},"
        f" imported by tuneterm.ui.app {imported or 'none'} (target: none)",
        not mapped and not imported,
    )


def _imported_heavy() -> list[str]:
    check = (
        "import json, sys, tuneterm.cli.main, tuneterm.ui.app;"
        f" print(json.dumps([m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]))"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


def _seconds(value: float | None) -> str:
    return "never (timed out)" if value is None else f"{value:.2f} s"


# -- main -------------------------------------------------------------------------------------


def leftover_children() -> list[str]:
    """Processes still parented by this one (there should be none)."""
    mine = str(os.getpid())
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == mine:
            found.append(f"{status.parent.name} {fields.get('Name', '').strip()}")
    return found


def run(plan: Plan, only: set[str]) -> None:
    rng = random.Random(7)

    def wanted(figures: str) -> bool:
        return not only or bool(only & set(figures.split()))

    with tempfile.TemporaryDirectory(prefix="tuneterm-ui-bench-") as tmp:
        root = Path(tmp)
        progress("building the small stores")
        # 100 iterations each: the iteration column stays 3 digits wide during the runs (a column
        # that widens repaints the whole table once; that is measured, but not in every window).
        small = [("k1000", 1_000, False), ("t50", 50, False), ("finished", 1_000, True)]
        for name, trials, finished in small:
            build_store(root / name, trials, 100, finished=finished)
        cases: list[tuple[str, str, Callable[..., None], tuple[Any, ...]]] = [
            ("1 4", "1,000 trials at 1,000 results/s", case_keys_at_1k, ("k1000", plan, rng)),
            ("1 2", "1,000 trials at 10,000 results/s", case_keys_at_10k, ("k1000", plan, rng)),
            ("5", "idle", case_idle, ("finished", plan)),
            ("6", "bytes, 50 trials", case_bytes, ("t50", plan)),
            ("7", "slow link", case_slow_link, ("t50", plan, rng)),
        ]
        for figures, name, case, (store, *rest) in cases:
            if wanted(figures):
                attempt(figures, name, case, root / store, *rest)
        if wanted("8"):
            build_store(root / "launch", 10_000, 10)
            attempt("8", "launch, 10,000 trials", case_launch, root / "launch", plan)
        if wanted("3 9"):
            run_replay(root, plan, rng)
        if wanted("10"):
            attempt("10", "output pane, 10,000 lines/s", case_output, root, plan, rng)


def run_replay(root: Path, plan: Plan, rng: random.Random) -> None:
    """[3] and [9]: memory baselines, then the 1,000,000-result replay."""
    progress("[9] baseline memory: no trials; 10,000 trials without results")
    build_store(root / "none", 0, 0)
    build_store(root / "empty", 10_000, 0)
    try:
        baselines = (
            baseline_memory(root / "none", table=False),
            baseline_memory(root / "empty"),
        )
    except Exception as exc:  # the dashboard under test may be broken: go on
        figure("9", f"FAILED (baselines): {exc}", False)
        baselines = (float("nan"), float("nan"))
    started = time.monotonic()
    build_store(
        root / "replay", 10_000, plan.big_iterations, running=100, markers=[marker_value(4, 1)]
    )
    progress(f"built 10,000 x {plan.big_iterations} results in {time.monotonic() - started:.1f} s")
    attempt("3 9", "replay", case_replay, root / "replay", baselines, plan, rng)


def attempt(figures: str, name: str, case: Callable[..., None], *args: Any) -> None:
    """Run one case; if it fails (the dashboard crashed, say), say so and go on."""
    progress(f"[{']['.join(figures.split())}] {name}")
    try:
        case(*args)
    except Exception as exc:
        for number in figures.split():
            figure(number, f"FAILED ({name}): {type(exc).__name__}: {exc}", False)


def cache_bytecode() -> None:
    """Write tuneterm's bytecode cache, as Python does on a first run: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile every module at every launch (~60 ms)."""
    import compileall

    import tuneterm

    package = Path(tuneterm.__file__).parent
    if not compileall.compile_dir(package, quiet=1, force=False):
        progress(f"could not write the bytecode cache under {package}: launches compile it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="short windows (a ~1 minute smoke run)"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated figure numbers to run (e.g. 8 or 1,3); default: all",
    )
    args = parser.parse_args()
    cache_bytecode()
    # Children are stopped by the context managers on the way out, whatever ends the run (a
    # shell starts background jobs with SIGINT ignored: restore it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    started = time.monotonic()
    load = os.getloadavg()[0]
    run(QUICK if args.quick else FULL, {n for n in args.only.split(",") if n})
    print(
        f"(load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, on"
        f" {os.cpu_count()} cores: anything else running skews these figures)",
        flush=True,
    )
    left = leftover_children()
    if left:
        print(f"LEFT BEHIND: {', '.join(left)}", flush=True)
    progress(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
