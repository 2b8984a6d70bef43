"""A trial's output captured at the file-descriptor level, and held within the per-send caps.

Part of the trial agent (trial_agent.py); like it, imports nothing from tuneterm.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable

STDOUT, STDERR = "stdout", "stderr"
SEND_INTERVAL_S = 0.2
"""How long output is batched at most before it is sent."""
MAX_LINES_PER_BATCH = 1000
"""Lines sent per send interval at most (5,000 lines/s)."""
MAX_BYTES_PER_BATCH = 128 << 10
"""Bytes sent per send interval at most (640 KiB/s)."""

_warned: set[str] = set()
_warning_fd: list[int] = []
"""Where warnings go while fd 2 is captured: its original target (never the pipe)."""
_STREAM_OF_FD = {1: STDOUT, 2: STDERR}

Chunk = tuple[str, bytes, float]
"""Output as it goes to the relay: stream, bytes, time read."""


def warn_once(key: str, message: str) -> None:
    """One line on the worker's stderr (its Ray log), the first time `key` comes up."""
    if key in _warned:
        return
    _warned.add(key)
    _write_all(_warning_fd[-1] if _warning_fd else 2, f"tuneterm trial agent: {message}\n".encode())


def flush_python_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


class Outbox:
    """Output read since the last send, in the order read, within the per-send caps."""

    def __init__(self, on_output: Callable[[], None] = lambda: None) -> None:
        self._on_output = on_output
        self._lock = threading.Lock()
        self._chunks: list[Chunk] = []
        self._lines = 0
        self._bytes = 0
        self._dropped = {STDOUT: 0, STDERR: 0}
        self._cut_line: set[str] = set()
        """The streams whose last dropped bytes ended mid-line (that line counts once)."""

    def add(self, stream: str, data: bytes) -> None:
        """Keep `data` (or its first lines, up to the caps); count the lines dropped."""
        with self._lock:
            kept = _fitting(
                data, MAX_LINES_PER_BATCH - self._lines, MAX_BYTES_PER_BATCH - self._bytes
            )
            if len(kept) < len(data):
                rest = data[len(kept) :]
                self._dropped[stream] += rest.count(b"\n")
                if rest.endswith(b"\n"):
                    self._cut_line.discard(stream)
                else:
                    self._cut_line.add(stream)
            if kept:
                self._chunks.append((stream, kept, time.time()))
                self._lines += kept.count(b"\n")
                self._bytes += len(kept)
        self._on_output()

    def take(self) -> list[Chunk]:
        """Everything kept since the last call, consecutive chunks of a stream joined, and a
        line per stream saying how many lines were dropped."""
        with self._lock:
            chunks, self._chunks = self._chunks, []
            dropped, self._dropped = self._dropped, {STDOUT: 0, STDERR: 0}
            for stream in self._cut_line:
                dropped[stream] += 1
            self._cut_line = set()
            self._lines = self._bytes = 0
        now = time.time()
        for stream, count in dropped.items():
            if count:
                ends = [data for name, data, _ in chunks if name == stream][-1:]
                mid_line = bool(ends) and not ends[0].endswith(b"\n")
                chunks.append((stream, b"\n" * mid_line + dropped_marker(count), now))
        return _joined(chunks)


def dropped_marker(count: int) -> bytes:
    """The line that stands for `count` dropped lines."""
    return (
        f"[tuneterm: {count} lines dropped: over {MAX_LINES_PER_BATCH} lines or"
        f" {MAX_BYTES_PER_BATCH >> 10} KiB in {SEND_INTERVAL_S:g} s]\n"
    ).encode()


def _fitting(data: bytes, lines: int, size: int) -> bytes:
    """The longest start of `data` within `lines` lines and `size` bytes, cut at a line end
    (whole `data` if it fits)."""
    if lines >= data.count(b"\n") and size >= len(data):
        return data
    if lines <= 0 or size <= 0:
        return b""
    end = 0
    for _ in range(lines):
        found = data.find(b"\n", end, size)
        if found < 0:
            break
        end = found + 1
    return data[:end]


def _joined(chunks: list[Chunk]) -> list[Chunk]:
    joined: list[Chunk] = []
    for stream, data, at in chunks:
        if joined and joined[-1][0] == stream:
            joined[-1] = (stream, joined[-1][1] + data, joined[-1][2])
        else:
            joined.append((stream, data, at))
    return joined


class FdCapture:
    """File descriptor `fd` redirected into a pipe; a reader thread passes each read on to the
    original target and to `sink`."""

    def __init__(self, fd: int, sink: Callable[[str, bytes], None]) -> None:
        self.fd = fd
        self._stream = _STREAM_OF_FD[fd]
        self._sink = sink
        flush_python_streams()
        self._original = os.dup(fd)
        read_end, write_end = os.pipe()
        try:
            os.dup2(write_end, fd)
        finally:
            os.close(write_end)
        self._read_end = read_end
        if fd == 2:
            _warning_fd.append(self._original)
        self._reader = threading.Thread(target=self._read, name=f"tuneterm-fd{fd}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._read_end, 65536)
            except OSError:
                break
            if not data:
                break
            _write_all(self._original, data)
            try:
                self._sink(self._stream, data)
            except Exception as exc:
                warn_once("sink", f"output not kept ({type(exc).__name__}: {exc})")
        with contextlib.suppress(OSError):
            os.close(self._read_end)

    def restore(self) -> None:
        """Point `fd` back at its original target; the reader ends once the pipe is drained
        (unless a child process still holds it: then it goes on, as a daemon thread)."""
        flush_python_streams()
        os.dup2(self._original, self.fd)
        if self._original in _warning_fd:
            _warning_fd.remove(self._original)
        self._reader.join(timeout=1.0)
        if not self._reader.is_alive():
            os.close(self._original)


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
