"""Validation on its own: the built-ins' offer and the machine are handed in, nothing is read."""

import json
import math
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from tuneterm.domain.config.limits import LONGEST_NAME, MOST_TRIALS_UNBUDGETED, SEED_LIMIT
from tuneterm.domain.config.space import ValidationError, show
from tuneterm.domain.config.spec import SECTIONS, TrainableCatalog, TrainableSpec
from tuneterm.domain.config.toml_error import explain_toml_error
from tuneterm.domain.config.toml_text import locate_key, parse_override, parse_value
from tuneterm.domain.config.validation import build_config, build_recorded_config
from tuneterm.domain.text import printable

TINY = TrainableCatalog(
    hyperparameters={"tiny": {"lr": 0.1, "optimizer": "sgd"}},
    metrics=("loss", "score"),
    lower_is_better=("loss",),
    optimizers=("sgd",),
    datasets=("toy", "folder"),
    on_disk=("folder",),
)
"""A catalog unlike the shipped one, so that a test passing shows validation reads only this."""


class FakeWorkspace:
    """A machine where one entry point imports, one directory exists, and every call is noted."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def absolute(self, path: str) -> str:
        return f"/abs/{path}"

    def directory_problem(self, path: str) -> str | None:
        self.asked.append(path)
        return None if path == "/abs/data" else f"{path} does not exist"

    def entry_point_problem(self, entry_point: str) -> str | None:
        self.asked.append(entry_point)
        return None if entry_point == "pkg.mod:train" else "cannot import 'pkg' (nope)"


def data(**sections: dict[str, Any]) -> dict[str, Any]:
    experiment = {"name": "t", "metric": "loss", "mode": "min"}
    defaults = {"trainable": {"name": "tiny"}, "dataset": {"name": "toy"}}
    return {"experiment": experiment, **defaults, **sections}


def error_of(
    config_data: dict[str, Any], workspace: FakeWorkspace | None = None
) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build_config(config_data, TINY, workspace or FakeWorkspace())
    return caught.value


def test_the_catalog_decides_trainables_metrics_and_optimizers() -> None:
    space = {"lr": {"uniform": [0.01, 0.1]}, "optimizer": {"choice": ["sgd"]}}
    config = build_config(data(search_space=space), TINY, FakeWorkspace())
    assert (config.trainable.name, config.tuned_names) == ("tiny", ("lr", "optimizer"))
    unknown = error_of(data(trainable={"name": "cnn"}))
    assert (unknown.key, unknown.message) == (
        "trainable.name",
        "unknown trainable 'cnn': use tiny or package.module:function",
    )
    assert error_of(data(dataset={"name": "digits"})).message.endswith("use one of toy, folder")
    optimizer = error_of(data(search_space={"optimizer": {"choice": ["adam"]}}))
    assert optimizer.message == "optimizer 'adam' is not one of sgd"
    mode = error_of({**data(), "experiment": {"name": "t", "metric": "loss", "mode": "max"}})
    assert (mode.key, mode.message) == (
        "experiment.mode",
        'loss is better when lower: use mode = "min"',
    )


def test_the_workspace_answers_for_user_code_and_directories() -> None:
    workspace = FakeWorkspace()
    config = build_config(
        data(trainable={"name": "pkg.mod:train"}, dataset={"name": "folder", "root": "data"}),
        TINY,
        workspace,
    )
    assert config.dataset.root == "/abs/data"
    assert workspace.asked == ["pkg.mod:train", "/abs/data"]
    broken = error_of(data(trainable={"name": "pkg.other:train"}))
    assert (broken.key, broken.message) == ("trainable.name", "cannot import 'pkg' (nope)")
    missing = error_of(data(dataset={"name": "folder", "root": "elsewhere"}))
    assert (missing.key, missing.message) == ("dataset.root", "/abs/elsewhere does not exist")


def test_a_recorded_config_asks_nothing_of_the_machine() -> None:
    recorded = data(trainable={"name": "gone.module:train"}, dataset={"name": "folder"})
    config = build_recorded_config(json.loads(json.dumps(recorded)))
    assert (config.trainable.name, config.dataset.root) == ("gone.module:train", None)
    with pytest.raises(ValidationError, match="expected a JSON object, got an array"):
        build_recorded_config([])


def test_a_trainable_is_builtin_unless_it_names_an_entry_point() -> None:
    assert TrainableSpec("cnn").is_builtin
    assert not TrainableSpec("pkg.mod:train").is_builtin


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1e-3", 1e-3),
        (" true ", True),
        ('"adam"', "adam"),
        ("adam", "adam"),
        ("[1, 2]", [1, 2]),
        ("1\nother = 2", "1\nother = 2"),
        ("", ""),
    ],
)
def test_one_toml_value_or_the_text(typed: str, value: Any) -> None:
    assert parse_value(typed) == value
    if typed.strip():
        assert parse_override(f"k={typed}") == ("k", value)


def test_the_config_domain_reads_nothing_itself() -> None:
    code = (
        "import sys\n"
        "import tuneterm.domain.config.validation, tuneterm.domain.config.toml_text\n"
        "print([m for m in sys.modules if m.startswith(('tuneterm.storage', 'tuneterm.trainables'))"
        " or m in ('torch', 'numpy')])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


# Limits that Ray, the searchers and the file system would enforce only once the sweep started --


def experiment(**keys: Any) -> dict[str, Any]:
    return data(experiment={"name": "t", "metric": "loss", "mode": "min", **keys})


@pytest.mark.parametrize(
    ("config_data", "key", "message"),
    [
        (
            experiment(name="n" * (LONGEST_NAME + 1)),
            "experiment.name",
            f"is {LONGEST_NAME + 1} characters long: use at most {LONGEST_NAME}, so that the"
            " experiment's directory (the name, then -YYYYMMDD-HHMMSS) fits the file system's"
            " 255 bytes",
        ),
        (
            experiment(name="t\n"),
            "experiment.name",
            "'t\\n' may use only ASCII letters, digits, - _ . (it names a directory)",
        ),
        (experiment(seed=-1), "experiment.seed", "(got -1)"),
        (experiment(seed=SEED_LIMIT), "experiment.seed", f"(got {SEED_LIMIT})"),
        ({**experiment(), "search": {"seed": 2**40}}, "search.seed", f"(got {2**40})"),
        (
            {
                **experiment(),
                "trainable": {"name": "pkg.mod:train"},
                "search_space": {"seed": {"choice": [1, -2]}},
            },
            "search_space.seed",
            "(got -2)",
        ),
        (experiment(num_samples=2**63), "experiment.num_samples", "beyond TOML's 64-bit"),
        (
            experiment(max_concurrent_trials=-(2**63) - 1),
            "experiment.max_concurrent_trials",
            "-9223372036854775809 is beyond",
        ),
        (
            {**experiment(), "hypotheses": [{"expected": 2**64}]},
            "hypotheses[0].expected",
            "18446744073709551616 is beyond TOML's 64-bit integers",
        ),
        (
            experiment(num_samples=2**20000),
            "experiment.num_samples",
            "an integer of about 6021 digits is beyond",
        ),
        (experiment(time_budget_s=math.inf), "experiment.time_budget_s", "(got inf)"),
        (experiment(time_budget_s=-5), "experiment.time_budget_s", "more than 0 seconds (got -5)"),
        (
            {**experiment(), "resources": {"cpu": -math.inf}},
            "resources.cpu",
            "must be a finite number (got -inf)",
        ),
        (
            {**experiment(), "dataset": {"name": "toy", "val_fraction": math.nan}},
            "dataset.val_fraction",
            "must be a finite number (got nan)",
        ),
        (
            experiment(num_samples=MOST_TRIALS_UNBUDGETED + 1),
            "experiment.num_samples",
            f"{MOST_TRIALS_UNBUDGETED + 1} trials would keep the sweep going for days",
        ),
        (
            {
                **experiment(num_samples=50_001),
                "search_space": {"lr": {"grid": [0.01, 0.1]}},
                "search": {"algorithm": "grid"},
            },
            "experiment.num_samples",
            "50001 samples x 2 grid points = 100002 trials",
        ),
    ],
)
def test_what_would_fail_after_the_start_is_refused_first(
    config_data: dict[str, Any], key: str, message: str
) -> None:
    error = error_of(config_data)
    assert error.key == key
    assert message in error.message


def test_the_limits_themselves_are_accepted() -> None:
    config = build_config(
        experiment(
            name="n" * LONGEST_NAME,
            seed=SEED_LIMIT - 1,
            num_samples=MOST_TRIALS_UNBUDGETED,
            max_concurrent_trials=2**63 - 1,
        ),
        TINY,
        FakeWorkspace(),
    )
    assert (config.experiment.seed, config.experiment.num_samples) == (2**32 - 1, 100_000)
    budgeted = experiment(num_samples=10**9, time_budget_s=3600)
    assert build_config(budgeted, TINY, FakeWorkspace()).experiment.time_budget_s == 3600.0


def test_integers_are_quoted_as_written_and_kept_as_floats() -> None:
    negative = error_of({**experiment(), "resources": {"gpu": -1}})
    assert negative.message == "must not be negative (got -1)"
    assert error_of({**experiment(), "resources": {"gpu": -1.0}}).message.endswith("(got -1.0)")
    whole = {**experiment(), "resources": {"cpu": 2, "gpu": 1}}
    config = build_config(whole, TINY, FakeWorkspace())
    assert [type(amount) for amount in (config.resources.cpu, config.resources.gpu)] == [
        float,
        float,
    ]
    assert type(config.scheduler.reduction_factor) is float


@pytest.mark.parametrize(
    ("table", "key", "hint"),
    [
        (experiment(sed=1), "experiment.sed", " (did you mean 'seed'?)"),
        (
            experiment(qqq=1),
            "experiment.qqq",
            "; the keys of [experiment] are name, metric, mode, num_samples,"
            " max_concurrent_trials, seed, time_budget_s, metrics, compare_with",
        ),
        (
            {"qqq": {}},
            "qqq",
            f"; the tables are {', '.join(SECTIONS)}",
        ),
        (
            {**experiment(), "search_space": {"lr": {"zzz": [1]}}},
            "search_space.lr",
            "; the distributions are choice, grid, uniform, loguniform, quniform, randint",
        ),
        (
            {**experiment(), "search_space": {"qqq": 1}},
            "search_space.qqq",
            "; the hyperparameters of 'tiny' are lr, optimizer",
        ),
    ],
)
def test_an_unknown_name_gets_the_closest_valid_one_or_all_of_them(
    table: dict[str, Any], key: str, hint: str
) -> None:
    error = error_of(table)
    assert error.key == key
    assert error.message.endswith(hint)


def test_keys_and_values_are_quoted_printable() -> None:
    error = error_of(experiment(name="run\u202e\x1b[31m"))
    assert error.message.startswith("'run\\u202e\\x1b[31m' may use only ASCII letters")
    assert show("x" * 200) == f"'{'x' * 60}…' (200 characters)"
    assert show([1, "a\tb", True, 2.5]) == "[1, 'a\\tb', true, 2.5]"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("abc\u202edef", "abc\\u202edef"),
        *(
            (chr(code), f"\\u{code:04x}")
            for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C)
        ),
        ("\x00\x07\x7f\x85\x9f", "\\x00\\x07\\x7f\\x85\\x9f"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("lone \ud800", "lone \\ud800"),
        ("实验-α é ✓", "实验-α é ✓"),
        ("a\tb\nc\r", "a\tb\nc\\r"),
    ],
)
def test_printable_escapes_every_control_invisible_and_bidirectional_character(
    text: str, escaped: str
) -> None:
    assert printable(text) == escaped
    assert printable(escaped) == escaped


def test_printable_on_one_line_escapes_tabs_and_newlines_too() -> None:
    assert printable("a\tb\nc\u2028d", escape_layout=True) == "a\\tb\\nc\\u2028d"


# tomllib's errors, in plain words ----------------------------------------------------------------


INVALID_VALUE = (
    'missing or invalid value: quote text ("adam"); numbers, true, false, [arrays] and'
    " { inline tables } are written bare"
)


def toml_error_of(text: str) -> tuple[int | None, str]:
    try:
        tomllib.loads(text)
    except ValueError as error:
        return explain_toml_error(text, str(error))
    raise AssertionError("the text is valid TOML")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('a = 1\nb = "open\nc = 2\n', 2, "unterminated string: close the quote on this line"),
        ("a = 1\nb = 'open\n", 2, "unterminated string: close the quote on this line"),
        (
            'a = 1\nb = """open\n\nc = 2\n',
            2,
            'unterminated string: the """ opened at line 2 is never closed',
        ),
        ("a = { b = 1, }\n", 1, "trailing comma in an inline table: remove the ',' before '}'"),
        ("a = { b = 1,\n  c = 2 }\n", 1, "an inline table { ... } must be on one line"),
        ("a = { b = 1\nc = 2\n", 1, "an inline table { ... } must be on one line"),
        ("[t]\na = 1\n[t]\nb = 2\n", 3, "a table [t] appears twice (first at line 1): merge them"),
        ("[t.u]\n[t.u]\n", 2, "a table [t.u] appears twice (first at line 1)"),
        ("a = [1, 2,\n\n[t]\nb = 1\n", 1, "unclosed array: the '[' opened at line 1 has no ']'"),
        ("x = 1\na = [\n  1,\n  2,\n", 2, "unclosed array: the '[' opened at line 2 has no ']'"),
        ("a = [1, { b = 2 ]\n", 1, "an inline table { ... } must be on one line"),
        ("a = { b = [1, 2 }\n", 1, "unclosed array: the '[' opened at line 1 has no ']'"),
        ("a = 1\na = 2\n", 2, "key 'a' is set twice in the same table: keep one"),
        ("a = [\n  1,\n]\na = [\n  2,\n]\n", 4, "key 'a' is set twice in the same table: keep one"),
        ("a = nope\n", 1, 'missing or invalid value: quote text ("adam")'),
        ("a = 1 b = 2\n", 1, "unexpected text after the value: write one key = value per line"),
        ("[t\n", 1, "the [table] header has no closing ']'"),
        ("a 1\n", 1, "expected '=' after the key: write key = value"),
        ('a = "C:\\path"\n', 1, 'a backslash in a "..." string starts an escape'),
        ('a = "x\x01y"\n', 1, "character \\u0001 is not allowed here: in a string, write it as"),
        ("a = 1\nb = " + "9" * 5000 + "\n", 2, "an integer of more than 4300 digits: TOML"),
    ],
)
def test_toml_errors_in_plain_words_on_the_line_of_the_mistake(
    text: str, line: int, message: str
) -> None:
    found_line, found = toml_error_of(text)
    assert (found_line, found[: len(message)]) == (line, message)


def test_an_error_at_the_end_of_the_file_is_on_its_last_written_line() -> None:
    line, message = toml_error_of("a = 1\nb = \t")
    assert (line, message) == (2, f"{INVALID_VALUE} at the end of the file")
    line, message = toml_error_of("a = 1\nb = [\n\n\n")
    assert (line, message) == (2, "unclosed array: the '[' opened at line 2 has no ']'")
    assert toml_error_of("a = 1\nb = 2 3\n\n\n") == (
        2,
        "unexpected text after the value: write one key = value per line (column 7)",
    )


def test_keys_are_located_through_toml_escapes() -> None:
    assert locate_key('[experiment]\n"seed\\u202e" = 1\n', "experiment.seed\u202e") == 2
    assert locate_key("a = 1\f\nb = 2\u2028\nc = 3\n", "c") == 3
