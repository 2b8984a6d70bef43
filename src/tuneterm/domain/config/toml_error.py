"""tomllib's syntax errors in plain words, on the line where the mistake was made.

tomllib names the place where parsing failed, which for an unclosed bracket or string can be the
end of the file; the text is scanned again to find where the bracket or quote was opened.
"""

import ast
import bisect
import re
from dataclasses import dataclass, field

from tuneterm.domain.config.toml_text import locate_key
from tuneterm.domain.text import printable

__all__ = ["explain_toml_error"]

_POSITION = re.compile(
    r"(?P<detail>.*?) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)"
)
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_ASSIGNED_KEY = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_LONG_INTEGER = re.compile(r"[0-9_]{4300,}")
_QUOTES = ('"""', "'''", '"', "'")
_TOKEN = re.compile(r"""#|\"\"\"|'''|"|'|[\[\]{}]""")
"""What opens or closes a comment, a string, an array or an inline table."""

_PLAIN = {
    "Invalid statement": "expected key = value, a [table] header or a # comment",
    "Expected newline or end of document after a statement": (
        "unexpected text after the value: write one key = value per line"
    ),
    "Expected ']' at the end of a table declaration": "the [table] header has no closing ']'",
    "Expected ']]' at the end of an array declaration": "the [[table]] header has no closing ']]'",
    "Expected '=' after a key in a key/value pair": "expected '=' after the key: write key = value",
    "Invalid initial character for a key part": (
        "expected a key: letters, digits, - and _, or a quoted string"
    ),
    "Unescaped '\\' in a string": (
        "a backslash in a \"...\" string starts an escape: write \\\\ for one, or use '...' quotes"
    ),
    "Invalid hex value": "invalid \\u escape: give 4 hex digits (\\u00e9), or 8 after \\U",
    "Escaped character is not a Unicode scalar value": "the \\u escape names no Unicode character",
    "Invalid date or datetime": "invalid date: write YYYY-MM-DD with a real month and day",
    "Invalid value": (
        'missing or invalid value: quote text ("adam"); numbers, true, false, [arrays] and'
        " { inline tables } are written bare"
    ),
    "Unclosed array": "unclosed array: end it with ']'",
    "Unclosed inline table": "unclosed inline table: end it with '}' on the same line",
    "Unterminated string": "unterminated string: close the quote",
}
"""tomllib's message -> what is wrong and how to fix it, for the messages with nothing to quote."""

_ONE_LINE_TABLE = (
    "an inline table { ... } must be on one line: close it with '}' on this line,"
    " or write it as a [table] of its own"
)


@dataclass
class _Scan:
    """What is still open where a scan of the TOML text stopped."""

    brackets: list[tuple[str, int, int]] = field(default_factory=list)
    """Each unclosed '[' or '{', its line and its offset, innermost last."""
    string: tuple[str, int] | None = None
    """The opening quote and line of a string left unclosed (a one-line one at its line's end)."""


def explain_toml_error(text: str, error: str) -> tuple[int | None, str]:
    """The line to report and plain words for tomllib's `error` (its str) about `text`."""
    position = _POSITION.fullmatch(error)
    if position is None:
        return _without_position(text, error)
    detail = position["detail"]
    if position["line"] is None:
        return _at_end(text, detail)
    line, column = int(position["line"]), int(position["column"])
    offset = sum(len(part) + 1 for part in text.split("\n")[: line - 1]) + column - 1
    # A header's own bracket is the one left open: its message says so already.
    opened = None if detail.startswith("Expected ']") else _opened(text, offset, detail)
    found = opened or _quoting(text, line, detail)
    return found or (line, f"{_plain(detail)} (column {column})")


def _at_end(text: str, detail: str) -> tuple[int | None, str]:
    last_line = text.count("\n", 0, len(text.rstrip())) + 1
    at_end = (last_line, f"{_plain(detail)} at the end of the file")
    return _opened(text, len(text), detail) or at_end


def _without_position(text: str, error: str) -> tuple[int | None, str]:
    if "integer string conversion" not in error:
        return None, printable(error, escape_layout=True)
    # Python refuses to read integers of more than 4300 digits before TOML's limit is checked.
    long = _LONG_INTEGER.search(text)
    line = None if long is None else text.count("\n", 0, long.start()) + 1
    return line, f"an integer of more than 4300 digits: TOML integers are at most {2**63 - 1}"


def _opened(text: str, offset: int, detail: str) -> tuple[int, str] | None:
    """A string or bracket opened before `offset` and never closed: its line, and what to do."""
    scan = _scan(text, offset)
    if scan.string is not None:
        quote, line = scan.string
        if len(quote) == 1:
            return line, "unterminated string: close the quote on this line"
        return line, f"unterminated string: the {quote} opened at line {line} is never closed"
    never_closed = {opened_at for _, _, opened_at in _scan(text, len(text)).brackets}
    unclosed = [bracket for bracket in scan.brackets if bracket[2] in never_closed]
    if unclosed:
        bracket, line, _ = unclosed[-1]
        if bracket == "{":
            return line, _ONE_LINE_TABLE
        return line, f"unclosed array: the '[' opened at line {line} has no ']'"
    if scan.brackets and scan.brackets[-1][0] == "{" and detail.startswith("Invalid initial"):
        return _inline_table_key(text, offset, scan.brackets[-1][1])
    return None


def _inline_table_key(text: str, offset: int, line: int) -> tuple[int, str]:
    if text[offset : offset + 1] == "}":
        return line, "trailing comma in an inline table: remove the ',' before '}'"
    return line, _ONE_LINE_TABLE


def _quoting(text: str, line: int, detail: str) -> tuple[int, str] | None:
    """The messages of tomllib that quote a key or a character, in plain words."""
    if match := re.fullmatch(r"Cannot declare (\(.*\)) twice", detail):
        table = _dotted(match[1])
        first = locate_key(text, table)
        where = f" (first at line {first})" if first is not None and first < line else ""
        return line, f"a table [{table}] appears twice{where}: merge them into one"
    if match := re.fullmatch(r"Cannot (?:mutate immutable|redefine) namespace (\(.*\))", detail):
        table = _dotted(match[1])
        return line, f"{table} is already complete: give all its keys in one place"
    if match := re.fullmatch(r"Duplicate inline table key (.*)", detail):
        return line, f"key {printable(match[1], escape_layout=True)} is set twice: keep one"
    if detail == "Cannot overwrite a value":
        return _set_twice(text, line)
    if match := re.fullmatch(r"(?:Illegal|Found invalid) character (.*)", detail):
        code = ord(ast.literal_eval(match[1]))
        escape = f"\\u{code:04x}"
        return line, f"character {escape} is not allowed here: in a string, write it as {escape}"
    return None


def _set_twice(text: str, line: int) -> tuple[int, str]:
    """The assignment a duplicate value was given on: tomllib points past its value."""
    lines = text.split("\n")
    for number in range(line, 0, -1):
        if assigned := _ASSIGNED_KEY.match(lines[number - 1]):
            key = printable(assigned[1], escape_layout=True)
            quoted = key if key.startswith(("'", '"')) else f"'{key}'"
            return number, f"key {quoted} is set twice in the same table: keep one"
    return line, "a key is set twice in the same table: keep one"


def _dotted(key_tuple: str) -> str:
    parts = ast.literal_eval(key_tuple)
    return printable(".".join(str(part) for part in parts), escape_layout=True)


def _plain(detail: str) -> str:
    return _PLAIN.get(detail, printable(detail, escape_layout=True))


# Scanning the text for what is open ------------------------------------------------------------


def _scan(text: str, stop: int) -> _Scan:
    scan = _Scan()
    newlines = [match.start() for match in re.finditer("\n", text)]
    index = 0
    while (token := _TOKEN.search(text, index, min(stop, len(text)))) is not None:
        found, index = token[0], token.end()
        line = bisect.bisect_left(newlines, token.start()) + 1
        if found == "#":
            index = _line_end(text, index)
        elif found in _QUOTES:
            end = _string_end(text, token.start(), found)
            if end is None:
                scan.string = (found, line)
                return scan
            index = end
        elif found in "[{":
            scan.brackets.append((found, line, token.start()))
        elif scan.brackets and scan.brackets[-1][0] + found in ("[]", "{}"):
            # A mismatched closer is the mistake itself: what it should have closed stays open.
            scan.brackets.pop()
    return scan


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _string_end(text: str, start: int, quote: str) -> int | None:
    """The offset after the string opened at `start` by `quote`; None when it is never closed."""
    limit = len(text) if len(quote) == 3 else _line_end(text, start)
    index = start + len(quote)
    while index < limit:
        if text.startswith(quote, index):
            return index + len(quote)
        index += 2 if text[index] == "\\" and quote[0] == '"' else 1
    return None
