"""Validation on its own: the built-ins' offer and the machine are handed in, nothing is read."""

import json
import subprocess
import sys
from typing import Any

import pytest

from tuneterm.domain.config.space import ValidationError
from tuneterm.domain.config.spec import TrainableCatalog, TrainableSpec
from tuneterm.domain.config.toml_text import parse_override, parse_value
from tuneterm.domain.config.validation import build_config, build_recorded_config

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
