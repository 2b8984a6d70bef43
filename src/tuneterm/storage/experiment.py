"""Experiment directories: their layout, where they live, and whether their driver still runs."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneterm.domain.status import SweepStatus, shown_status
from tuneterm.domain.trial import better
from tuneterm.storage.store import Store, StoreError

ROOT_ENV = "TUNETERM_ROOT"
"""Environment variable naming the directory that holds every experiment directory."""


def default_root() -> Path:
    """Where experiments go: $TUNETERM_ROOT, else ~/tuneterm-experiments."""
    configured = os.environ.get(ROOT_ENV)
    return Path(configured).expanduser() if configured else Path.home() / "tuneterm-experiments"


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
        """Make a new, empty directory `root/<name>-<YYYYmmdd-HHMMSS>` (mode 0700)."""
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


def process_start_ticks(pid: int) -> int | None:
    """The start time of process `pid` in clock ticks since boot (Linux), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def process_alive(pid: int, start_ticks: int | None) -> bool:
    """Whether `pid` runs and is the same process (not a later one that reused the number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if _is_zombie(pid):
        return False
    return start_ticks is None or process_start_ticks(pid) in (None, start_ticks)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].startswith("Z")


def driver_identity() -> dict[str, Any]:
    """What a driver records about itself so that clients can tell if it still runs."""
    pid = os.getpid()
    return {
        "driver_pid": pid,
        "driver_start_ticks": process_start_ticks(pid),
        "driver_host": socket.gethostname(),
    }


def driver_alive(meta: Mapping[str, Any]) -> bool | None:
    """Whether the driver a store's meta names still runs; None before a driver recorded itself,
    or for a driver on another host (its process cannot be seen from here)."""
    pid = meta.get("driver_pid")
    if pid is None or meta.get("driver_host") not in (None, socket.gethostname()):
        return None
    return process_alive(int(pid), meta.get("driver_start_ticks"))


def effective_status(meta: Mapping[str, Any]) -> str:
    """The status a user should see: a driver that died without ending its sweep is 'crashed'."""
    return shown_status(str(meta.get("status", SweepStatus.CREATED)), driver_alive(meta))


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
    """Every experiment under `root`, oldest first; unreadable directories are skipped."""
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
