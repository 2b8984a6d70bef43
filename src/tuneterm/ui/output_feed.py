"""`OutputFeed`: reads a trial's output for the detail screen's output pane, on a worker thread.

The pane asks for the tail, for older lines or for newer ones (`want`); the feed answers each with
one `OutputRead`, and while it follows the tail, posts what the trial printed since, at most one
message in flight (`delivered`): a pane that falls behind is sent more lines at once, never a
queue of messages. Following further behind than `JUMP_BYTES` starts again at the tail: the pane
would drop those lines anyway. Never touches a widget.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from textual.message import Message

from tuneterm.storage.sources.output_window import (
    READ_BYTES,
    OutputPosition,
    OutputWindowReader,
    WindowLine,
)

FOLLOW_INTERVAL = 0.15
"""Seconds between looks at the tail while following."""
TAIL_BYTES = 2 << 20
"""Bytes of output read for a fresh tail, at most (about `FOLLOW_LIMIT` lines of 200 bytes)."""
JUMP_BYTES = 8 << 20
OPEN_RETRY = 2.0
"""Seconds between looks for a trial's output files while it has none."""
KEY_PRIORITY = 0.06
"""Seconds following stays off the GIL after a key press, so that the frame answering it is
drawn first (as the sweep's feed does)."""
TAIL, OLDER, NEWER, PAUSE, STOP = "tail", "older", "newer", "pause", "stop"


@dataclass
class OutputRead(Message):
    """Lines the feed read, in answer to a `want` or, while following, as the trial printed."""

    kind: str
    """TAIL: the window starts again with `lines`; OLDER: they go before it; NEWER: after."""
    lines: list[WindowLine]
    position: OutputPosition
    """TAIL and NEWER: after `lines`; OLDER: before them."""
    generation: int
    """The pane's count of TAIL requests when asked: a later TAIL makes this answer stale."""
    front: OutputPosition | None = None
    """TAIL: before `lines`."""
    at_start: bool = False
    """TAIL and OLDER: nothing is older than `lines`."""
    at_end: bool = False
    """TAIL and NEWER: `lines` reach the end of the output recorded; the feed follows on."""
    unfinished: list[WindowLine] = field(default_factory=list)
    """The lines begun after `position` and not ended yet (where `at_end`)."""
    skipped: int = 0
    """Bytes of output jumped over to catch up with the tail."""


@dataclass
class OutputUnavailable(Message):
    """The source keeps no output for this trial (a plain Ray Tune trial without output files)."""


class Want(NamedTuple):
    kind: str
    position: OutputPosition | None
    generation: int


class OutputFeed:
    """Reads one trial's output with the reader `open_reader` makes (None while there is no
    output to read) and posts what it read with `post`."""

    def __init__(
        self,
        open_reader: Callable[[], OutputWindowReader | None],
        post: Callable[[Message], object],
        interval: float = FOLLOW_INTERVAL,
    ) -> None:
        self._open_reader = open_reader
        self._post = post
        self.interval = interval
        self._wants: queue.Queue[Want] = queue.Queue()
        self.stop_requested = threading.Event()
        self.delivered = threading.Event()
        """Set by the pane once it showed the last lines sent while following."""
        self.delivered.set()
        self.finished = threading.Event()
        self._reader: OutputWindowReader | None = None
        self._follow_at: OutputPosition | None = None
        self._generation = 0
        self._unfinished: list[WindowLine] = []
        self._hold_until = 0.0

    def hold(self, seconds: float = KEY_PRIORITY) -> None:
        """Read no new lines for `seconds` from now (called from the UI thread on a key)."""
        self._hold_until = time.monotonic() + seconds

    def want(self, kind: str, position: OutputPosition | None = None, generation: int = 0) -> None:
        """Ask for TAIL, OLDER or NEWER lines (from `position`), or PAUSE following; thread-safe."""
        self._wants.put(Want(kind, position, generation))

    def stop(self) -> None:
        self.stop_requested.set()
        self._wants.put(Want(STOP, None, 0))

    def run(self) -> None:
        try:
            while not self.stop_requested.is_set():
                self._step()
        finally:
            self.finished.set()

    def _step(self) -> None:
        if self._reader is None:
            self._reader = self._open_reader()
            if self._reader is None:
                self._post(OutputUnavailable())
                self.stop_requested.wait(OPEN_RETRY)
                return
        try:
            want = self._wants.get(timeout=self.interval)
        except queue.Empty:
            held = min(self._hold_until - time.monotonic(), KEY_PRIORITY)
            if held > 0:
                self.stop_requested.wait(held)
            elif self._follow_at is not None and self.delivered.is_set():
                self._read_on(self._reader, self._follow_at)
            return
        self._answer(self._reader, want)

    def _answer(self, reader: OutputWindowReader, want: Want) -> None:
        if want.kind == PAUSE:
            self._follow_at = None
        elif want.kind == TAIL:
            self._generation = want.generation
            self._send_tail(reader)
        elif want.kind == OLDER and want.position is not None:
            older = reader.older(want.position, READ_BYTES)
            self._post(
                OutputRead(
                    OLDER, older.lines, older.position, want.generation, at_start=older.at_start
                )
            )
        elif want.kind == NEWER and want.position is not None:
            lines, after = reader.newer(want.position, READ_BYTES)
            self._send_newer(reader, lines, after, want.generation)

    def _send_tail(self, reader: OutputWindowReader, skipped: int = 0) -> None:
        end = reader.end()
        older = reader.older(end, TAIL_BYTES)
        self._follow_at = end
        self._unfinished = reader.unfinished(end)
        self.delivered.set()
        self._post(
            OutputRead(
                TAIL,
                older.lines,
                end,
                self._generation,
                front=older.position,
                at_start=older.at_start,
                at_end=True,
                unfinished=self._unfinished,
                skipped=skipped,
            )
        )

    def _send_newer(
        self,
        reader: OutputWindowReader,
        lines: list[WindowLine],
        after: OutputPosition,
        generation: int,
    ) -> None:
        at_end = reader.caught_up(after)
        unfinished = reader.unfinished(after) if at_end else []
        self._follow_at = after if at_end and generation == self._generation else None
        self._unfinished = unfinished
        self._post(
            OutputRead(NEWER, lines, after, generation, at_end=at_end, unfinished=unfinished)
        )

    def _read_on(self, reader: OutputWindowReader, position: OutputPosition) -> None:
        """While following: send what the trial printed since `position`."""
        behind = reader.pending_bytes(position)
        if behind > JUMP_BYTES:
            self._send_tail(reader, skipped=behind)
            return
        lines, after = reader.newer(position, READ_BYTES)
        at_end = reader.caught_up(after)
        unfinished = reader.unfinished(after) if at_end else []
        self._follow_at = after
        if lines or unfinished != self._unfinished:
            self._unfinished = unfinished
            self.delivered.clear()
            self._post(
                OutputRead(
                    NEWER, lines, after, self._generation, at_end=at_end, unfinished=unfinished
                )
            )
