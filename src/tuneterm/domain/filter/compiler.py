"""`compile_filter`: an expression's text to a `TrialFilter`, through `ast` and a whitelist.

The parse tree is walked once; each node of an allowed kind becomes a closure, every other kind
is refused before anything runs. Python's own compiler and evaluator are never involved.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from tuneterm.domain.config.space import suggestion
from tuneterm.domain.filter.error import FilterError
from tuneterm.domain.filter.value import (
    BUILTINS,
    COMPARISONS,
    Comparison,
    Getter,
    metric_or_param,
    negative,
    positive,
    truthy,
)
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.text import printable

MAX_LENGTH = 500
"""Characters an expression may have."""
MAX_DEPTH = 32
"""Levels of nesting (operators inside operators, brackets inside brackets) it may have."""
BUILTIN_NAMES: tuple[str, ...] = tuple(BUILTINS)
"""The names every expression may use besides the sweep's hyperparameters and metrics."""
_CONSTANT_NAMES = ("True", "False", "None")
_CONSTANT_TYPES = (bool, int, float, str, type(None))
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")

Test = Callable[[TrialRow, str, float], bool]
"""Whether a row passes, given the sweep's first metric's name and the time now."""

_REFUSED: dict[type[ast.AST], str] = {
    ast.Call: "calls are not allowed",
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.IfExp: "conditional expressions (x if c else y) are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "'*' is not allowed",
    ast.Await: "'await' is not allowed",
    ast.Tuple: "a list of values is only allowed after 'in'",
    ast.List: "a list of values is only allowed after 'in'",
    ast.Set: "a list of values is only allowed after 'in'",
}
_OPERATORS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}
_INSTEAD: dict[str, str] = {"&": "use 'and'", "|": "use 'or'"}
_MISTYPED: dict[str, str] = {"=>": "did you mean '>='?", "=<": "did you mean '<='?"}


@dataclass(frozen=True, slots=True)
class TrialFilter:
    """A compiled expression; two are equal when their texts are."""

    text: str
    """The expression as typed."""
    names: frozenset[str]
    """The names it reads."""
    _test: Test = field(compare=False, repr=False)

    @property
    def uses_clock(self) -> bool:
        """Whether it reads `runtime`, whose value changes as time passes."""
        return "runtime" in self.names

    def matches(self, row: TrialRow, primary: str, now: float) -> bool:
        """Whether `row` passes; `primary` names the sweep's first metric, `now` is the time
        `runtime` is measured to."""
        return self._test(row, primary, now)


def compile_filter(
    text: str, names: Collection[str], reported: Collection[str] = ()
) -> TrialFilter:
    """`text` compiled over the built-in names and `names` (the sweep's hyperparameters and
    metrics); FilterError if it is not a valid filter expression. `reported` are metrics the
    trials report that `names` lacks: naming one is refused with how to make it usable."""
    if len(text) > MAX_LENGTH:
        raise FilterError(
            f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed"
        )
    one_line = text.replace("\r", " ").replace("\n", " ")
    source = one_line.lstrip()
    indent = len(one_line) - len(source)
    if not source.strip():
        raise FilterError("the expression is empty")
    if "\x00" in source:  # which Python refuses without saying where
        raise FilterError("the expression contains a null character", one_line.index("\x00") + 1)
    tree = _parsed(source, indent)
    _check_brackets(source, indent)
    compiler = _Compiler(source, indent, frozenset(names), frozenset(reported))
    test = compiler.test(tree.body, 1)
    return TrialFilter(text, frozenset(compiler.used), test)


def _parsed(source: str, indent: int) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        column = (error.offset or len(source) + 1) + indent
        raise FilterError(_syntax_message(error, source), column) from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise FilterError(f"cannot read the expression: {error}") from None


def _syntax_message(error: SyntaxError, source: str) -> str:
    message = printable(error.msg, escape_layout=True)
    offset = error.offset or 0
    if not offset and message == "invalid syntax":  # no position: the input ran out
        return "the expression ends too soon"
    written = source[offset - 1 : offset + 1] if offset else ""
    if message == "invalid syntax" and written[:1] == "=":
        return _MISTYPED.get(written, "'=' is no comparison: use '=='")
    return message


def _check_brackets(source: str, indent: int) -> None:
    """Refuse brackets nested deeper than MAX_DEPTH (they leave no trace in the tree)."""
    depth = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.OP:
            continue
        if token.string in _OPENING:
            depth += 1
            if depth > MAX_DEPTH:
                column = token.start[1] + indent + 1
                raise FilterError(f"brackets nested more than {MAX_DEPTH} deep", column)
        elif token.string in _CLOSING:
            depth -= 1


class _Compiler:
    """Turns the nodes of one parse tree into closures; refuses the others."""

    def __init__(
        self, source: str, indent: int, names: frozenset[str], reported: frozenset[str]
    ) -> None:
        self.encoded = source.encode()
        self.indent = indent
        self.names = names
        self.reported = reported
        self.used: set[str] = set()
        """The names met so far."""

    def test(self, node: ast.expr, depth: int) -> Test:
        self._within_depth(node, depth)
        if isinstance(node, ast.BoolOp):
            parts = [self.test(value, depth + 1) for value in node.values]
            return _every(parts) if isinstance(node.op, ast.And) else _some(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.test(node.operand, depth + 1)
            return lambda row, primary, now: not inner(row, primary, now)
        if isinstance(node, ast.Compare):
            return self._compare(node, depth)
        value = self.value(node, depth)
        return lambda row, primary, now: truthy(value(row, primary, now))

    def value(self, node: ast.expr, depth: int) -> Getter:
        self._within_depth(node, depth)
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            return self._sign(node, depth)
        if isinstance(node, ast.BoolOp | ast.Compare | ast.UnaryOp):
            return self.test(node, depth)
        self._refuse(node)

    def _compare(self, node: ast.Compare, depth: int) -> Test:
        left = self.value(node.left, depth + 1)
        steps: list[tuple[Comparison, Getter]] = []
        previous = node.left
        for op, operand in zip(node.ops, node.comparators, strict=True):
            comparison = COMPARISONS.get(type(op).__name__)
            if comparison is None:
                column = self._column_of("is", previous, operand)
                raise FilterError("'is' is not supported: use == or !=", column)
            membership = isinstance(op, ast.In | ast.NotIn)
            right = self._container(operand, depth + 1) if membership else None
            steps.append((comparison, right or self.value(operand, depth + 1)))
            previous = operand
        if len(steps) == 1:
            compare, right = steps[0]
            return lambda row, primary, now: compare(
                left(row, primary, now), right(row, primary, now)
            )
        return _chain(left, steps)

    def _container(self, node: ast.expr, depth: int) -> Getter | None:
        """The getter of a list of values after `in`; None for any other operand."""
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            return None
        self._within_depth(node, depth)
        elements = [self.value(element, depth + 1) for element in node.elts]
        if all(isinstance(element, ast.Constant) for element in node.elts):
            values = tuple(element.value for element in node.elts)  # type: ignore[attr-defined]
            return lambda row, primary, now: values
        return lambda row, primary, now: tuple(get(row, primary, now) for get in elements)

    def _constant(self, node: ast.Constant) -> Getter:
        value = node.value
        if type(value) not in _CONSTANT_TYPES:
            self._fail(node, "only numbers, strings, True, False and None are allowed")
        return lambda row, primary, now: value

    def _name(self, node: ast.Name) -> Getter:
        name = node.id
        if name in BUILTINS:
            self.used.add(name)
            return BUILTINS[name]
        if name in self.names:
            self.used.add(name)
            return metric_or_param(name)
        shown = printable(name, escape_layout=True)
        if name in self.reported:
            message = (
                f"{shown} is reported but is not one of the sweep's metrics: name it in"
                " [experiment] metrics to filter on it"
            )
            raise FilterError(message, self._column(node), unknown=name)
        known = sorted({*self.names, *BUILTIN_NAMES, *_CONSTANT_NAMES})
        hint = suggestion(name, known, "names")
        raise FilterError(f"unknown name '{shown}'{hint}", self._column(node), unknown=name)

    def _sign(self, node: ast.UnaryOp, depth: int) -> Getter:
        if not isinstance(node.op, ast.USub | ast.UAdd):
            self._fail(node, "'~' is not supported")
        operand = self.value(node.operand, depth + 1)
        sign = negative if isinstance(node.op, ast.USub) else positive
        return lambda row, primary, now: sign(operand(row, primary, now))

    def _within_depth(self, node: ast.expr, depth: int) -> None:
        if depth > MAX_DEPTH:
            self._fail(node, f"the expression is nested more than {MAX_DEPTH} deep")

    def _refuse(self, node: ast.expr) -> NoReturn:
        if isinstance(node, ast.BinOp):
            symbol = _OPERATORS.get(type(node.op), "?")
            instead = _INSTEAD.get(symbol, "no arithmetic")
            column = self._column_of(symbol, node.left, node.right)
            raise FilterError(f"'{symbol}' is not supported: {instead}", column)
        reason = _REFUSED.get(type(node), f"{type(node).__name__} is not allowed")
        self._fail(node, reason)

    def _fail(self, node: ast.expr, message: str) -> NoReturn:
        raise FilterError(message, self._column(node))

    def _column(self, node: ast.expr) -> int:
        """The 1-based character column of `node`."""
        return self._character_column(node.col_offset)

    def _column_of(self, operator: str, left: ast.expr, right: ast.expr) -> int:
        """The column of `operator`, written between `left` and `right`."""
        start = left.end_col_offset or left.col_offset
        found = self.encoded.find(operator.encode(), start, right.col_offset)
        return self._character_column(found if found >= 0 else right.col_offset)

    def _character_column(self, byte_offset: int) -> int:
        """The tree counts UTF-8 bytes; the user counts characters."""
        before = self.encoded[:byte_offset].decode("utf-8", errors="ignore")
        return len(before) + self.indent + 1


def _every(parts: Sequence[Test]) -> Test:
    return functools.reduce(_both, parts)


def _some(parts: Sequence[Test]) -> Test:
    return functools.reduce(_either, parts)


def _both(first: Test, second: Test) -> Test:
    return lambda row, primary, now: first(row, primary, now) and second(row, primary, now)


def _either(first: Test, second: Test) -> Test:
    return lambda row, primary, now: first(row, primary, now) or second(row, primary, now)


def _chain(left: Getter, steps: Sequence[tuple[Comparison, Getter]]) -> Test:
    """`a < b < c`: each comparison in turn, each operand computed once, stopping at a false."""

    def test(row: TrialRow, primary: str, now: float) -> bool:
        current: Any = left(row, primary, now)
        for compare, right in steps:
            following = right(row, primary, now)
            if not compare(current, following):
                return False
            current = following
        return True

    return test
