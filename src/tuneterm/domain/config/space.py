"""The search space: one `Param` per hyperparameter, read from and written back to TOML values.

Everything here raises `ValidationError` (a dotted key and a message); whoever read the file adds
its name and line and turns it into the user-facing `ConfigError`.
"""

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.text import printable

DISTRIBUTIONS: tuple[str, ...] = ("choice", "grid", "uniform", "loguniform", "quniform", "randint")
"""The keys of a `{ kind = [...] }` table in [search_space]."""

_LISTED = ("choice", "grid", "constant")


class ValidationError(ValueError):
    """A config problem not yet tied to a file: the dotted key at fault and what is wrong."""

    key: str
    """Dotted key, e.g. "search_space.lr" or "hypotheses[1].parameter"."""
    message: str
    """One line saying what is wrong."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(key, message)
        self.key = key
        self.message = message


def require(condition: bool, key: str, message: str) -> None:
    """Raise `ValidationError(key, message)` unless `condition` holds."""
    if not condition:
        raise ValidationError(key, message)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest option, or "" when none is close."""
    matches = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {show(matches[0])}?)" if matches else ""


def suggestion(word: str, options: Iterable[str], what: str) -> str:
    """ " (did you mean 'x'?)" for the closest option, else "; the `what` are a, b, c"."""
    names = list(options)
    if hint := did_you_mean(word, names):
        return hint
    return f"; the {what} are {', '.join(printable(name, escape_layout=True) for name in names)}"


def one_of(value: str, options: Sequence[str], key: str, what: str) -> None:
    """Require `value` to be one of `options`, else say which one was probably meant."""
    hint = did_you_mean(value, options)
    message = f"unknown {what} {show(value)}{hint}; use one of {', '.join(options)}"
    require(value in options, key, message)


_LONGEST_SHOWN = 80
"""Characters of a string quoted in full; a longer one is cut, its length given."""


def show(value: object) -> str:
    """A value as it is written in TOML, so messages quote what the user typed, made printable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, int) and value.bit_length() > 128:
        # Python refuses to print integers of more than 4300 digits.
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return str(value)


def _quoted(text: str) -> str:
    if len(text) <= _LONGEST_SHOWN:
        return f"'{printable(text, escape_layout=True)}'"
    start = printable(text[: _LONGEST_SHOWN - 20], escape_layout=True)
    return f"'{start}…' ({len(text)} characters)"


def describe(value: object) -> str:
    """A value's TOML type and the value, e.g. "string '4'", for "expected X, got Y" messages."""
    if value is None:
        return "nothing"
    if isinstance(value, list | tuple):
        return f"an array {show(value)}"
    if isinstance(value, dict):
        return "a table"
    names = {bool: "boolean", int: "integer", float: "float", str: "string"}
    return f"{names.get(type(value), type(value).__name__)} {show(value)}"


def is_number(value: object) -> bool:
    """True for TOML integers and floats; booleans are not numbers here, unlike in Python."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(left: object, right: object) -> bool:
    """Equality that keeps `true` apart from `1` (Python says `True == 1`)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


@dataclass(frozen=True)
class Param:
    """One search-space dimension: a hyperparameter and how its values are drawn."""

    name: str
    """The hyperparameter, as passed to the trainable in its config dict."""
    kind: str
    """One of DISTRIBUTIONS, or "constant" for a plain value."""
    values: tuple[Any, ...]
    """choice/grid: the values; uniform/loguniform: (low, high); quniform: (low, high, q);
    randint: (low, high), both inclusive; constant: (value,)."""

    @property
    def is_tuned(self) -> bool:
        """True unless the parameter is a constant."""
        return self.kind != "constant"

    def to_toml(self) -> Any:
        """The TOML value this parameter was read from: a plain value or `{ kind = [...] }`."""
        if self.kind == "constant":
            return self.values[0]
        return {self.kind: list(self.values)}

    def describe(self) -> str:
        """E.g. "randint [2, 4]" or "constant 'adam'", for messages."""
        if self.kind == "constant":
            return f"constant {show(self.values[0])}"
        return f"{self.kind} {show(self.values)}"

    def admits(self, value: object) -> bool:
        """Whether `value` is one this parameter can take."""
        if self.kind in _LISTED:
            return any(same_value(value, option) for option in self.values)
        if not is_number(value) or (self.kind == "randint" and not isinstance(value, int)):
            return False
        low, high = self.values[0], self.values[1]
        return bool(low <= value <= high)


def parse_search_space(table: Mapping[str, Any], key: str = "search_space") -> tuple[Param, ...]:
    """Every entry of [search_space], in file order."""
    return tuple(parse_param(name, raw, f"{key}.{name}") for name, raw in table.items())


def parse_param(name: str, raw: object, key: str) -> Param:
    """One [search_space] entry: a table is a distribution, anything else a constant."""
    if not isinstance(raw, dict):
        return Param(name, "constant", (raw,))
    kinds = ", ".join(DISTRIBUTIONS)
    require(len(raw) == 1, key, f"expected exactly one distribution ({kinds}), got {len(raw)}")
    kind, args = next(iter(raw.items()))
    require(
        kind in DISTRIBUTIONS,
        key,
        f"unknown distribution {show(kind)}{suggestion(kind, DISTRIBUTIONS, 'distributions')}",
    )
    require(isinstance(args, list | tuple), key, f"{kind} expects an array, got {describe(args)}")
    return Param(name, kind, _PARSERS[kind](kind, tuple(args), key))


def _listed(kind: str, args: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    require(len(args) > 0, key, f"{kind} needs at least one value (got an empty array)")
    return args


def _bounds(kind: str, args: tuple[Any, ...], key: str, form: str) -> None:
    require(len(args) == len(form.split(",")), key, f"{kind} expects {form}, got {show(args)}")
    for bound in args:
        require(is_number(bound), key, f"{kind} bounds must be numbers (got {describe(bound)})")
        require(math.isfinite(bound), key, f"{kind} bounds must be finite (got {show(bound)})")


def _range(kind: str, args: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    _bounds(kind, args, key, "[low, high]")
    low, high = args
    require(low < high, key, f"empty {kind} range: low ({low}) must be below high ({high})")
    if kind == "loguniform":
        require(low > 0, key, f"loguniform lower bound must be > 0 (got {low})")
    return args


def _quantized(kind: str, args: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    _bounds(kind, args, key, "[low, high, q]")
    low, high, step = args
    require(low < high, key, f"empty quniform range: low ({low}) must be below high ({high})")
    require(step > 0, key, f"quniform step q must be > 0 (got {step})")
    return args


def _integers(kind: str, args: tuple[Any, ...], key: str) -> tuple[Any, ...]:
    _bounds(kind, args, key, "[low, high]")
    for bound in args:
        require(isinstance(bound, int), key, f"randint bounds must be integers (got {bound})")
    low, high = args
    require(low <= high, key, f"empty randint range: low ({low}) must be at most high ({high})")
    return args


_PARSERS = {
    "choice": _listed,
    "grid": _listed,
    "uniform": _range,
    "loguniform": _range,
    "quniform": _quantized,
    "randint": _integers,
}


def check_builtin_space(
    params: Sequence[Param],
    trainable: str,
    defaults: Mapping[str, object],
    optimizers: Sequence[str],
) -> None:
    """Check that a built-in trainable knows every parameter and can use every value."""
    for param in params:
        key = f"search_space.{param.name}"
        hint = suggestion(param.name, defaults, f"hyperparameters of {show(trainable)}")
        require(
            param.name in defaults,
            key,
            f"{show(param.name)} is not a hyperparameter of trainable {show(trainable)}{hint}",
        )
        _check_value_kind(param, defaults[param.name], optimizers, key)


def _check_value_kind(param: Param, default: object, optimizers: Sequence[str], key: str) -> None:
    # The default's type says what the trainable does with the value; the optimizer is the only
    # string hyperparameter of the built-ins.
    if isinstance(default, str):
        for value in _listed_values(param, "an optimizer name", key):
            hint = did_you_mean(str(value), optimizers)
            names = ", ".join(optimizers)
            require(
                value in optimizers, key, f"optimizer {show(value)} is not one of {names}{hint}"
            )
    elif isinstance(default, bool):
        for value in _listed_values(param, "true or false", key):
            require(
                isinstance(value, bool),
                key,
                f"{show(param.name)} takes true or false (got {show(value)})",
            )
    else:
        for value in param.values:
            message = f"{show(param.name)} takes a number (got {describe(value)})"
            require(is_number(value), key, message)


def _listed_values(param: Param, what: str, key: str) -> tuple[Any, ...]:
    require(
        param.kind in _LISTED,
        key,
        f"{show(param.name)} takes {what}: use choice, grid or a plain value, not {param.kind}",
    )
    return param.values


def check_point(point: Mapping[str, Any], params: Sequence[Param], key: str) -> None:
    """Check one `points_to_evaluate` entry: every tuned parameter, each with a possible value."""
    by_name = {param.name: param for param in params}
    tuned = [param.name for param in params if param.is_tuned]
    for name, value in point.items():
        require(
            name in by_name,
            f"{key}.{name}",
            f"unknown parameter {show(name)}{suggestion(name, tuned, 'tuned parameters')}",
        )
        param = by_name[name]
        require(
            param.is_tuned,
            f"{key}.{name}",
            f"{show(name)} is a constant ({show(param.values[0])}): leave it out of the point",
        )
        require(
            param.admits(value),
            f"{key}.{name}",
            f"{show(value)} is not a possible value of {show(name)} ({param.describe()})",
        )
    missing = [param.name for param in params if param.is_tuned and param.name not in point]
    names = printable(", ".join(missing), escape_layout=True)
    require(not missing, key, f"the point has no value for tuned parameter(s) {names}")


_MODELLED = {"hyperopt": "HyperOpt", "optuna": "Optuna"}
"""The model-based search algorithms, which take first points and cannot search a grid."""


def check_search(
    params: Sequence[Param], algorithm: str, points: Sequence[Mapping[str, Any]]
) -> None:
    """Check that the [search] algorithm can search these parameters from these points."""
    grids = [param.name for param in params if param.kind == "grid"]
    if algorithm in _MODELLED and grids:
        name = _MODELLED[algorithm]
        message = f'{name} cannot search a grid: use algorithm "grid" or "random", or a choice'
        raise ValidationError(f"search_space.{grids[0]}", message)
    message = 'algorithm "grid" needs at least one { grid = [...] } parameter in [search_space]'
    require(algorithm != "grid" or bool(grids), "search.algorithm", message)
    message = f'only used by algorithms "hyperopt" and "optuna" (algorithm is {show(algorithm)})'
    require(algorithm in _MODELLED or not points, "search.points_to_evaluate", message)
    for index, point in enumerate(points):
        check_point(point, params, f"search.points_to_evaluate[{index}]")


def check_hypothesis(params: Sequence[Param], parameter: str, expected: Any, key: str) -> None:
    """Check that a hypothesis is about a tuned parameter and expects something it can show."""
    by_name = {param.name: param for param in params}
    hint = suggestion(parameter, by_name, "parameters in [search_space]")
    require(
        parameter in by_name,
        f"{key}.parameter",
        f"{show(parameter)} is not in [search_space]{hint}",
    )
    param = by_name[parameter]
    constant = show(param.values[0])
    message = f"{show(parameter)} is a constant ({constant}), so the sweep cannot test it"
    require(param.is_tuned, f"{key}.parameter", message)
    if expected in ("higher", "lower") and not param.admits(expected):
        numeric = all(is_number(value) for value in param.values)
        message = f"{show(expected)} needs a numeric parameter, not {param.describe()}"
        require(numeric, f"{key}.expected", message)
        return
    message = f"{show(expected)} is not a possible value of {show(parameter)} ({param.describe()})"
    require(param.admits(expected), f"{key}.expected", message)
