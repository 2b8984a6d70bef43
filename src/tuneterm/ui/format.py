"""Compact text for table cells and headers: numbers, durations, sparklines, truncation."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

from tuneterm.domain.text import printable

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
ELLIPSIS = "…"
_EXPONENT = re.compile(r"e([+-])0*(\d)")


def compact_number(value: float, digits: int = 4) -> str:
    """`value` with `digits` significant digits and a short exponent (1.5e-05 -> 1.5e-5)."""
    if math.isnan(value):
        return "nan"
    return _EXPONENT.sub(r"e\1\2", f"{value:.{digits}g}")


def compact_value(value: object, digits: int = 3) -> str:
    """A hyperparameter value as one short, printable line."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if value != 0 and abs(value) < 1e-3:
            return _EXPONENT.sub(r"e\1\2", f"{value:.{max(0, digits - 1)}e}")
        return compact_number(value, digits)
    if isinstance(value, int):
        return str(value)
    return printable(" ".join(str(value).split()))


def metric_text(value: float | None) -> str:
    return "-" if value is None else compact_number(value, 4)


def sparkline(values: Sequence[float]) -> str:
    """One block character per value, scaled between the series' own min and max."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = high - low
    top = len(SPARK_BLOCKS) - 1
    chars = []
    for value in values:
        if not math.isfinite(value):
            chars.append(" ")
        elif span == 0:
            chars.append(SPARK_BLOCKS[top // 2])
        else:
            chars.append(SPARK_BLOCKS[round((value - low) / span * top)])
    return "".join(chars)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded or cut (with …) to exactly `width` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - cell_len(text))
    return padding + text if right else text + padding
