"""How many bytes the app wrote to the terminal in the last second, against a budget.

On a slow SSH link every frame queues behind the previous ones, so a burst of data refreshes
delays the frame that answers a key press by seconds. The app counts the bytes it hands to the
terminal driver, and what its data refreshes cost (estimated as they are asked for). Data refreshes
are paced: each gets at most a tenth of the budget (rows past it stay dirty for the next one), so a
key frame never queues behind a big data frame; key frames are never held back and do not use up
the data budget, unless everything together doubles it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW = 1.0
"""Seconds over which written bytes are summed."""
FRAMES_PER_WINDOW = 10
"""One data refresh may spend at most budget / this many bytes."""
TOTAL_FACTOR = 2
"""Data refreshes also wait while all output (key frames included) exceeds this many budgets."""


class OutputMeter:
    """A sliding one-second sum of bytes written."""

    def __init__(self, budget: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        """Bytes per second above which data refreshes are deferred (0 or less: no limit)."""
        self.total = 0
        """Bytes written since the app started."""
        self._clock = clock
        self._writes: deque[tuple[float, int]] = deque()
        self._recent = 0
        self._data = _Window(clock)

    def record(self, byte_count: int) -> None:
        self._writes.append((self._clock(), byte_count))
        self._recent += byte_count
        self.total += byte_count

    def recent(self) -> int:
        """Bytes written in the last `WINDOW` seconds."""
        horizon = self._clock() - WINDOW
        while self._writes and self._writes[0][0] <= horizon:
            self._recent -= self._writes.popleft()[1]
        return self._recent

    def over_budget(self) -> bool:
        return self.budget > 0 and self.recent() > self.budget

    def spend_data(self, byte_count: int) -> None:
        """Count what a data refresh was allowed to write (its estimate; keys are not counted)."""
        if byte_count > 0:
            self._data.add(byte_count)

    def data_allowance(self) -> int | None:
        """Bytes the next data refresh may write (None: no limit; 0 or less: wait)."""
        if self.budget <= 0:
            return None
        room = min(self.budget - self._data.sum(), TOTAL_FACTOR * self.budget - self.recent())
        return min(self.budget // FRAMES_PER_WINDOW, room)

    def seconds_until_data(self) -> float:
        """How long until a data refresh may go (a guess >= 0)."""
        if self.budget <= 0:
            return 0.0
        return max(
            self._data.seconds_until_under(self.budget),
            self.seconds_until_under(TOTAL_FACTOR * self.budget),
        )

    def seconds_until_under(self, limit: int | None = None) -> float:
        """How long until enough old writes leave the window to go under `limit` (default: the
        budget; a guess >= 0)."""
        excess = self.recent() - (self.budget if limit is None else limit)
        now = self._clock()
        for stamp, byte_count in self._writes:
            excess -= byte_count
            if excess < 0:
                return max(0.0, stamp + WINDOW - now)
        return 0.0


class _Window:
    """A sliding `WINDOW`-second sum of estimated byte counts."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: deque[tuple[float, int]] = deque()
        self._sum = 0

    def add(self, byte_count: int) -> None:
        self._entries.append((self._clock(), byte_count))
        self._sum += byte_count

    def sum(self) -> int:
        horizon = self._clock() - WINDOW
        while self._entries and self._entries[0][0] <= horizon:
            self._sum -= self._entries.popleft()[1]
        return self._sum

    def seconds_until_under(self, limit: int) -> float:
        excess = self.sum() - limit
        now = self._clock()
        for stamp, byte_count in self._entries:
            if excess < 0:
                break
            excess -= byte_count
            if excess < 0:
                return max(0.0, stamp + WINDOW - now)
        return 0.0


def counting_writer(write: Callable[[str], None], meter: OutputMeter) -> Callable[[str], None]:
    """Wrap a driver's `write` so that every string it sends is counted (UTF-8 bytes)."""

    def write_counted(data: str) -> None:
        meter.record(len(data.encode("utf-8", "replace")))
        write(data)

    return write_counted
