"""A dashboard on a real pseudo-terminal for bench/ui_bench.py, and what can be read off it.

`Terminal` spawns a command on a pty and reads it continuously on a thread (optionally no faster
than a given link rate), keeping every byte with the time it was read. Everything else is read
back afterwards: when a text first appeared, where the cursor row was (by replaying the bytes into
a pyte screen), bytes and CPU over a window, the process's RSS.
"""

from __future__ import annotations

import bisect
import os
import select
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pyte
from ptyprocess import PtyProcess

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TABLE_TOP = 3
"""Screen line of the table's first trial: two header lines, then the column titles."""


class Terminal:
    """A child process on a pty of `size` (lines, columns), read by a thread at up to
    `read_rate` bytes/s (None: as fast as it writes)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        size: tuple[int, int],
        read_rate: float | None = None,
    ) -> None:
        self.size = size
        self.read_rate = read_rate
        self.raw = bytearray()
        self.chunks: list[tuple[float, int]] = []
        """(monotonic time of the read, offset in `raw` where the chunk ends)."""
        self._stopping = threading.Event()
        self.spawned_at = time.monotonic()
        self.process = PtyProcess.spawn(list(argv), env=env, dimensions=size)
        self.pid = self.process.pid
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    # -- reading --------------------------------------------------------------------------------

    def _read(self) -> None:
        fd = self.process.fd
        burst = 4096.0
        tokens, refilled = burst, time.monotonic()
        while not self._stopping.is_set():
            limit = 65536
            if self.read_rate is not None:
                now = time.monotonic()
                tokens = min(burst, tokens + (now - refilled) * self.read_rate)
                refilled = now
                if tokens < 1024:
                    time.sleep((1024 - tokens) / self.read_rate)
                    continue
                limit = int(tokens)
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(fd, limit)
            except OSError:
                return
            if not data:
                return
            read_at = time.monotonic()
            tokens -= len(data)
            self.raw += data
            self.chunks.append((read_at, len(self.raw)))

    def find(self, text: bytes, start: int = 0) -> float | None:
        """When `text` was first read complete (at or after offset `start`), or None."""
        chunks = list(self.chunks)
        if not chunks:
            return None
        index = self.raw.find(text, start, chunks[-1][1])
        if index < 0:
            return None
        ends = [end for _, end in chunks]
        return chunks[bisect.bisect_left(ends, index + len(text))][0]

    def wait_for(self, text: bytes, timeout: float) -> float | None:
        """Block until `text` has been read (None after `timeout` s); returns its read time."""
        deadline = time.monotonic() + timeout
        scanned = 0
        while time.monotonic() < deadline:
            exited = not self.process.isalive()
            end = self.chunks[-1][1] if self.chunks else 0
            if self.raw.find(text, max(0, scanned - len(text)), end) >= 0:
                return self.find(text, max(0, scanned - len(text)))
            if exited and not self._reader.is_alive():
                return None
            scanned = end
            time.sleep(0.01)
        return None

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """Block until nothing has been read for `quiet` s (False after `timeout` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.chunks[-1][0] if self.chunks else self.spawned_at
            if time.monotonic() - last >= quiet:
                return True
            time.sleep(0.02)
        return False

    def bytes_between(self, start: float, end: float) -> int:
        """Bytes read in the interval (by read time)."""
        previous = 0
        total = 0
        for read_at, offset in list(self.chunks):
            if start <= read_at < end:
                total += offset - previous
            previous = offset
        return total

    def first_read_after(self, moment: float) -> float | None:
        times = [read_at for read_at, _ in self.chunks]
        index = bisect.bisect_right(times, moment)
        return times[index] if index < len(times) else None

    # -- writing --------------------------------------------------------------------------------

    def press(self, key: bytes) -> float:
        """Send `key`; returns the time just before the write."""
        sent_at = time.monotonic()
        os.write(self.process.fd, key)
        return sent_at

    # -- the end --------------------------------------------------------------------------------

    def close(self) -> None:
        """Quit the app (q), force it after 3 s, and stop reading."""
        try:
            if self.process.isalive():
                os.write(self.process.fd, b"q")
                deadline = time.monotonic() + 3.0
                while self.process.isalive() and time.monotonic() < deadline:
                    time.sleep(0.05)
        except OSError:
            pass
        finally:
            if self.process.isalive():
                self.process.terminate(force=True)
            self._stopping.set()
            self._reader.join(2.0)
            self.process.close(force=True)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the process, from /proc ----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of `pid` so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuWindow:
    """% of one core a process used between `start()` and `stop()`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._cpu = cpu_seconds(pid)
        self._wall = time.monotonic()
        self.percent = 0.0

    def stop(self) -> float:
        self.percent = 100.0 * (cpu_seconds(self.pid) - self._cpu) / (time.monotonic() - self._wall)
        return self.percent


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of `pid` in MB (10^6 bytes)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024 / 1e6
    return values["VmRSS"], values["VmHWM"]


def mapped_packages(pid: int, packages: Sequence[str]) -> list[str]:
    """Which of `packages` have a shared object mapped into `pid` (i.e. were imported)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in packages if f"/site-packages/{name}/" in maps]


# -- the cursor row, replayed -------------------------------------------------------------------


def cursor_moves(terminal: Terminal, rows: tuple[int, int]) -> list[tuple[float, int]]:
    """(read time, row) each time the highlighted cursor row became one of `rows` (screen lines).

    Replays the bytes into a pyte screen chunk by chunk; a line counts as highlighted when its
    background differs from that of a line further down (never the cursor's in these runs).
    """
    lines, columns = terminal.size
    screen = pyte.Screen(columns, lines)
    stream = pyte.ByteStream(screen)
    moves: list[tuple[float, int]] = []
    reference = TABLE_TOP + 7
    shown: int | None = None
    previous = 0
    for read_at, offset in list(terminal.chunks):
        stream.feed(bytes(terminal.raw[previous:offset]))
        previous = offset
        plain = screen.buffer[reference][1].bg
        lit = [row for row in rows if screen.buffer[row][1].bg != plain]
        if len(lit) == 1 and lit[0] != shown:
            shown = lit[0]
            moves.append((read_at, shown))
    return moves


def key_latencies(
    presses: Sequence[tuple[float, int]], moves: Sequence[tuple[float, int]]
) -> tuple[list[float], int]:
    """Seconds from each press to the first move of the cursor onto the row it asked for, and
    how many presses got none. Presses the app coalesced count until the next such move."""
    latencies: list[float] = []
    missing = 0
    times = [moved_at for moved_at, _ in moves]
    for sent_at, row in presses:
        index = bisect.bisect_left(times, sent_at)
        while index < len(moves) and moves[index][1] != row:
            index += 1
        if index == len(moves):
            missing += 1
        else:
            latencies.append(moves[index][0] - sent_at)
    return latencies, missing


def first_byte_latencies(terminal: Terminal, presses: Sequence[tuple[float, int]]) -> list[float]:
    """Seconds from each press to the next byte read, whatever it was."""
    latencies = []
    for sent_at, _ in presses:
        read_at = terminal.first_read_after(sent_at)
        if read_at is not None:
            latencies.append(read_at - sent_at)
    return latencies


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
