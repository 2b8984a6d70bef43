"""Filter expressions: what they match, what they refuse (and where), and that hostile input
is refused without anything being run."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path
from typing import Any

import pytest

from tuneterm.domain.filter import MAX_DEPTH, MAX_LENGTH, FilterError, compile_filter, compiler
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow

NAMES = ["lr", "batch_norm", "optimizer", "layers", "note", "accuracy", "loss"]
NOW = 200.0


def trial(
    trial_id: str = "t1",
    *,
    status: TrialStatus = TrialStatus.RUNNING,
    reason: EndReason | None = None,
    stop: int | None = None,
    iteration: int = 4,
    accuracy: float | None = 0.92,
    best: float | None = 0.95,
    others: dict[str, float] | None = None,
    **config: Any,
) -> TrialRow:
    """A row like the sweep state's: config from keywords, `accuracy` as the first metric."""
    ended = 150.0 if status is TrialStatus.ENDED else None
    return TrialRow(
        trial_id,
        status,
        reason,
        stop,
        {"lr": 5e-4, "batch_norm": True, "optimizer": "adam", "note": None, **config},
        iteration,
        accuracy,
        best,
        100.0,
        ended,
        140.0,
        None,
        others={"loss": 0.3} if others is None else others,
    )


def matches(text: str, row: TrialRow) -> bool:
    return compile_filter(text, NAMES).matches(row, "accuracy", NOW)


STOPPED = trial(status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop=2, iteration=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lr < 1e-3 and batch_norm", True),
        ("lr < 1E-4 or not batch_norm", False),
        ("not batch_norm", False),
        ('state == "running"', True),
        ('state != "running"', False),
        ("accuracy > 0.9 or iter < 3", True),
        ("accuracy > 0.95 or iter < 3", False),
        ('optimizer in ("adam", "sgd")', True),
        ('optimizer in ["sgd", "rmsprop"]', False),
        ('optimizer not in {"sgd"}', True),
        ('"da" in optimizer', True),
        ("1e-4 < lr < 1e-3", True),
        ("1e-4 < lr < 1e-3 < 0", False),
        ("-lr < 0 < +lr", True),
        ("-1 == -(1)", True),
        ("(lr < 1e-3) and (iter >= 4 or False)", True),
        ("batch_norm == True and note == None", True),
        ("note", False),
        ("layers == None", False),  # absent: missing, not None
        ("loss < 0.5", True),  # a further metric's last value
        ("best == 0.95 and last == 0.92", True),
        ('trial == "t1"', True),
        ("runtime == 100", True),  # started at 100, now is 200
        ("iter == 4.0", True),
        ("True", True),
        ("None", False),
        ('""', False),
    ],
)
def test_valid_expressions_match_as_written(text: str, expected: bool) -> None:
    assert matches(text, trial()) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('state == "stopped"', True),  # any scheduler stop
        ('state == "stopped@2"', True),  # as the table shows it
        ('state == "stopped@3"', False),
        ('state == "scheduler"', True),  # as the state filter names it
        ('state in ("running", "stopped")', True),
        ('state != "stopped"', False),
        ('state not in ("completed", "error")', True),
        ('"stopped" in state', True),
        ('state == "running"', False),
    ],
)
def test_stopped_matches_every_scheduler_stop(text: str, expected: bool) -> None:
    assert matches(text, STOPPED) is expected


@pytest.mark.parametrize(
    "text",
    [
        "accuracy > 0.5",
        "accuracy < 0.5",
        "accuracy == 0.5",
        "accuracy != 0.5",  # a value not reported yet is no value that differs either
        "loss >= 0",
        "best > 0",
        "layers < 3",
        "layers != 3",
        "accuracy",
        "optimizer < 3",  # a string and a number cannot be ordered
        'lr > "a"',
        'lr == "5e-4"',
        'lr in "abc"',
        'lr not in "abc"',
        "optimizer in 3",
        "-optimizer < 0",
    ],
)
def test_missing_values_and_mixed_kinds_make_comparisons_false(text: str) -> None:
    row = trial(accuracy=None, best=None, others={})
    assert matches(text, row) is False


def test_negating_a_false_comparison_of_a_missing_value_is_true() -> None:
    assert matches("not accuracy > 0.5", trial(accuracy=None))


def test_the_built_in_names_win_over_a_hyperparameter_of_the_same_name() -> None:
    where = compile_filter("iter == 4", ["iter"])
    assert where.matches(trial(iter=99), "accuracy", NOW)


def test_a_compiled_filter_keeps_its_text_and_says_what_it_reads() -> None:
    where = compile_filter("runtime > 10 and lr < 1", NAMES)
    assert where.text == "runtime > 10 and lr < 1"
    assert where.names == {"runtime", "lr"}
    assert where.uses_clock
    assert not compile_filter("lr < 1", NAMES).uses_clock
    assert where == compile_filter("runtime > 10 and lr < 1", NAMES)


def test_runtime_is_measured_to_now() -> None:
    where = compile_filter("runtime > 150", NAMES)
    assert not where.matches(trial(), "accuracy", 200.0)
    assert where.matches(trial(), "accuracy", 300.0)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("lrr < 3", "unknown name 'lrr' (did you mean 'lr'?)", 1),
        ("lr < 3 and bach_norm", "unknown name 'bach_norm' (did you mean 'batch_norm'?)", 12),
        ("true", "unknown name 'true' (did you mean 'True'?)", 1),
        ("zzz", "unknown name 'zzz'; the names are False, None, True, accuracy", 1),
        ("lr = 3", "'=' is no comparison: use '=='", 4),
        ("lr => 3", "did you mean '>='?", 4),
        ("lr <", "the expression ends too soon", 5),
        ("(lr < 3", "'(' was never closed", 1),
        ("lr is None", "'is' is not supported: use == or !=", 4),
        ("lr < 3 & batch_norm", "'&' is not supported: use 'and'", 8),
        ("lr * 2 > 1", "'*' is not supported: no arithmetic", 4),
        ("iter < 3 if lr else 1", "conditional expressions (x if c else y) are not allowed", 1),
        ("lr == (1, 2)", "a list of values is only allowed after 'in'", 7),
        ("lr in (1, (2,))", "a list of values is only allowed after 'in'", 11),
        ("~iter", "'~' is not supported", 1),
        ("lr < 1j", "only numbers, strings, True, False and None are allowed", 6),
        ("lr == b'x'", "only numbers, strings, True, False and None are allowed", 7),
        ("   ", "the expression is empty", None),
        ("é < 1 and lr.real", "unknown name 'é'", 1),
        ("lr < 1 and lr.real > 0", "attribute access is not allowed", 12),
        ("  {}", "dicts are not allowed", 3),
        ("batch_norm and\nlr(1)", "calls are not allowed", 16),
    ],
)
def test_invalid_expressions_say_why_and_where(text: str, message: str, column: int | None) -> None:
    with pytest.raises(FilterError) as raised:
        compile_filter(text, NAMES)
    error = raised.value
    assert error.message.startswith(message)
    assert error.column == column
    assert isinstance(error, ValueError)
    assert "\n" not in str(error)
    assert str(error) == (error.message if column is None else f"column {column}: {error.message}")


def test_a_metric_reported_but_not_weighed_is_refused_with_how_to_weigh_it() -> None:
    with pytest.raises(FilterError) as raised:
        compile_filter("lr < 1 and val_loss < 1", NAMES, reported={"val_loss", "time_total_s"})
    error = raised.value
    assert str(error) == (
        "column 12: val_loss is reported but is not one of the sweep's metrics: name it in"
        " [experiment] metrics to filter on it"
    )
    assert error.unknown == "val_loss"
    with pytest.raises(FilterError) as raised:
        compile_filter("val_los < 1", NAMES, reported={"val_loss"})
    assert raised.value.message.startswith("unknown name 'val_los'")
    assert raised.value.unknown == "val_los"
    # A name the sweep weighs is a name, whatever else is reported.
    assert compile_filter("loss < 1", NAMES, reported={"loss"}).names == {"loss"}


HOSTILE = [
    ("__import__('os').system('touch {marker}')", "calls are not allowed"),
    ("open('{marker}', 'w')", "calls are not allowed"),
    ("().__class__", "attribute access is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "calls are not allowed"),
    ("lr.__class__.__init__.__globals__['os']", "subscripts are not allowed"),
    ("(lambda: 1)()", "calls are not allowed"),
    ("lambda: open('{marker}', 'w')", "lambdas are not allowed"),
    ("9**9**9", "'**' is not supported"),
    ("lr < 10**10**10", "'**' is not supported"),
    ("'x' * 10**9", "'*' is not supported"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("any(open('{marker}', 'w') for x in [1])", "calls are not allowed"),
    ("{{x: 1 for x in lr}}", "comprehensions are not allowed"),
    ('f\'{{open("{marker}", "w")}}\'', "f-strings are not allowed"),
    ("(lr := open('{marker}', 'w'))", "assignments (:=) are not allowed"),
    ("__builtins__", "unknown name '__builtins__'"),
    ("*lr", "invalid syntax"),
    ("lr[0:1]", "subscripts are not allowed"),
    ("await lr", "'await' is not allowed"),
    ("yield lr", "invalid syntax"),
    ("lr\x00", "column 3: the expression contains a null character"),
]


@pytest.mark.parametrize(("template", "message"), HOSTILE)
def test_hostile_input_is_refused_without_running_anything(
    template: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    compiled: list[object] = []
    guard_evaluation(monkeypatch, compiled)
    with pytest.raises(FilterError) as raised:
        compile_filter(template.format(marker=marker), NAMES)
    assert message in str(raised.value)
    assert not marker.exists()
    assert compiled == []


def guard_evaluation(monkeypatch: pytest.MonkeyPatch, compiled: list[object]) -> None:
    """Make eval and exec fail, and note every compile to code (only parse trees are fine)."""
    real_compile = builtins.compile

    def watched_compile(
        source: Any, filename: Any, mode: str, flags: int = 0, *args: Any, **kwargs: Any
    ) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            compiled.append(source)
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def refused(*args: Any, **kwargs: Any) -> None:
        compiled.append(args)
        raise AssertionError("eval or exec called")

    monkeypatch.setattr(builtins, "compile", watched_compile)
    monkeypatch.setattr(builtins, "eval", refused)
    monkeypatch.setattr(builtins, "exec", refused)


def test_valid_expressions_are_compiled_and_matched_without_python_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[object] = []
    guard_evaluation(monkeypatch, compiled)
    where = compile_filter('1e-4 < lr < 1e-3 and state in ("running",) and not -iter > 0', NAMES)
    assert where.matches(trial(), "accuracy", NOW)
    assert compiled == []


def test_overlong_input_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    monkeypatch.setattr(compiler, "_parsed", lambda *args: parsed.append("called"))
    with pytest.raises(FilterError, match="is 1000000 characters long; at most 500"):
        compile_filter("1" * 1_000_000, NAMES)
    with pytest.raises(FilterError, match="at most 500"):
        compile_filter("lr < 1 and " * 50 + "lr < 1", NAMES)
    assert parsed == []
    assert len("lr < 1 and " * 44 + "lr < 1") <= MAX_LENGTH


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 100 + "lr" + ")" * 100, f"brackets nested more than {MAX_DEPTH} deep"),
        ("[" * 40 + "1" + "]" * 40, f"brackets nested more than {MAX_DEPTH} deep"),
        ("(" * 240 + "1" + ")" * 240, "too many nested parentheses"),
        ("not " * 100 + "lr", f"the expression is nested more than {MAX_DEPTH} deep"),
        ("-" * 300 + "lr", f"the expression is nested more than {MAX_DEPTH} deep"),
    ],
)
def test_deep_nesting_is_refused(text: str, message: str) -> None:
    with pytest.raises(FilterError) as raised:
        compile_filter(text, NAMES)
    assert message in str(raised.value)


def test_nesting_up_to_the_limit_is_fine() -> None:
    text = "(" * MAX_DEPTH + "lr < 1" + ")" * MAX_DEPTH
    assert matches(text, trial())
    assert matches("not " * (MAX_DEPTH - 2) + "lr", trial())


def test_a_newline_or_leading_spaces_do_not_shift_the_columns() -> None:
    with pytest.raises(FilterError) as raised:
        compile_filter("  lr < 1 and\r\nlrr", NAMES)
    assert raised.value.column == 15  # "\r\n" counts as two columns, as typed
    assert matches("  lr < 1 and\n  batch_norm  ", trial())
