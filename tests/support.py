"""Helpers shared by the tests that run tuneterm's command line against real sweeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tuneterm.storage.experiment import ExperimentDir


def tuneterm(
    *args: str, cwd: Path, root: Path, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run `python -m tuneterm ARGS` with experiments under `root`."""
    env = {**os.environ, "TUNETERM_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "tuneterm", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def only_experiment(root: Path) -> ExperimentDir:
    [path] = [p for p in root.iterdir() if p.is_dir()]
    return ExperimentDir(path)


def ray_results(expdir: ExperimentDir) -> dict[str, list[dict[str, float]]]:
    """trial_id -> its results, from Ray's own result.json files."""
    by_trial = {}
    for result_file in expdir.ray_storage.glob("sweep/*/result.json"):
        rows = [json.loads(line) for line in result_file.read_text().splitlines() if line]
        if rows:
            by_trial[rows[0]["trial_id"]] = rows
    return by_trial


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout} s")
