"""Each trial's output as files of its own, and how to read them without loading them whole.

The driver writes what a trial printed to `EXPERIMENT/logs/<trial_id>/stdout` and `.../stderr`,
the bytes as the trial wrote them (plain text a user can `less`), and after each batch a record
in `.../order` ("stdout 1234 1712345678.123": the stream, its size after the batch, the time), so
that readers can interleave the two streams in the order they arrived (`output_merge`).

Readers get text: lines decoded as UTF-8 with errors replaced, without their line end. They are
not made printable here: escape them where they are shown (`domain.text.printable`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

LOGS_DIR = "logs"
"""The folder of the experiment directory holding one folder of output per trial."""
STDOUT, STDERR = "stdout", "stderr"
"""The names of the streams, which are also the names of their files."""
ORDER = "order"
"""The file recording, batch by batch, which stream grew to which size."""

BLOCK = 64 << 10
"""How much `read_tail` reads at a time, walking back from the end."""
READ_LIMIT = 4 << 20
"""How many bytes one `read_new` reads at most (call it again for the rest)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.=,+\-]")


@dataclass(frozen=True, slots=True)
class OutputLine:
    """One line of a trial's output, with the stream it came from."""

    stream: str
    """STDOUT or STDERR."""
    text: str
    """The line as decoded (UTF-8, errors replaced), without its line end; not yet escaped."""


def trial_logs_dir(experiment_dir: Path, trial_id: str) -> Path:
    """The folder of one trial's output (the trial id made safe as a file name)."""
    name = _UNSAFE.sub("_", trial_id)
    if not name.strip("."):
        name = name.replace(".", "_") or "_"
    return experiment_dir / LOGS_DIR / name


def output_paths(experiment_dir: Path, trial_id: str) -> tuple[Path, Path]:
    """Where a trial's stdout and stderr are (or will be) kept; they may not exist yet."""
    folder = trial_logs_dir(experiment_dir, trial_id)
    return folder / STDOUT, folder / STDERR


def decode_line(raw: bytes) -> str:
    """A line's bytes as text: UTF-8, errors replaced, without its line end ("\\n", "\\r\\n")."""
    raw = raw.removesuffix(b"\n")
    return raw.removesuffix(b"\r").decode("utf-8", errors="replace")


def file_size(path: Path) -> int:
    """The size of `path`; 0 when it does not exist (yet) or cannot be read."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def read_range(path: Path, start: int, end: int) -> bytes:
    """The bytes of `path` from `start` to `end` (fewer if it is shorter; none if missing)."""
    if end <= start:
        return b""
    try:
        with open(path, "rb") as file:
            file.seek(start)
            return file.read(end - start)
    except OSError:
        return b""


def read_tail(path: Path, max_lines: int, max_bytes: int = 1 << 20) -> list[str]:
    """The last `max_lines` lines of `path` (the last one even if unterminated), reading back
    from the end block by block, never more than about `max_bytes`: a 1 GB file costs what its
    tail does. A line cut by `max_bytes` is left out; a missing file has none."""
    if max_lines <= 0:
        return []
    data, complete = _tail_bytes(path, max_lines, max_bytes)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not complete and lines:
        lines.pop(0)  # it started before the bytes read
    return [decode_line(line) for line in lines[-max_lines:]]


def _tail_bytes(path: Path, max_lines: int, max_bytes: int) -> tuple[bytes, bool]:
    """The end of the file holding at least `max_lines` whole lines if it can, and whether it is
    the whole file."""
    try:
        file = open(path, "rb")  # noqa: SIM115 (closed below; the block loop needs it open)
    except OSError:
        return b"", True
    with file:
        position = file.seek(0, os.SEEK_END)
        blocks: list[bytes] = []
        newlines = 0
        while position > 0 and newlines <= max_lines:
            size = min(BLOCK, position, max(0, max_bytes - sum(map(len, blocks))))
            if size == 0:
                break
            position -= size
            file.seek(position)
            block = file.read(size)
            blocks.append(block)
            newlines += block.count(b"\n")
    return b"".join(reversed(blocks)), position == 0


class OutputFollower:
    """Follows one output file as it grows: each `read_new` returns the complete lines added
    since the last call, keeping an unterminated last line for later. A file that shrank (was
    truncated or replaced) is read again from its start."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = path
        self.offset = offset
        """How far the file has been read (the partial line included)."""
        self._partial = b""

    @classmethod
    def at_tail(
        cls, path: Path, max_lines: int, max_bytes: int = 1 << 20
    ) -> tuple[list[str], OutputFollower]:
        """The last `max_lines` complete lines of `path`, and a follower that goes on from there
        (an unterminated last line comes with its first `read_new` that completes it)."""
        size = file_size(path)
        follower = cls(path, size)
        data = read_range(path, max(0, size - BLOCK), size) if size else b""
        follower._partial = data[data.rfind(b"\n") + 1 :]
        lines = read_tail(path, max_lines + 1, max_bytes)
        if follower._partial and lines:
            lines.pop()  # that one is not complete yet
        return lines[-max_lines:] if max_lines > 0 else [], follower

    def read_new(self, max_bytes: int = READ_LIMIT) -> list[str]:
        """Complete lines added since the last call (at most about `max_bytes` of them)."""
        size = file_size(self.path)
        if size < self.offset:
            self.offset, self._partial = 0, b""
        data = read_range(self.path, self.offset, min(size, self.offset + max_bytes))
        self.offset += len(data)
        return [decode_line(line) for line in self._complete(data)]

    def flush(self) -> list[str]:
        """The unterminated last line, if any (for a trial that ended)."""
        partial, self._partial = self._partial, b""
        return [decode_line(partial)] if partial else []

    def _complete(self, data: bytes) -> list[bytes]:
        *lines, self._partial = (self._partial + data).split(b"\n")
        return lines
