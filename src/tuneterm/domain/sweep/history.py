"""One metric's series for one trial, kept compact: a point costs 8 bytes."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence


class MetricHistory:
    """One metric's series for one trial: iterations in array('I'), values in array('f') -> 8 bytes
    a point. Iterations stay sorted; a repeated iteration replaces its value (restored runs repeat).
    """

    __slots__ = ("_iterations", "_values")

    def __init__(self) -> None:
        self._iterations = array("I")
        self._values = array("f")

    def append(self, iteration: int, value: float) -> None:
        """Record `value` at `iteration` (>= 0), replacing what an earlier report said there."""
        iterations = self._iterations
        if not iterations or iteration > iterations[-1]:
            iterations.append(iteration)
            self._values.append(value)
            return
        index = bisect_left(iterations, iteration)
        if iterations[index] == iteration:
            self._values[index] = value
        else:
            iterations.insert(index, iteration)
            self._values.insert(index, value)

    def __len__(self) -> int:
        return len(self._iterations)

    def iterations(self) -> Sequence[int]:
        """A copy of the iterations, ascending."""
        return self._iterations[:]

    def values(self) -> Sequence[float]:
        """A copy of the values (float32 precision), in iteration order."""
        return self._values[:]

    def last(self) -> float | None:
        """The value at the highest iteration, or None while there is none."""
        return self._values[-1] if self._values else None

    def nbytes(self) -> int:
        """Bytes the points occupy (capacity the arrays over-allocate not counted)."""
        return (
            len(self._iterations) * self._iterations.itemsize
            + len(self._values) * self._values.itemsize
        )

    def downsample(self, width: int) -> list[float]:
        """At most `width` values, each the mean of a bucket of consecutive points (sparklines)."""
        values = self._values
        count = len(values)
        if width <= 0:
            return []
        if count <= width:
            return values.tolist()
        means = []
        start = 0
        for bucket in range(1, width + 1):
            end = bucket * count // width
            means.append(sum(values[start:end]) / (end - start))
            start = end
        return means
