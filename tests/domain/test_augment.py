"""[dataset] augment: the vocabulary, its amounts, and refusal where torchvision does not import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.test_config_validation import TINY, FakeWorkspace, data, error_of
from tuneterm.domain.config.augment import (
    AUGMENTATIONS,
    Augmentation,
    parse_augmentation,
    parse_augmentations,
)
from tuneterm.domain.config.spec import ConfigError
from tuneterm.domain.config.validation import build_config, build_recorded_config
from tuneterm.storage.config_file import load_config
from tuneterm.storage.optional_import import import_problem


class Workspace(FakeWorkspace):
    """The fake machine, where torchvision imports or fails with `problem`."""

    def __init__(self, problem: str | None = None) -> None:
        super().__init__()
        self.problem = problem

    def import_problem(self, module: str) -> str | None:
        self.asked.append(f"import {module}")
        return self.problem


def augmenting(*entries: object) -> dict[str, object]:
    return data(dataset={"name": "toy", "augment": list(entries)})


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("hflip", Augmentation("hflip")),
        ("vflip", Augmentation("vflip")),
        ("rotate:15", Augmentation("rotate", 15.0)),
        ("rotate:180", Augmentation("rotate", 180.0)),
        ("crop:4", Augmentation("crop", 4.0)),
        ("jitter:0.25", Augmentation("jitter", 0.25)),
        (" hflip ", Augmentation("hflip")),
    ],
)
def test_each_name_of_the_vocabulary_parses(entry: str, parsed: Augmentation) -> None:
    assert parse_augmentation(entry) == parsed


def test_the_vocabulary_is_the_documented_one() -> None:
    assert list(AUGMENTATIONS) == ["hflip", "vflip", "rotate", "crop", "jitter"]
    documented = (Path(__file__).parents[2] / "docs" / "config.md").read_text()
    for name in AUGMENTATIONS:
        assert f"`{name}" in documented


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "rotation:10",
            "unknown augmentation 'rotation:10' (did you mean 'rotate'?);"
            " use hflip, vflip, rotate:DEG, crop:PAD, jitter:AMOUNT",
        ),
        ("hflip:0.5", "hflip takes no amount (got 'hflip:0.5')"),
        ("rotate", "rotate needs an amount: rotate:DEG, the largest angle in degrees"),
        ("rotate:0", "'rotate:0' is out of range: rotate:DEG"),
        ("rotate:181", "'rotate:181' is out of range"),
        ("rotate:ten", "'rotate:ten' is out of range"),
        ("rotate:nan", "'rotate:nan' is out of range"),
        ("crop:2.5", "'crop:2.5' is out of range: crop:PAD, the pixels padded on each side"),
        ("crop:65", "'crop:65' is out of range"),
        ("jitter:1.5", "'jitter:1.5' is out of range: jitter:AMOUNT"),
    ],
)
def test_a_bad_entry_says_what_is_wrong_on_one_line(entry: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_augmentation(entry)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_name_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="rotate is listed twice"):
        parse_augmentations(["rotate:10", "hflip", "rotate:20"])


def test_a_config_with_augmentation_is_accepted_where_torchvision_imports() -> None:
    workspace = Workspace()
    config = build_config(augmenting(" hflip", "rotate:15"), TINY, workspace)
    assert config.dataset.augment == ("hflip", "rotate:15")
    assert "import torchvision" in workspace.asked


def test_without_augmentation_torchvision_is_not_tried() -> None:
    workspace = Workspace(problem="ModuleNotFoundError: No module named 'torchvision'")
    assert build_config(data(), TINY, workspace).dataset.augment is None
    assert build_config(augmenting(), TINY, workspace).dataset.augment == ()
    assert not any(asked.startswith("import") for asked in workspace.asked)


def test_augmentation_is_refused_with_the_reason_where_torchvision_does_not_import() -> None:
    problem = "RuntimeError: operator torchvision::nms does not exist"
    error = error_of(augmenting("hflip"), Workspace(problem=problem))
    assert error.key == "dataset.augment"
    assert error.message == (
        "augmentation needs torchvision, which does not import here (RuntimeError: operator"
        " torchvision::nms does not exist); remove dataset.augment to train on the images as"
        " they are"
    )


def test_the_vocabulary_is_checked_before_torchvision_and_names_the_entry() -> None:
    workspace = Workspace(problem="ModuleNotFoundError: No module named 'torchvision'")
    error = error_of(augmenting("hflip", "hflip"), workspace)
    assert (error.key, error.message) == ("dataset.augment[1]", "hflip is listed twice")
    error = error_of(augmenting("hflip", "rotate:15", "zoom:2"), workspace)
    assert error.key == "dataset.augment[2]"
    assert error.message.startswith("unknown augmentation 'zoom:2';")
    assert not any(asked.startswith("import") for asked in workspace.asked)


def test_augment_must_be_an_array_of_strings() -> None:
    error = error_of(data(dataset={"name": "toy", "augment": "hflip"}))
    assert (error.key, error.message) == (
        "dataset.augment",
        "expected an array of strings, got string 'hflip'",
    )


def test_augmentation_round_trips_through_the_recorded_config() -> None:
    config = build_config(augmenting("vflip", "jitter:0.2"), TINY, Workspace())
    recorded = config.to_dict()
    assert recorded["dataset"]["augment"] == ["vflip", "jitter:0.2"]
    assert build_recorded_config(recorded) == config
    assert "augment" not in build_config(data(), TINY, Workspace()).to_dict()["dataset"]


# Through a file, on this machine -------------------------------------------------------------

CONFIG = """\
[experiment]
name = "aug"
metric = "accuracy"
mode = "max"

[dataset]
name = "synthetic"
augment = ["hflip", "rotat:15"]
"""


def test_a_file_with_an_unknown_augmentation_names_file_line_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "aug.toml"
    path.write_text(CONFIG)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (
        f"{path}:8: dataset.augment[1]: unknown augmentation 'rotat:15' (did you mean"
        " 'rotate'?); use hflip, vflip, rotate:DEG, crop:PAD, jitter:AMOUNT"
    )


def test_a_file_with_augmentation_loads_or_is_refused_as_torchvision_imports_here(
    tmp_path: Path,
) -> None:
    path = tmp_path / "aug.toml"
    path.write_text(CONFIG.replace("rotat:15", "rotate:15"))
    problem = import_problem("torchvision")
    if problem is None:
        assert load_config(path).dataset.augment == ("hflip", "rotate:15")
        return
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (
        f"{path}:8: dataset.augment: augmentation needs torchvision, which does not import here"
        f" ({problem}); remove dataset.augment to train on the images as they are"
    )


def test_the_import_is_really_tried_in_a_child_process() -> None:
    assert import_problem("json") is None
    assert import_problem("tuneterm_no_such_module") == (
        "ModuleNotFoundError: No module named 'tuneterm_no_such_module'"
    )
    assert import_problem("os; print(1)") == "'os; print(1)' is not a module name"
