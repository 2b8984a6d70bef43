"""The user's trainable, imported from the working directory; one line when that fails."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuneterm.storage.user_code import UserCodeError, import_trainable


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module in a fresh working directory, importable only through the cwd on sys.path."""
    name = f"user_code_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("def train(config):\n    pass\n\nNOT_CALLABLE = 3\n")
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
