"""Compact text for table cells and headers: numbers, durations, sparklines, truncation.

Numbers are never cut with an ellipsis: `number_text` picks, for the width it is given, the form
with the most significant digits (up to `digits`) that fits, in plain decimals while the number
is between `FIXED_LOW` and `FIXED_HIGH` and in short exponent form (`3.21e-5`, `1.2e7`) otherwise
or when only that form fits. A number no form of fits shows as `#`s, as spreadsheets do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

from tuneterm.domain.text import printable

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
ELLIPSIS = "…"
FIXED_LOW = 1e-3
"""Smaller numbers show in exponent form (1.23e-4, not 0.000123)."""
FIXED_HIGH = 1e6
"""Numbers from here on show in exponent form (1.2e6, not 1200000), integers excepted."""
EXACT_INT_DIGITS = 7
"""Integers of up to this many digits show in full wherever they fit."""
TOO_NARROW = "#"
_EXPONENT = re.compile(r"e([+-])0*(\d)")


def compact_number(value: float, digits: int = 4) -> str:
    """`value` with `digits` significant digits and a short exponent (1.5e-05 -> 1.5e-5)."""
    if math.isnan(value):
        return "nan"
    return _EXPONENT.sub(r"e\1\2", f"{value:.{digits}g}")


def number_text(value: float, width: int | None = None, digits: int = 4) -> str:
    """`value` in at most `width` cells (None: no limit) with as many significant digits, up to
    `digits`, as fit: plain decimals where they are allowed and fit, else the exponent form."""
    if isinstance(value, int) and abs(value) < 10**EXACT_INT_DIGITS:
        text = str(value)
        if width is None or len(text) <= width:
            return text
    value = float(value)
    if not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return text if width is None or len(text) <= width else TOO_NARROW * width
    if value == 0:
        return "0" if width is None or width >= 1 else ""
    fixed = FIXED_LOW <= abs(value) < FIXED_HIGH
    for significant in range(digits, 0, -1):
        if fixed:
            text = _fixed(value, significant)
            if width is None or len(text) <= width:
                return text
        text = _exponent(value, significant)
        if width is None or len(text) <= width:
            return text
    return TOO_NARROW * (width or 0)  # with no width, the loop has returned


def _fixed(value: float, significant: int) -> str:
    """`value` in plain decimals with `significant` digits, trailing zeros dropped."""
    decimals = max(0, significant - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _exponent(value: float, significant: int) -> str:
    """`value` as 3.21e-5 / 1.2e7: trailing zeros, the plus sign and leading exponent zeros
    dropped."""
    mantissa, _, exponent = f"{value:.{significant - 1}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    power = int(exponent)
    return f"{mantissa}e{power}"


def is_number(value: object) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def compact_value(value: object, digits: int = 3) -> str:
    """A hyperparameter value as one short, printable line (numbers: `digits` significant)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return number_text(value, None, digits)
    return printable(" ".join(str(value).split()))


def metric_text(value: float | None) -> str:
    """A metric value with 4 significant digits; "-" for none."""
    return "-" if value is None else number_text(value, None, 4)


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


def fit_middle(text: str, width: int) -> str:
    """`text` in exactly `width` cells, cut in the middle (a1…00007) when too wide: the end of an
    id tells trials of one sweep apart, its start says which sweep."""
    if cell_len(text) <= width or width < 3:
        return fit(text, width)
    head = (width - 1) // 3
    tail = width - 1 - head
    return set_cell_size(text, head) + ELLIPSIS + _last_cells(text, tail)


def _last_cells(text: str, cells: int) -> str:
    kept = ""
    for char in reversed(text):
        if cell_len(char + kept) > cells:
            break
        kept = char + kept
    return " " * (cells - cell_len(kept)) + kept
