"""Finding an earlier experiment by what the user calls it: its name, or its directory.

A reference with a path separator, or starting with `~` or `.`, is a directory. Any other is a
name, looked up in the experiments' root: a directory of that name there, else the latest
experiment of that name (`[experiment] name`), else a directory of that name here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from tuneterm.domain.config.space import show
from tuneterm.storage.experiment import ExperimentDir, RootError, list_experiments


class ExperimentNotFound(LookupError):
    """No experiment answers to the reference (the message is one line)."""


def find_experiment(reference: str, root: Path) -> Path:
    """The absolute directory of the experiment `reference` names; ExperimentNotFound if none."""
    if _is_path(reference):
        return _experiment_directory(Path(os.path.expanduser(reference)))
    for candidate in _candidates(reference, root):
        if _is_experiment(candidate):
            return _absolute(candidate)
    raise ExperimentNotFound(
        f"no experiment named {show(reference)} in {root} (give its directory if it is elsewhere)"
    )


def _is_path(reference: str) -> bool:
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return reference.startswith(("~", ".")) or any(sep in reference for sep in separators)


def _candidates(name: str, root: Path) -> Iterator[Path]:
    """Where an experiment called `name` may be, in the order looked at (each read only if the
    one before is not it)."""
    yield root / name
    yield from _named(name, root)
    yield Path(name)


def _experiment_directory(path: Path) -> Path:
    if not path.exists():
        raise ExperimentNotFound(f"{path}: no such directory")
    if not _is_experiment(path):
        raise ExperimentNotFound(f"{path}: not a tuneterm experiment directory")
    return _absolute(path)


def _named(name: str, root: Path) -> list[Path]:
    """The experiments in `root` called `name`, latest first."""
    try:
        infos = list_experiments(root)
    except RootError as error:
        raise ExperimentNotFound(str(error)) from None
    return [info.path for info in reversed(infos) if info.name == name]


def _is_experiment(path: Path) -> bool:
    return ExperimentDir(path).store.is_file()


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))
