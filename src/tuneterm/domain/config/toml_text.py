"""TOML as text: one typed value, "--set key=value" overrides, and the line a dotted key is on."""

import dataclasses
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from tuneterm.domain.config.space import (
    DISTRIBUTIONS,
    ValidationError,
    require,
    show,
    suggestion,
)
from tuneterm.domain.config.spec import SECTIONS, ConfigError

__all__ = [
    "OVERRIDE_SOURCE",
    "apply_override",
    "locate_key",
    "parse_override",
    "parse_value",
]

OVERRIDE_SOURCE = "--set"
"""What a ConfigError names as its file when a command-line override is at fault."""


def parse_value(text: str) -> Any:
    """`text` read as one TOML value (1e-3, true, "adam"), or the stripped text when it is not one
    (higher, adam)."""
    raw = text.strip()
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except ValueError:  # TOMLDecodeError, or an integer of more than 4300 digits
        return raw
    # "1\nother = 2" parses as two keys: only a single value counts as TOML.
    return parsed["value"] if list(parsed) == ["value"] else raw


def parse_override(text: str) -> tuple[str, Any]:
    """Split "dotted.key=value"; the value is read as TOML, or kept as a string if it is not."""
    key, separator, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not separator:
        raise ConfigError(OVERRIDE_SOURCE, "", None, f"expected KEY=VALUE, got {show(text)}")
    if not key:
        raise ConfigError(OVERRIDE_SOURCE, "", None, f"no key before '=' in {show(text)}")
    if not raw:
        raise ConfigError(OVERRIDE_SOURCE, key, None, "no value after '='")
    return key, parse_value(raw)


def apply_override(data: dict[str, Any], override: str) -> str:
    """Apply one "dotted.key=value" to TOML-shaped `data`; return the dotted key it replaced."""
    key, value = parse_override(override)
    parts = key.split(".")
    _check_override_key(parts, key)
    if len(parts) == 3:
        # search_space.lr.loguniform=[...] replaces lr's distribution rather than adding one.
        parts, value = parts[:2], {parts[2]: value}
    table = data.setdefault(parts[0], {})
    if not isinstance(table, dict):
        raise ConfigError(OVERRIDE_SOURCE, key, None, f"[{parts[0]}] in the file is not a table")
    table[parts[1]] = value
    return ".".join(parts)


def _check_override_key(parts: list[str], key: str) -> None:
    section = parts[0]
    try:
        hint = suggestion(section, SECTIONS, "tables")
        require(section in SECTIONS, section, f"unknown table {show(section)}{hint}")
        require(section != "hypotheses", key, "hypotheses cannot be set here: edit [[hypotheses]]")
        deepest = 3 if section == "search_space" else 2
        require(len(parts) >= 2, key, f"name a key inside [{section}], e.g. {section}.name")
        require(len(parts) <= deepest, key, f"too many parts: [{section}] holds plain keys")
        if section == "search_space":
            kind = parts[2] if len(parts) == 3 else DISTRIBUTIONS[0]
            hint = suggestion(kind, DISTRIBUTIONS, "distributions")
            require(kind in DISTRIBUTIONS, key, f"unknown distribution {show(kind)}{hint}")
            return
        names = [field.name for field in dataclasses.fields(SECTIONS[section])]
        hint = suggestion(parts[1], names, f"keys of [{section}]")
        require(parts[1] in names, key, f"unknown key {show(parts[1])}{hint}")
    except ValidationError as error:
        raise ConfigError(OVERRIDE_SOURCE, error.key, None, error.message) from None


# Locating keys in the TOML text (tomllib reports no positions) --------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED_KEY})\s*\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(rf"^\s*({_DOTTED_KEY})\s*=(.*)$")
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'[^']*'""")


def locate_key(text: str, key: str) -> int | None:
    """Best-effort 1-based line of a dotted key ("a.b", "hypotheses[1].id") in TOML text.

    Falls back to the closest enclosing key or table header; None when not even the table is there.
    """
    target = tuple(part for part in re.split(r"[.\[\]]+", key) if part)
    best_line, best_depth = None, 0
    for line, path in _key_positions(text):
        if len(path) > best_depth and target[: len(path)] == path:
            best_line, best_depth = line, len(path)
    return best_line


def _key_positions(text: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    table: tuple[str, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    open_brackets, open_string = 0, ""
    # Lines end at "\n" alone, as tomllib counts them (str.splitlines also splits at \x0c, \u2028).
    for number, line in enumerate(text.split("\n"), start=1):
        if open_string:
            open_string = "" if open_string in line else open_string
        elif open_brackets > 0:
            open_brackets += _bracket_balance(line)
        elif header := _HEADER.match(line):
            table = _split_key(header[2])
            if header[1] == "[[":
                index = array_counts.get(table, 0)
                array_counts[table] = index + 1
                table = (*table, str(index))
            yield number, table
        elif assignment := _ASSIGNMENT.match(line):
            yield number, (*table, *_split_key(assignment[1]))
            value = assignment[2]
            open_string = next((q for q in ('"""', "'''") if value.count(q) % 2 == 1), "")
            open_brackets = 0 if open_string else _bracket_balance(value)


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(_key_name(part) for part in re.findall(_KEY_PART, dotted))


def _key_name(part: str) -> str:
    """A key part as tomllib reads it: quotes removed and, in "...", escapes (\\u202e) decoded."""
    if not part.startswith('"'):
        return part.strip("'")
    try:
        return next(iter(tomllib.loads(f"{part} = 0")))
    except tomllib.TOMLDecodeError:
        return part.strip('"')


def _bracket_balance(text: str) -> int:
    code = _STRING.sub("", text).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")
