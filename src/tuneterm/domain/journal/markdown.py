"""Small pieces of Markdown built from untrusted text: table cells, tables, code blocks, times.

Text from configs, trials and notes is shown, never obeyed: control characters are escaped
(`tuneterm.domain.text.printable`) and a table cell can neither end its cell nor its row.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from tuneterm.domain.text import format_value, one_line, printable

_CELL_LIMIT = 500
_BACKTICKS = re.compile(r"`+")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def cell(value: object) -> str:
    """One table cell: one line, "|" escaped, control characters shown escaped."""
    text = value if isinstance(value, str) else format_value(value)
    return one_line(text, _CELL_LIMIT).replace("|", "\\|")


def inline(text: str, limit: int = 300) -> str:
    """Untrusted text on one line of a heading or list item."""
    return one_line(text, limit)


def code(text: str) -> str:
    """Inline code that a backtick inside `text` cannot end early."""
    text = one_line(text, _CELL_LIMIT)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table; every value goes through `cell`."""
    lines = ["| " + " | ".join(cell(name) for name in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines


def code_block(text: str, language: str = "") -> list[str]:
    """A fenced block longer than any backtick run inside `text`."""
    body = printable(text.replace("\r", ""))
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *body.splitlines(), fence]


def indented(text: str, prefix: str = "  ") -> list[str]:
    """Multi-line untrusted text as continuation lines of a list item (blank lines kept)."""
    lines = [printable(line.rstrip()) for line in text.strip().splitlines()]
    return [prefix + line if line else "" for line in lines]


def when(seconds: float | None) -> str:
    """A Unix time as local "YYYY-MM-DD HH:MM:SS", or "-"."""
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def toml_key(name: str) -> str:
    """A key written as TOML: bare when it can be, else quoted."""
    return name if _BARE_KEY.match(name) else toml_value(name)


def toml_value(value: object) -> str:
    """A config value written as TOML, as a user would type it in the config."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    return repr(value) if isinstance(value, float) else str(value)
