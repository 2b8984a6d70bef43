"""Where an experiment's figures live: figures/ beside journal.md, each PNG written whole (a
temporary name, then a rename), and figures/figures.json, the manifest of the last drawing
(domain.figures.manifest), which the journal reads to link what exists and say what does not."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tuneterm.domain.events import EventKind
from tuneterm.domain.figures.manifest import (
    FigureManifest,
    manifest_json,
    read_manifest,
    with_problem,
)
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.journal_file import replace_atomically
from tuneterm.storage.store import Store

DIRECTORY = "figures"
MANIFEST = "figures.json"
LOG = "figures.log"
"""The figure process's own output (a traceback, should it crash)."""
LOCK = ".figures.lock"
"""Held by the process drawing: one drawing at a time, whoever started it."""
QUIET_KINDS = frozenset({EventKind.NOTE_ADDED, EventKind.VERDICT_RECORDED})
"""Events that change no figure: notes and verdicts."""
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-]+\.png$")


def figures_dir(expdir: ExperimentDir) -> Path:
    return expdir.path / DIRECTORY


def load_manifest(expdir: ExperimentDir) -> FigureManifest | None:
    """The last drawing's manifest; None when there is none or it cannot be read."""
    try:
        text = (figures_dir(expdir) / MANIFEST).read_text(encoding="utf-8")
        return read_manifest(json.loads(text))
    except (OSError, ValueError):
        return None


def save_manifest(expdir: ExperimentDir, manifest: FigureManifest) -> None:
    data = json.dumps(manifest_json(manifest), indent=1).encode("utf-8")
    replace_atomically(figures_dir(expdir) / MANIFEST, data)


def record_problem(expdir: ExperimentDir, problem: str, now: float) -> None:
    """Say in the manifest that the last drawing failed, keeping the figures drawn before."""
    figures_dir(expdir).mkdir(mode=0o700, exist_ok=True)
    save_manifest(expdir, with_problem(load_manifest(expdir), problem, now))


def shown_manifest(expdir: ExperimentDir) -> FigureManifest | None:
    """The manifest as the journal shows it: a figure whose file is missing is not linked."""
    manifest = load_manifest(expdir)
    if manifest is None:
        return None
    directory = figures_dir(expdir)
    figures = tuple(
        figure
        if figure.file is None or _present(directory, figure.file)
        else replace(figure, file=None, problem="its file is missing")
        for figure in manifest.figures
    )
    return replace(manifest, figures=figures)


def _present(directory: Path, name: str) -> bool:
    return bool(_FILE_NAME.match(name)) and (directory / name).is_file()


def figures_stale(expdir: ExperimentDir, store: Store) -> bool:
    """Whether the store holds news the figures do not show: events after the last drawing
    other than notes and verdicts (which change no figure), or no drawing that succeeded."""
    manifest = load_manifest(expdir)
    if manifest is None or manifest.problem is not None:
        return True
    quiet = sorted(QUIET_KINDS)
    rows = store.query(
        "SELECT 1 FROM events WHERE seq > ? AND kind NOT IN (?, ?) LIMIT 1",
        (manifest.seq, *quiet),
    )
    return bool(rows)


def relative_dir(expdir: ExperimentDir, journal: Path) -> str:
    """The figures' directory as a link from a journal written to `journal`."""
    target = figures_dir(expdir).resolve()
    relative = os.path.relpath(target, journal.expanduser().resolve().parent)
    return Path(relative).as_posix()


@contextlib.contextmanager
def drawing_lock(expdir: ExperimentDir, wait: float = 60.0) -> Iterator[bool]:
    """Hold the figures' lock, waiting up to `wait` seconds for another process's drawing to
    end (the data it read may be older than ours): yields whether it is held."""
    directory = figures_dir(expdir)
    directory.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield _locked(fd, time.monotonic() + wait)
    finally:
        os.close(fd)


def _locked(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
