"""Filter expressions: a small, safe language that says which trials to show.

    where = compile_filter('lr < 1e-3 and batch_norm', names=["lr", "batch_norm", "accuracy"])
    where.matches(row, primary="accuracy", now=time.time())  # -> bool
    where.text                                               # what was typed

`compile_filter(text, names, reported)` returns a `TrialFilter` or raises `FilterError` (a
ValueError with a one-line message and, where known, the 1-based `column` at fault and the
`unknown` name). `names` are the sweep's hyperparameter and metric names; the built-in names
(`BUILTIN_NAMES`) are always there. `reported` are metrics the trials report beyond `names`: the
dashboard's rows carry only the sweep's metrics, so naming one of those is refused with a message
that says to declare it (`[experiment] metrics`).

The language is Python's expression syntax, cut down. Parsed with `ast` and compiled to a tree of
closures over a whitelist of node kinds: nothing typed is ever evaluated as Python.

- Values: numbers (`3`, `1e-3`), strings (`"adam"`), `True`, `False`, `None`, and names:
  a hyperparameter (its value in the trial's config), a metric (its last value), and
  `state`, `iter` (iteration), `trial` (the trial id), `best` and `last` (the first metric's best
  and last values), `runtime` (seconds), `health` ("ok", or the health rule that flags the
  trial: "nan", "diverged", "stalled"; domain.health). The built-in names win over a
  hyperparameter or metric of the same name; names that are not identifiers (`val/acc`) cannot
  be written.
- `state` is the row's state: "pending", "running", "paused", "completed", "error",
  "interrupted", "user" (stopped by the user), and for a scheduler's stop "stopped@2" (at
  iteration 2), "stopped" and "scheduler" alike: `state == "stopped"` matches every scheduler stop;
  for a stop by a health rule "rule:nan" and "rule" alike.
- Comparisons `== != < <= > >=`, chained (`1e-4 < lr < 1e-2`); `in` and `not in` against a list of
  values (`optimizer in ("adam", "sgd")`) or a string; `and`, `or`, `not`; unary `-` and `+`;
  parentheses. A bare value is a test of its truth (`batch_norm`, `not batch_norm`).
- A missing value (a metric not reported yet, a hyperparameter the trial lacks) makes every
  comparison false, `!=` included. Ordering a string against a number is false, never an error.
- Anything else is refused: calls, attribute access, subscripts, arithmetic (`**` included),
  lambdas, comprehensions, f-strings, `:=`, unknown names (with a suggestion), more than
  `MAX_LENGTH` characters, nesting deeper than `MAX_DEPTH`.
"""

from tuneterm.domain.filter.compiler import (
    BUILTIN_NAMES,
    MAX_DEPTH,
    MAX_LENGTH,
    TrialFilter,
    compile_filter,
)
from tuneterm.domain.filter.error import FilterError

__all__ = [
    "BUILTIN_NAMES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "FilterError",
    "TrialFilter",
    "compile_filter",
]
