"""How many bytes the app wrote to the terminal in the last second, against a budget.

On a slow SSH link every frame queues behind the previous ones, so a burst of data refreshes
delays the frame that answers a key press by seconds. The app counts the bytes it hands to the
terminal driver; while the last second's count is over the budget, data refreshes wait (their rows
stay dirty) and frames caused by key presses go out as usual.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW = 1.0
"""Seconds over which written bytes are summed."""


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

    def seconds_until_under(self) -> float:
        """How long until enough old writes leave the window to go under budget (a guess >= 0)."""
        excess = self.recent() - self.budget
        now = self._clock()
        for stamp, byte_count in self._writes:
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
