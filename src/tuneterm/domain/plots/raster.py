"""Many polylines drawn at once into braille cells, with numpy: which of each cell's 2x4 dots are
set, and which line the cell belongs to (the one whose colour it takes).

A dot belongs to the last line drawn through it; a cell to the line that owns most of its dots (the
later one on a tie), so that a line grazing a cell does not take it from the line running through.
A thousand lines of eight vertices is over a million dots: one Python call per dot would take a
second, these array operations take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""DOT_BITS[row][column]: the bit of each dot of a braille cell (U+2800 plus the bits)."""
_CELL_BITS = np.array([DOT_BITS[row][column] for row in range(4) for column in range(2)])


@dataclass(frozen=True, slots=True)
class Raster:
    """`rows` x `columns` braille cells."""

    bits: npt.NDArray[np.uint8]
    """The dots set in each cell."""
    owner: npt.NDArray[np.intp]
    """The index of the line each cell belongs to; -1 where no line was drawn."""


def rasterize(xs: Sequence[int], ys: npt.ArrayLike, columns: int, rows: int) -> Raster:
    """Lines through the vertices (`xs[v]`, `ys[line, v]`), in dots: x from 0 to 2*columns - 1
    left to right (each vertex's x shared by every line), y from 0 (top) to 4*rows - 1, beyond
    which it is clipped. A NaN y leaves out the two segments that meet there. Lines are drawn in
    their order: a later line owns the dots it shares with an earlier one."""
    heights = np.asarray(ys, dtype=np.float32).reshape(-1, len(xs))
    heights = np.clip(heights, 0, 4 * rows - 1)
    xs = [min(max(0, int(x)), 2 * columns - 1) for x in xs]
    pixels, lines = _dots(xs, heights, columns)
    dot_owner = np.full(8 * rows * columns, -1, dtype=np.intp)
    np.maximum.at(dot_owner, pixels, lines)
    # (rows, 4, columns, 2) dots -> (rows, columns, 8): each cell's dots, row by row.
    cells = dot_owner.reshape(rows, 4, columns, 2).transpose(0, 2, 1, 3).reshape(rows, columns, 8)
    bits = ((cells >= 0) * _CELL_BITS).sum(axis=-1).astype(np.uint8)
    return Raster(bits, _most_dots(cells, heights.shape[0]))


def _most_dots(cells: npt.NDArray[np.intp], lines: int) -> npt.NDArray[np.intp]:
    """Per cell, the line owning most of its 8 dots, the later line on a tie; -1 for none."""
    shared = (cells[..., :, None] == cells[..., None, :]).sum(axis=-1)
    score = np.where(cells >= 0, shared, 0) * (lines + 1) + cells
    best = score.argmax(axis=-1)[..., None]
    return np.take_along_axis(cells, best, axis=-1)[..., 0]


def dot_row(height: float, rows: int) -> int:
    """The dot row (0 at the top) that `rasterize` draws a vertex at `height` in: what a label
    beside the vertex must share; its cell row is this // 4."""
    clipped = np.clip(np.float32(height), 0, 4 * rows - 1)
    return int(np.rint(clipped))


_Dots = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]


def _dots(xs: Sequence[int], heights: npt.NDArray[np.float32], columns: int) -> _Dots:
    """Every segment's dots as (pixel index, line index). Lines are drawn in groups of about the
    same steepness, each with as many steps as its steepest needs."""
    parts: list[_Dots] = []
    every_line = np.arange(heights.shape[0], dtype=np.intp)
    for vertex in range(len(xs) - 1):
        start, end = heights[:, vertex], heights[:, vertex + 1]
        drawn = np.isfinite(start) & np.isfinite(end)
        width = xs[vertex + 1] - xs[vertex]
        steps = np.maximum(np.abs(end - start), abs(width), where=drawn, out=np.zeros_like(start))
        group = np.ceil(np.log2(steps + 1.0)).astype(np.intp)
        for size in np.unique(group[drawn]):
            which = every_line[drawn & (group == size)]
            count = int(steps[which].max()) + 1
            parts.append(
                _segment(xs[vertex], width, start[which], end[which], which, count, columns)
            )
    if not parts:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    pixels, lines = zip(*parts, strict=True)
    return np.concatenate(pixels), np.concatenate(lines)


def _segment(
    x0: int,
    width: int,
    start: npt.NDArray[np.float32],
    end: npt.NDArray[np.float32],
    which: npt.NDArray[np.intp],
    steps: int,
    columns: int,
) -> _Dots:
    """The dots of one group's segments from x0 to x0 + width, `steps` steps each."""
    along = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    dot_x = np.rint(x0 + width * along).astype(np.intp)
    # Weighted so that each end is drawn exactly where `dot_row` puts it.
    dot_y = np.rint(start[:, None] * (1 - along) + end[:, None] * along).astype(np.intp)
    pixels = dot_y * (2 * columns) + dot_x
    lines = np.broadcast_to(which[:, None], dot_y.shape)
    return pixels.ravel(), lines.ravel()
