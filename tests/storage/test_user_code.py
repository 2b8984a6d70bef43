"""The user's trainable, imported from the working directory; one line when that fails."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuneterm.storage.user_code import UserCodeError, import_trainable

USER_CODE = """\
def train(config):
    pass

NOT_CALLABLE = 3

class Trainer:
    def __init__(self, config):
        pass

def no_argument():
    pass

def two_arguments(config, data):
    pass

def keyword_only(*, config):
    pass

def keywords(**config):
    pass

def extras_with_defaults(config, data=None, *rest, verbose=False, **options):
    pass

def variadic(*args):
    pass
"""
"""A user's module: one proper trainable, and what Ray could not call with the config alone."""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module in a fresh working directory, importable only through the cwd on sys.path."""
    name = f"user_code_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(USER_CODE)
    (tmp_path / f"{name}_broken.py").write_text("raise SystemExit('bad\\nthings')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    yield name
    for module in (name, f"{name}_broken"):
        sys.modules.pop(module, None)


def test_the_function_and_its_module_come_from_the_working_directory(
    tmp_path: Path, user_module: str
) -> None:
    module, function = import_trainable(f"{user_module}:train")
    assert (module.__name__, function) == (user_module, module.train)
    assert sys.path[0] == str(tmp_path)


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("missing", "module '{m}' has no attribute 'missing'"),
        ("NOT_CALLABLE", "'{m}:NOT_CALLABLE' is not callable (it is a int)"),
    ],
)
def test_what_the_entry_point_names_must_be_a_function(
    user_module: str, attribute: str, message: str
) -> None:
    with pytest.raises(UserCodeError) as caught:
        import_trainable(f"{user_module}:{attribute}")
    assert str(caught.value) == message.format(m=user_module)


def test_an_import_that_exits_is_reported_not_obeyed(user_module: str) -> None:
    with pytest.raises(UserCodeError) as caught:
        import_trainable(f"{user_module}_broken:train")
    assert str(caught.value) == f"cannot import '{user_module}_broken' (SystemExit: bad\nthings)"


SHAPE = "a trainable is a function of one argument, the config dict, as in def train(config)"


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("Trainer", "'{m}:Trainer' is a class: " + SHAPE),
        ("no_argument", "'{m}:no_argument' takes no positional argument: " + SHAPE),
        ("keyword_only", "'{m}:keyword_only' takes no positional argument: " + SHAPE),
        ("keywords", "'{m}:keywords' takes no positional argument: " + SHAPE),
        ("two_arguments", "'{m}:two_arguments' needs 2 arguments (config, data): " + SHAPE),
    ],
)
def test_what_ray_cannot_call_with_the_config_alone_is_refused(
    user_module: str, attribute: str, message: str
) -> None:
    with pytest.raises(UserCodeError) as caught:
        import_trainable(f"{user_module}:{attribute}")
    assert str(caught.value) == message.format(m=user_module)


@pytest.mark.parametrize(
    ("entry_point", "message"),
    [
        ("os:getcwd", "'os:getcwd' takes no positional argument: " + SHAPE),
        ("collections:OrderedDict", "'collections:OrderedDict' is a class: " + SHAPE),
        (
            "functools:reduce",
            "the parameters of 'functools:reduce' cannot be read (a built-in?): " + SHAPE,
        ),
    ],
)
def test_library_callables_that_are_no_trainable_are_refused(
    entry_point: str, message: str
) -> None:
    with pytest.raises(UserCodeError) as caught:
        import_trainable(entry_point)
    assert str(caught.value) == message


@pytest.mark.parametrize("attribute", ["extras_with_defaults", "variadic"])
def test_a_function_callable_with_the_config_alone_is_accepted(
    user_module: str, attribute: str
) -> None:
    module, function = import_trainable(f"{user_module}:{attribute}")
    assert function is getattr(module, attribute)
