"""Text from configs, trials and notes, made safe to print on a terminal."""

from __future__ import annotations

import re
from collections.abc import Sequence

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with terminal control characters (ESC, CSI, BEL, ...) shown escaped, not obeyed."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def one_line(text: str, limit: int = 200) -> str:
    """The first non-empty line's worth of `text`, whitespace collapsed, printable, shortened."""
    collapsed = printable(" ".join(text.split()))
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def number(value: float) -> str:
    """A float with 4 significant digits: "0.001", "1.235e+05", "0.9871"."""
    return f"{value:.4g}"


def format_value(value: object) -> str:
    """A hyperparameter or metric value, compact: 4 significant digits for floats."""
    if isinstance(value, float):
        return number(value)
    return printable(str(value))


def duration(seconds: float | None, *, clock: bool = False) -> str:
    """A span of time, "-" when unknown: in words ("12.3 s", "4 min 05 s", "2 h 03 min"), or
    with `clock` as a table's column shows it (H:MM:SS, or M:SS under an hour)."""
    if seconds is None:
        return "-"
    if clock:
        hours, rest = divmod(max(0, int(seconds)), 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows as plain-text lines, columns padded to line up; the last column is left unpadded."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    )


def format_config(config: dict[str, object], keys: tuple[str, ...] | None = None) -> str:
    names = keys if keys is not None else tuple(config)
    return " ".join(f"{printable(k)}={format_value(config[k])}" for k in names if k in config)
