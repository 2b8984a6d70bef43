"""The batches of a trial's output in the order they arrived, read either way from any point.

tuneterm's driver records each batch it writes in the trial's `order` file (`output_merge`):
a batch is keyed by the byte offset of its record there. Files that another program wrote (Ray's
own `stdout` and `stderr` in a trial folder) have no such record: their batches are made up as
they are seen, keyed by their number: first what each file holds when first read (stdout's, then
stderr's), then each growth.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Protocol

from tuneterm.storage.output_merge import parse_record
from tuneterm.storage.trial_output import BLOCK, STDERR, STDOUT, file_size, read_range

RECORD_LIMIT = 512
"""Bytes the longest record line may have (a longer one is damaged and skipped)."""


class Batch(NamedTuple):
    """One batch of one stream (a tuple: thousands are read per second)."""

    key: int
    """Where it is in its log."""
    next_key: int
    """Where the batch after it is (or will be)."""
    stream: str
    end: int
    """The size of its stream's file after it: the batch holds the bytes before this that the
    stream's previous batch did not."""


class BatchLog(Protocol):
    """The batches of one trial's output."""

    def end_key(self) -> int:
        """The key the next batch will have."""
        ...

    def forward(self, key: int, limit: int) -> list[Batch]:
        """Up to `limit` batches from `key` on, in order."""
        ...

    def backward(self, key: int, limit: int) -> tuple[list[Batch], bool]:
        """The batch at `key` (if any) and up to `limit` batches before it, oldest first; and
        whether the first of them is the first batch of all."""
        ...


def batch_log(stdout_path: Path, order_path: Path | None, stderr_path: Path) -> BatchLog:
    """The order file's batches where there is one (None: the files have none)."""
    if order_path is not None:
        return OrderLog(order_path)
    return SeenLog(stdout_path, stderr_path)


class OrderLog:
    """The batches the driver recorded in a trial's `order` file, a line each."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def end_key(self) -> int:
        size = file_size(self.path)
        tail = read_range(self.path, max(0, size - RECORD_LIMIT), size)
        return size - len(tail) + tail.rfind(b"\n") + 1

    def forward(self, key: int, limit: int) -> list[Batch]:
        batches: list[Batch] = []
        while len(batches) < limit:
            data = read_range(self.path, key, key + BLOCK)
            complete = data[: data.rfind(b"\n") + 1]
            if not complete:
                return batches
            for line in complete.split(b"\n")[:-1]:
                batches += _parsed(line, key)
                key += len(line) + 1
        return batches[:limit]

    def backward(self, key: int, limit: int) -> tuple[list[Batch], bool]:
        own = read_range(self.path, key, key + RECORD_LIMIT)
        upper = key + own.find(b"\n") + 1 if b"\n" in own else key
        batches: list[Batch] = []
        while upper > 0 and len(batches) <= limit:
            lower = max(0, upper - BLOCK)
            data = read_range(self.path, lower, upper)
            start = 0 if lower == 0 else data.find(b"\n") + 1
            if start == 0 and lower > 0:
                break  # a damaged, endless record: go no further back
            found: list[Batch] = []
            offset = lower + start
            for line in data[start:].split(b"\n")[:-1]:
                found += _parsed(line, offset)
                offset += len(line) + 1
            batches = found + batches
            upper = lower + start
        return batches[-(limit + 1) :], upper == 0 and len(batches) <= limit + 1


def _parsed(line: bytes, key: int) -> list[Batch]:
    record = parse_record(line.decode("ascii", errors="replace"))
    if record is None:
        return []
    return [Batch(key, key + len(line) + 1, record[0], record[1])]


class SeenLog:
    """Batches made up for two files without records: what each held when first seen, then
    each growth seen (a reader may have read past the batch before: it is never extended)."""

    def __init__(self, stdout_path: Path, stderr_path: Path) -> None:
        self._paths = {STDOUT: stdout_path, STDERR: stderr_path}
        self._batches: list[Batch] = []
        self._ends = {STDOUT: 0, STDERR: 0}
        self._grow()

    def _grow(self) -> None:
        for stream, path in self._paths.items():
            size = file_size(path)
            if size <= self._ends[stream]:
                continue
            self._ends[stream] = size
            key = len(self._batches)
            self._batches.append(Batch(key, key + 1, stream, size))

    def end_key(self) -> int:
        self._grow()
        return len(self._batches)

    def forward(self, key: int, limit: int) -> list[Batch]:
        self._grow()
        return self._batches[key : key + limit]

    def backward(self, key: int, limit: int) -> tuple[list[Batch], bool]:
        first = max(0, key - limit)
        return self._batches[first : key + 1], first == 0
