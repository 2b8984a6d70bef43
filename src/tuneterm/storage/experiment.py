"""Experiment directories: their layout, where they live, and the listing `tuneterm ls` shows."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tuneterm.domain.trial import better
from tuneterm.storage.liveness import effective_status
from tuneterm.storage.store import Store, StoreError

ROOT_ENV = "TUNETERM_ROOT"
"""Environment variable naming the directory that holds every experiment directory."""


def default_root() -> Path:
    """Where experiments go: $TUNETERM_ROOT, else ~/tuneterm-experiments."""
    configured = os.environ.get(ROOT_ENV)
    return Path(configured).expanduser() if configured else Path.home() / "tuneterm-experiments"


class RootError(OSError):
    """The experiments' root is not a directory, and cannot be made one."""


def root_problem(root: Path, creating: bool = False) -> str | None:
    """Why `root` cannot hold experiment directories (or, `creating`, take new ones); None if it
    can. A root that does not exist yet is fine where the directory above it could make it."""
    if root.is_dir():
        return None if not creating or _writable(root) else "is not writable"
    if os.path.lexists(root):
        return "is a file, not a directory" if root.exists() else "is a broken symbolic link"
    ancestor = next(parent for parent in root.parents if os.path.lexists(parent))
    if not ancestor.is_dir():
        return f"{ancestor} is a file, not a directory"
    if creating and not _writable(ancestor):
        return f"cannot be created: {ancestor} is not writable"
    return None


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def _check_root(root: Path, creating: bool) -> None:
    if (problem := root_problem(root, creating)) is not None:
        raise RootError(f"{root}: {problem}")


@dataclass(frozen=True)
class ExperimentDir:
    """The files of one experiment, all inside one directory readable by its owner only."""

    path: Path

    @property
    def config_toml(self) -> Path:
        """The config file as the user wrote it."""
        return self.path / "config.toml"

    @property
    def config_json(self) -> Path:
        """The validated config with every override applied: what the driver runs."""
        return self.path / "config.json"

    @property
    def store(self) -> Path:
        return self.path / Store.FILENAME

    @property
    def driver_log(self) -> Path:
        """The driver's stdout and stderr, Ray's own output included."""
        return self.path / "driver.log"

    @property
    def ray_storage(self) -> Path:
        """Ray Tune's storage_path: trial directories, checkpoints, experiment state."""
        return self.path / "ray"

    @property
    def journal(self) -> Path:
        return self.path / "journal.md"

    @classmethod
    def create(cls, root: Path, name: str, now: float | None = None) -> ExperimentDir:
        """Make a new, empty directory `root/<name>-<YYYYmmdd-HHMMSS>` (mode 0700); RootError if
        `root` cannot hold it."""
        _check_root(root, creating=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for attempt in range(1000):
            suffix = f"-{attempt}" if attempt else ""
            path = root / f"{name}-{stamp}{suffix}"
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                continue
            os.chmod(path, 0o700)
            return cls(path)
        raise FileExistsError(f"{root}: no free directory name for {name}")


@dataclass(frozen=True)
class ExperimentInfo:
    """One line of `tuneterm ls`."""

    path: Path
    name: str
    status: str
    trials: int
    metric: str
    best_metric: float | None
    started_at: float | None


def read_info(path: Path) -> ExperimentInfo:
    """Summarize one experiment directory from its store (raises StoreError)."""
    with Store.open(ExperimentDir(path).store) as store:
        meta = store.meta()
        trials = store.trials()
    mode = str(meta.get("mode", "max"))
    best: float | None = None
    for trial in trials:
        if trial.best_metric is not None and better(mode, trial.best_metric, best):
            best = trial.best_metric
    return ExperimentInfo(
        path=path,
        name=str(meta.get("name", path.name)),
        status=effective_status(meta),
        trials=len(trials),
        metric=str(meta.get("metric", "")),
        best_metric=best,
        started_at=meta.get("started_at", meta.get("created_at")),
    )


def list_experiments(root: Path) -> list[ExperimentInfo]:
    """Every experiment under `root`, oldest first; unreadable directories are skipped, and a
    root that does not exist yet holds none (RootError for one that cannot be a directory)."""
    _check_root(root, creating=False)
    if not root.is_dir():
        return []
    infos = []
    for child in sorted(root.iterdir()):
        if not (child / Store.FILENAME).is_file():
            continue
        try:
            infos.append(read_info(child))
        except (StoreError, OSError, ValueError):
            continue
    return sorted(infos, key=lambda info: info.started_at or 0.0)
