"""A trial's stdout and stderr read together, interleaved in the order their batches arrived.

The driver appends a record to the trial's `order` file after each batch it writes (see
`trial_output`); a record says which stream grew to which size, so each record names one byte
range of one stream. Lines are split per stream: a batch that ends mid-line is completed by the
next batch of the same stream, whatever came on the other stream between them. Files without an
`order` record (Ray's own `stdout` and `stderr` in a trial folder) are read one after the other.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from tuneterm.storage.trial_output import (
    BLOCK,
    LOGS_DIR,
    ORDER,
    READ_LIMIT,
    STDERR,
    STDOUT,
    OutputFollower,
    OutputLine,
    decode_line,
    file_size,
    read_range,
    read_tail,
)

Record = tuple[str, int]
"""One batch: its stream and that stream's size after it."""

TAIL_RECORDS = 20_000
"""How many of the newest records `at_tail` looks at, at most."""


def parse_record(line: str) -> Record | None:
    """A record of the `order` file ("stdout 1234 1712345678.123"); None for a damaged one."""
    fields = line.split()
    if len(fields) < 2 or fields[0] not in (STDOUT, STDERR) or not fields[1].isdigit():
        return None
    return fields[0], int(fields[1])


def format_record(stream: str, end: int, time: float) -> bytes:
    """The `order` line for a batch that brought `stream` to `end` bytes at `time`."""
    return f"{stream} {end} {time:.3f}\n".encode()


def is_indexed(stdout_path: Path) -> bool:
    """Whether the streams next to `stdout_path` are tuneterm's (with an `order` file, now or
    once the first batch is written) rather than files some other program wrote."""
    folder = stdout_path.parent
    return (folder / ORDER).exists() or folder.parent.name == LOGS_DIR


class InterleavedFollower:
    """Follows a trial's stdout and stderr as one sequence of `OutputLine`s in arrival order:
    each `read_new` returns the complete lines that arrived since the last call."""

    def __init__(self, stdout_path: Path, stderr_path: Path) -> None:
        self._paths = {STDOUT: stdout_path, STDERR: stderr_path}
        self._indexed = is_indexed(stdout_path)
        self._order = OutputFollower(stdout_path.parent / ORDER)
        self._records: deque[Record] = deque()
        self._positions = {STDOUT: 0, STDERR: 0}
        self._partials = {STDOUT: b"", STDERR: b""}
        self._plain = {name: OutputFollower(path) for name, path in self._paths.items()}

    @classmethod
    def at_tail(
        cls, stdout_path: Path, stderr_path: Path, max_lines: int, max_bytes: int = 1 << 20
    ) -> tuple[list[OutputLine], InterleavedFollower]:
        """The last `max_lines` complete lines of both streams in arrival order (reading about
        `max_bytes` of output at most), and a follower that goes on from there."""
        follower = cls(stdout_path, stderr_path)
        if not follower._indexed:
            return follower._plain_tail(max_lines, max_bytes), follower
        return follower._indexed_tail(max_lines, max_bytes)[-max_lines:], follower

    def read_new(self, max_bytes: int = READ_LIMIT) -> list[OutputLine]:
        """Complete lines that arrived since the last call (about `max_bytes` of them at most:
        call again until it returns none to read everything)."""
        if not self._indexed:
            return [
                OutputLine(name, text)
                for name, follower in self._plain.items()
                for text in follower.read_new(max_bytes // 2)
            ]
        if file_size(self._order.path) < self._order.offset:
            self._restart()
        if not self._records:
            self._records.extend(filter(None, map(parse_record, self._order.read_new())))
        return self._read_records(max_bytes)

    def flush(self) -> list[OutputLine]:
        """The unterminated last line of each stream, if any (for a trial that ended)."""
        if not self._indexed:
            return [
                OutputLine(name, text)
                for name, follower in self._plain.items()
                for text in follower.flush()
            ]
        lines = [
            OutputLine(name, decode_line(partial))
            for name, partial in self._partials.items()
            if partial
        ]
        self._partials = {STDOUT: b"", STDERR: b""}
        return lines

    def _restart(self) -> None:
        """The order file shrank (it was replaced): read everything again."""
        self._order = OutputFollower(self._order.path)
        self._records.clear()
        self._positions = {STDOUT: 0, STDERR: 0}
        self._partials = {STDOUT: b"", STDERR: b""}

    def _read_records(self, max_bytes: int) -> list[OutputLine]:
        lines: list[OutputLine] = []
        budget = max_bytes
        while self._records and budget > 0:
            stream, end = self._records.popleft()
            start = self._positions[stream]
            data = read_range(self._paths[stream], start, end)
            self._positions[stream] = start + len(data)
            budget -= len(data)
            lines.extend(self._lines_of(stream, data))
        return lines

    def _lines_of(self, stream: str, data: bytes) -> list[OutputLine]:
        *complete, self._partials[stream] = (self._partials[stream] + data).split(b"\n")
        return [OutputLine(stream, decode_line(raw)) for raw in complete]

    def _plain_tail(self, max_lines: int, max_bytes: int) -> list[OutputLine]:
        """Each stream's tail, stdout's first: without records their order is unknown."""
        lines: list[OutputLine] = []
        for name, path in self._paths.items():
            tail, self._plain[name] = OutputFollower.at_tail(path, max_lines, max_bytes // 2)
            lines.extend(OutputLine(name, text) for text in tail)
        return lines[-max_lines:]

    def _indexed_tail(self, max_lines: int, max_bytes: int) -> list[OutputLine]:
        """Walk back over the newest records until they hold `max_lines` lines, then read them
        forward; the follower goes on after the last record."""
        records, whole = self._tail_records()
        starts = _record_starts(records, whole)
        chosen: list[tuple[str, int, int]] = []
        newlines = 0
        for (stream, end), start in zip(reversed(records), reversed(starts), strict=True):
            if start is None or newlines > max_lines or max_bytes <= 0:
                break
            chosen.append((stream, start, end))
            max_bytes -= end - start
            newlines += read_range(self._paths[stream], start, end).count(b"\n")
        for stream, end in records:
            self._positions[stream] = max(self._positions[stream], end)
        return self._replay(list(reversed(chosen)))

    def _tail_records(self) -> tuple[list[Record], bool]:
        """The newest complete records, and whether they are all there are; the follower's
        reading of the order file goes on after them."""
        size = file_size(self._order.path)
        end_block = read_range(self._order.path, max(0, size - BLOCK), size)
        self._order.offset = size - len(end_block) + end_block.rfind(b"\n") + 1
        lines = read_tail(self._order.path, TAIL_RECORDS + 1)
        if self._order.offset < size and lines:
            lines.pop()  # a record still being written
        whole = len(lines) <= TAIL_RECORDS and size <= (1 << 20)
        return [r for r in map(parse_record, lines[-TAIL_RECORDS:]) if r], whole

    def _replay(self, ranges: list[tuple[str, int, int]]) -> list[OutputLine]:
        """The lines of `ranges` in order, leaving out each stream's first line where it may
        have begun before its range."""
        lines: list[OutputLine] = []
        begun: set[str] = set()
        for stream, start, end in ranges:
            data = read_range(self._paths[stream], start, end)
            if stream not in begun:
                begun.add(stream)
                if start > 0 and read_range(self._paths[stream], start - 1, start) != b"\n":
                    data = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
            lines.extend(self._lines_of(stream, data))
        return lines


def _record_starts(records: list[Record], whole: bool) -> list[int | None]:
    """Where each record's range starts: the end of the stream's record before it; for the first
    record of a stream, 0 if `records` are `whole` (every record there is), else unknown."""
    ends: dict[str, int | None] = dict.fromkeys((STDOUT, STDERR), 0 if whole else None)
    starts: list[int | None] = []
    for stream, end in records:
        starts.append(ends.get(stream))
        ends[stream] = end
    return starts
