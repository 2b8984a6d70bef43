"""The files plain Ray Tune writes, read defensively: which directories are experiments and trials,
a trial's reports and identity, and the metric and mode guessed from them.

Every reader here treats a missing or half-written file as empty: Ray may be writing it right now.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tuneterm.domain.ray_result import (
    ITERATION,
    NOT_METRICS,
    RAY_KEYS,
    STATE_GLOB,
    TIME_TOTAL,
    numeric_metrics,
)

PREFERRED_METRICS = ("accuracy", "mean_accuracy", "score", "loss", "val_loss")
"""The metric guessed for a sweep whose own choice is pickled away: the first one reported."""

_TRIAL_ID_IN_NAME = re.compile(r"_([0-9a-f]{5}_\d{5})(?:_|$)")

Report = tuple[int, float | None, dict[str, float]]
"""One result.json line: (training iteration, Ray's timestamp, numeric metrics)."""


def is_ray_experiment(path: Path) -> bool:
    """Whether `path` looks like one Ray Tune experiment directory."""
    if not path.is_dir():
        return False
    if any(path.glob(STATE_GLOB)) or (path / "tuner.pkl").is_file():
        return True
    return any(_is_trial_dir(child) for child in subdirectories(path))


def ray_experiments(path: Path) -> list[Path]:
    """`path` itself if it is a Ray Tune experiment, else the experiments directly inside it."""
    if is_ray_experiment(path):
        return [path]
    if not path.is_dir():
        return []
    return [child for child in subdirectories(path) if is_ray_experiment(child)]


def subdirectories(path: Path) -> list[Path]:
    """Subdirectories in name order (scandir: no stat per entry on most filesystems)."""
    try:
        with os.scandir(path) as entries:
            return sorted(Path(entry.path) for entry in entries if entry.is_dir())
    except OSError:
        return []


def _is_trial_dir(path: Path) -> bool:
    return (path / "params.json").is_file() or (path / "result.json").is_file()


def guess_metric(metrics: Mapping[str, float]) -> str:
    """The first of `PREFERRED_METRICS` in `metrics`, else its first non-Ray key, else ""."""
    for name in PREFERRED_METRICS:
        if name in metrics:
            return name
    return next((name for name in metrics if name not in RAY_KEYS), "")


def guess_mode(metric: str) -> str:
    """Mode "min" for losses and errors, else "max"."""
    lowered = metric.lower()
    return "min" if "loss" in lowered or "error" in lowered else "max"


def parse_report(line: bytes, skip: frozenset[str] = NOT_METRICS) -> Report | None:
    """(iteration, time, metrics) of one result.json line; None for a blank or broken line."""
    try:
        report = json.loads(line)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    iteration = report.get(ITERATION)
    time = report.get("timestamp")
    return (
        iteration if isinstance(iteration, int) and iteration >= 0 else 0,
        float(time) if isinstance(time, int | float) else None,
        numeric_metrics(report, skip=skip),
    )


def trial_id_from(path: Path) -> str:
    """Ray names trial directories `<trainable>_<trial_id>_<n>_<tag>_<date>`; else the name."""
    found = _TRIAL_ID_IN_NAME.search(path.name)
    if found:
        return found.group(1)
    trial_id = first_report(path / "result.json").get("trial_id")
    return str(trial_id) if trial_id else path.name


def first_start(path: Path) -> float:
    """When the first report says the trial started, else when params.json was written."""
    report = first_report(path / "result.json")
    stamp, total = report.get("timestamp"), report.get(TIME_TOTAL, 0.0)
    if isinstance(stamp, int | float) and isinstance(total, int | float):
        return float(stamp) - float(total)
    return file_mtime(path / "params.json")


def first_report(path: Path) -> dict[str, Any]:
    """The first complete JSON object of a result.json ({} if none yet)."""
    data = read_from(path, 0, 1 << 16)
    end = data.find(b"\n")
    try:
        report = json.loads(data[:end]) if end >= 0 else None
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def read_from(path: Path, offset: int, size: int | None) -> bytes:
    """At most `size` bytes (None: all) from `offset` on; b"" when unreadable."""
    try:
        with open(path, "rb") as file:
            file.seek(offset)
            return file.read(-1 if size is None else size)
    except OSError:
        return b""


def read_text(path: Path) -> str:
    """The file's text, undecodable bytes replaced; "" when unreadable."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def file_size(path: Path) -> int:
    """Its size in bytes; 0 when it is missing."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def file_mtime(path: Path) -> float:
    """When it was last modified; 0.0 when it is missing."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
