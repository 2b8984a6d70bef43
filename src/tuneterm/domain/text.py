"""Text from configs, trials and notes, made safe to print on a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with terminal control characters (ESC, CSI, BEL, ...) shown escaped, not obeyed."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def one_line(text: str, limit: int = 200) -> str:
    """The first non-empty line's worth of `text`, whitespace collapsed, printable, shortened."""
    collapsed = printable(" ".join(text.split()))
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def format_value(value: object) -> str:
    """A hyperparameter or metric value, compact: 4 significant digits for floats."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return printable(str(value))


def format_config(config: dict[str, object], keys: tuple[str, ...] | None = None) -> str:
    names = keys if keys is not None else tuple(config)
    return " ".join(f"{printable(k)}={format_value(config[k])}" for k in names if k in config)
