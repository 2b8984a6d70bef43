"""Ray Tune's `experiment_state-<ts>.json`: what its newest copy says of the sweep and its trials.

The format is Ray-internal, so it is read defensively: whatever is missing or odd is left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneterm.domain.ray_result import STATE_GLOB
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.sources.raydir_files import file_mtime

_UNFINISHED = frozenset({"RUNNING", "PENDING"})
_RETRYABLE = _UNFINISHED | {"PAUSED"}


@dataclass
class TrialState:
    """What the newest experiment state file says about one trial."""

    trial_id: str | None
    status: str
    """Ray's own trial status: PENDING, RUNNING, PAUSED, TERMINATED or ERROR."""
    start_time: float | None
    last_iteration: int = 0
    """The iteration of its last result, as the state file says."""


@dataclass
class ExperimentState:
    """The parts of Ray's experiment state file a monitor needs."""

    trials: dict[str, TrialState] = field(default_factory=dict)
    """By trial directory name (Ray's `relative_logdir`)."""
    metric: str | None = None
    start_time: float | None = None
    mtime: float = 0.0

    @property
    def finished(self) -> bool:
        return bool(self.trials) and all(t.status not in _UNFINISHED for t in self.trials.values())

    @property
    def longest(self) -> int:
        """The most iterations any trial reached, as far as the state file says."""
        return max((trial.last_iteration for trial in self.trials.values()), default=0)

    @property
    def status(self) -> SweepStatus:
        """FINISHED once every known trial is decided, else RUNNING."""
        return SweepStatus.FINISHED if self.finished else SweepStatus.RUNNING


def read_experiment_state(text: str, mtime: float = 0.0) -> ExperimentState:
    """Parse one `experiment_state-*.json`; whatever is missing or odd is left out."""
    data = json.loads(text)
    state = ExperimentState(mtime=mtime)
    if not isinstance(data, dict):
        return state
    runner = _mapping(data.get("runner_data"))
    metric = runner.get("_metric")
    state.metric = metric if isinstance(metric, str) and metric else None
    start = _mapping(data.get("stats")).get("start_time", runner.get("_start_time"))
    state.start_time = float(start) if isinstance(start, int | float) else None
    items = data.get("trial_data")
    for item in items if isinstance(items, list) else []:
        trial, runtime = _trial_item(item)
        logdir = trial.get("relative_logdir")
        if isinstance(logdir, str):
            state.trials[Path(logdir).name] = _trial_state(trial, runtime)
    return state


def _trial_state(trial: Mapping[str, Any], runtime: Mapping[str, Any]) -> TrialState:
    start_time = runtime.get("start_time")
    iteration = _mapping(runtime.get("last_result")).get("training_iteration")
    return TrialState(
        trial_id=str(trial["trial_id"]) if "trial_id" in trial else None,
        status=str(trial.get("status", "")),
        start_time=float(start_time) if isinstance(start_time, int | float) else None,
        last_iteration=iteration if type(iteration) is int else 0,
    )


def _trial_item(item: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """One entry of `trial_data`: [trial JSON, runtime metadata JSON] in Ray 2.x."""
    parts = list(item) if isinstance(item, list | tuple) else [item]
    decoded = [_mapping(_decoded(part)) for part in parts[:2]]
    return decoded[0] if decoded else {}, decoded[1] if len(decoded) > 1 else {}


def _decoded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def newest_state_file(path: Path) -> tuple[Path, os.stat_result] | None:
    """The experiment's newest state file with its stat; None when there is none."""
    found = []
    for candidate in path.glob(STATE_GLOB):
        try:
            found.append((candidate.stat().st_mtime_ns, candidate.name, candidate))
        except OSError:
            continue
    if not found:
        return None
    newest = max(found)[2]
    try:
        return newest, newest.stat()
    except OSError:
        return None


def trial_end(status: str | None, error_txt: Path, state_mtime: float) -> EndReason | None:
    """How the files say a trial ended; None while it runs (or is about to run again).

    `status` is Ray's, from a state file written at `state_mtime`; `error_txt` is the trial's.
    """
    if status == "TERMINATED":
        return EndReason.COMPLETED
    if status == "ERROR":
        return EndReason.ERROR
    error_mtime = file_mtime(error_txt)
    if not error_mtime:
        return None
    # error.txt with the state saying RUNNING: a retry if the state is the newer file, else a
    # state written before the failure (or by a driver that died).
    return None if status in _RETRYABLE and state_mtime >= error_mtime else EndReason.ERROR
