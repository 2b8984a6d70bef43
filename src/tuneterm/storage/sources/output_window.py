"""A window onto a trial's output, stdout and stderr interleaved, movable either way.

The dashboard shows a bounded window of a trial's output: the tail, followed as it grows, or
older lines read back from the end block by block as the user scrolls up, so that a 1 GB log
never enters memory. `OutputWindowReader` reads lines before or after an `OutputPosition`; each
line comes with the position before it, so a window that drops lines at either end knows where to
read again. Lines are in the order they arrived: a line counts as arrived with the batch holding
its line end (`output_batches`). Reads are bounded by `max_bytes` and return text as the trial
wrote it (decoded, not yet escaped: see `domain.text.printable`).
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import NamedTuple

from tuneterm.storage.output_merge import is_indexed
from tuneterm.storage.sources.output_batches import Batch, BatchLog, batch_log
from tuneterm.storage.trial_output import (
    BLOCK,
    ORDER,
    STDERR,
    STDOUT,
    decode_line,
    file_size,
    read_range,
)

READ_BYTES = 1 << 20
"""How many bytes of output one read takes at most, by default."""
LONG_LINE = BLOCK
"""A line longer than this is shown in pieces of this size."""
BATCH_WINDOW = 256
"""Batches looked at first when reading back (more while they hold too few lines)."""
MAX_BATCH_WINDOW = 1 << 16


class OutputPosition(NamedTuple):
    """A place between two lines of the interleaved output."""

    batch: int
    """The key of the batch the next line after it arrived with (`output_batches`)."""
    stdout: int
    """Where stdout's next line starts in its file."""
    stderr: int


class WindowLine(NamedTuple):
    """One line (a tuple: at 10,000 lines a second, every microsecond counts)."""

    stream: str
    """STDOUT or STDERR."""
    text: str
    """As decoded (UTF-8, errors replaced), without its line end; not escaped."""
    before: OutputPosition
    """Where it starts: reading newer lines from here gives this one first."""


class Older(NamedTuple):
    lines: list[WindowLine]
    """Oldest first; the last one is the line right before the position read back from."""
    position: OutputPosition
    """Before the first of `lines` (the position itself when there are none)."""

    @property
    def at_start(self) -> bool:
        """Nothing is older."""
        return self.position.stdout == 0 and self.position.stderr == 0


class _Piece(NamedTuple):
    order: int
    """Index of its batch in the batches read."""
    end: int
    """Where its line end is."""
    stream: str
    start: int
    text: str


class OutputWindowReader:
    """Reads one trial's stdout and stderr (files that may not exist yet) either way."""

    def __init__(self, stdout_path: Path, stderr_path: Path) -> None:
        self.paths = {STDOUT: stdout_path, STDERR: stderr_path}
        order = stdout_path.parent / ORDER
        self._log: BatchLog = batch_log(
            stdout_path, order if is_indexed(stdout_path) else None, stderr_path
        )

    def end(self) -> OutputPosition:
        """After the last complete line of each stream: where following the output starts."""
        key = self._log.end_key()
        batches, _ = self._log.backward(key, BATCH_WINDOW)
        ends = {stream: file_size(path) for stream, path in self.paths.items()}
        ends.update({batch.stream: batch.end for batch in batches})
        return OutputPosition(
            key,
            _line_start(self.paths[STDOUT], ends[STDOUT]),
            _line_start(self.paths[STDERR], ends[STDERR]),
        )

    def pending_bytes(self, position: OutputPosition) -> int:
        """About how many bytes of output there are after `position`."""
        return sum(
            max(0, file_size(self.paths[stream]) - start)
            for stream, start in ((STDOUT, position.stdout), (STDERR, position.stderr))
        )

    def caught_up(self, position: OutputPosition) -> bool:
        """Whether every batch recorded so far was read up to `position`."""
        return position.batch >= self._log.end_key()

    def unfinished(self, position: OutputPosition) -> list[WindowLine]:
        """Lines begun after `position` (its streams' ends) and not ended yet: a progress bar's,
        or the last one of a trial that ended without a line end; the last `LONG_LINE` bytes of
        each at most. None while complete lines are still to be read."""
        lines: list[WindowLine] = []
        for stream, start in ((STDOUT, position.stdout), (STDERR, position.stderr)):
            size = file_size(self.paths[stream])
            data = read_range(self.paths[stream], max(start, size - LONG_LINE), size)
            if b"\n" in data:
                return []
            if data:
                lines.append(WindowLine(stream, decode_line(data), position))
        return lines

    # -- forward --------------------------------------------------------------------------------

    def newer(
        self, position: OutputPosition, max_bytes: int = READ_BYTES
    ) -> tuple[list[WindowLine], OutputPosition]:
        """The complete lines after `position` (about `max_bytes` of them at most) and the
        position after them."""
        starts = {STDOUT: position.stdout, STDERR: position.stderr}
        key, budget = position.batch, max_bytes
        lines: list[WindowLine] = []
        for batch in self._log.forward(key, max(1, max_bytes // 64)):
            if budget <= 0:
                break
            read, done = self._read_batch(batch, starts, budget, lines)
            budget -= read
            if not done:
                break
            key = batch.next_key
        return lines, OutputPosition(key, starts[STDOUT], starts[STDERR])

    def _read_batch(
        self, batch: Batch, starts: dict[str, int], budget: int, lines: list[WindowLine]
    ) -> tuple[int, bool]:
        """Add the lines that end in `batch`, from where its stream's next line starts; (bytes
        read, whether the batch was read to its end)."""
        stream = batch.stream
        start = starts[stream]
        if start >= batch.end:
            return 0, True
        stop = min(batch.end, start + max(budget, LONG_LINE))
        data = read_range(self.paths[stream], start, stop)
        complete = data.rfind(b"\n") + 1
        raws = data[:complete].split(b"\n")[:-1]
        if not complete and len(data) >= LONG_LINE:
            complete, raws = len(data), [data]  # a line too long to show whole: a piece of it
            if read_range(self.paths[stream], stop, stop + 1) == b"\n":
                complete += 1
        other = starts[STDERR if stream == STDOUT else STDOUT]
        for raw in raws:
            lines.append(
                WindowLine(stream, decode_line(raw), _position(batch.key, stream, start, other))
            )
            start += len(raw) + 1
        starts[stream] += complete
        return len(data), stop >= batch.end

    # -- backward -------------------------------------------------------------------------------

    def older(self, position: OutputPosition, max_bytes: int = READ_BYTES) -> Older:
        """The complete lines before `position` (about `max_bytes` of them at most)."""
        limit = BATCH_WINDOW
        while True:
            batches, first = self._log.backward(position.batch, limit)
            pieces, boundary = self._pieces_before(position, batches, first, max_bytes)
            found = _older(pieces, boundary, batches, position)
            if found.lines or first or limit >= MAX_BATCH_WINDOW:
                return found
            limit *= 4  # every line read may have begun in a batch before those read

    def _pieces_before(
        self, position: OutputPosition, batches: list[Batch], first: bool, max_bytes: int
    ) -> tuple[list[_Piece], int]:
        """The lines before `position` whose batch is known for sure, and the index of the
        last batch that may hold a line not read (-1: none)."""
        pieces: list[_Piece] = []
        boundary = -1
        for stream, upper in ((STDOUT, position.stdout), (STDERR, position.stderr)):
            orders = [index for index, batch in enumerate(batches) if batch.stream == stream]
            if upper <= 0 or not orders:
                continue
            ends = [batches[index].end for index in orders]
            floor = 0 if first else ends[0]
            found = self._lines_between(stream, floor, upper, max_bytes)
            own = [
                _Piece(
                    orders[min(bisect_right(ends, end), len(orders) - 1)], end, stream, start, text
                )
                for start, end, text in found
            ]
            pieces += own
            if own and own[0].start > 0:
                boundary = max(boundary, own[0].order - 1)
            elif not own:
                boundary = max(
                    boundary, orders[min(bisect_right(ends, upper - 1), len(orders) - 1)]
                )
        return pieces, boundary

    def _lines_between(
        self, stream: str, floor: int, upper: int, max_bytes: int
    ) -> list[tuple[int, int, str]]:
        """(start, line end, text) of the complete lines ending in [floor, upper); the oldest
        may be a piece of a line longer than `max_bytes`."""
        low = max(floor, upper - max_bytes)
        begin = low - 1 if low > 0 else 0
        data = read_range(self.paths[stream], begin, upper)
        raws = data.split(b"\n")
        rest = raws.pop()  # the beginning of a line whose end came in pieces, if any
        lines: list[tuple[int, int, str]] = []
        offset = begin
        for raw in raws:
            lines.append((offset, offset + len(raw), decode_line(raw)))
            offset += len(raw) + 1
        if low > 0 and lines:
            lines.pop(0)  # it began before what was read
        if rest and (raws or begin == 0):
            lines.append((offset, upper - 1, decode_line(rest)))
        elif not lines and low > floor and upper - low >= LONG_LINE:
            piece = data[low - begin :].removesuffix(b"\n")  # it ends at `upper` - 1 either way
            lines.append((low, upper - 1, decode_line(piece)))
        return lines


def _older(
    pieces: list[_Piece], boundary: int, batches: list[Batch], position: OutputPosition
) -> Older:
    """The pieces after `boundary` in arrival order, each with the position before it."""
    chosen = sorted(piece for piece in pieces if piece.order > boundary)
    starts = {STDOUT: position.stdout, STDERR: position.stderr}
    for piece in reversed(chosen):
        starts[piece.stream] = piece.start
    if not chosen:
        return Older([], position)
    first_key = batches[boundary + 1].key
    at = OutputPosition(first_key, starts[STDOUT], starts[STDERR])
    lines: list[WindowLine] = []
    for piece in chosen:
        starts[piece.stream] = piece.start
        before = OutputPosition(batches[piece.order].key, starts[STDOUT], starts[STDERR])
        lines.append(WindowLine(piece.stream, piece.text, before))
        starts[piece.stream] = piece.end + 1
    return Older(lines, at)


def _position(key: int, stream: str, start: int, other_start: int) -> OutputPosition:
    if stream == STDOUT:
        return OutputPosition(key, start, other_start)
    return OutputPosition(key, other_start, start)


def _line_start(path: Path, end: int) -> int:
    """Where the line that `end` falls in starts: after the last line end before `end` (`end`
    itself when that line is longer than `LONG_LINE`)."""
    data = read_range(path, max(0, end - LONG_LINE), end)
    found = data.rfind(b"\n")
    if found >= 0:
        return end - len(data) + found + 1
    return 0 if end <= LONG_LINE else end
