"""Text from configs, trials and notes, made safe to print on a terminal."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NON_PRINTING = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls but tab and newline: ESC, CSI, BEL, ...
    "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff"  # invisible, bidirectional and unpaired surrogates
)
_CONTROL = re.compile(f"[{_NON_PRINTING}]")
_CONTROL_OR_LAYOUT = re.compile(f"[\t\n{_NON_PRINTING}]")


def printable(text: str, *, escape_layout: bool = False) -> str:
    """`text` with control, invisible and bidirectional characters shown escaped (\\x1b, \\u202e).

    A terminal would obey them: move the cursor, or display what follows reversed. With
    `escape_layout`, tabs and newlines are escaped too, for text that must stay on one line.
    """
    pattern = _CONTROL_OR_LAYOUT if escape_layout else _CONTROL
    return pattern.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    return named.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


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


CLOCK_HOURS = 100
"""Hours from which `duration(clock=True)` counts days: "99:59:59", then "4d04h"."""


def duration(seconds: float | None, *, clock: bool = False) -> str:
    """A span of time, "-" when unknown: in words ("12.3 s", "4 min 05 s", "2 h 03 min"), or
    with `clock` as a table's column shows it (H:MM:SS, M:SS under an hour, and days and hours
    from 100 hours on: "4d04h", never wider than 8 cells before 27 years)."""
    if seconds is None:
        return "-"
    if clock:
        hours, rest = divmod(max(0, int(seconds)), 3600)
        minutes, secs = divmod(rest, 60)
        if hours >= CLOCK_HOURS:
            return f"{hours // 24}d{hours % 24:02d}h"
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
