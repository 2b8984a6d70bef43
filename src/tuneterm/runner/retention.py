"""Deleting superseded trial checkpoints once Ray's saved experiment state no longer names them.

Ray's own `CheckpointConfig(num_to_keep=1)` deletes the previous checkpoint the moment a new one is
registered, while the experiment state on storage, which `Tuner.restore` reads after the driver
dies, is copied there asynchronously and may still name the deleted one: the trial then fails to
restore ("does not exist on storage anymore"). So the driver lets Ray keep every checkpoint and
this callback deletes a superseded one once the experiment state on storage is newer than the
checkpoint that superseded it (by a safety margin for the copy in flight). It works through the
checkpoint's own pyarrow file system: a local disk, a shared mount or an object store alike.

At the end of a sweep, an ended trial loses every checkpoint older than its newest reported one,
including checkpoints a driver that died never got to delete.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from typing import Any

from ray.tune import Callback

from tuneterm.runner.ray_trial import ENDED
from tuneterm.storage.ray_storage import saved_state_times

logger = logging.getLogger(__name__)

COPY_MARGIN_S = 5.0
"""How much newer than the superseding checkpoint the saved state must be (copy in flight)."""

CHECK_INTERVAL_S = 1.0
_CHECKPOINT = re.compile(r"checkpoint_(\d+)/?$")


class CheckpointPruner(Callback):
    """Keeps each trial's newest checkpoint and the ones the saved experiment state may need."""

    def __init__(self, sweep_location: str) -> None:
        self._sweep_location = str(sweep_location)
        self._newest: dict[str, str] = {}
        self._superseded: list[tuple[float, str, Any, str]] = []
        """(when it was superseded, trial id, file system, path), oldest first."""
        self._next_check = 0.0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_newest": {}, "_superseded": [], "_next_check": 0.0}

    def on_checkpoint(
        self, iteration: int, trials: list[Any], trial: Any, checkpoint: Any, **info: Any
    ) -> None:
        previous = self._newest.get(trial.trial_id)
        self._newest[trial.trial_id] = checkpoint.path
        if previous is not None and previous != checkpoint.path:
            entry = (time.time(), trial.trial_id, checkpoint.filesystem, previous)
            self._superseded.append(entry)

    def on_step_end(self, iteration: int, trials: list[Any], **info: Any) -> None:
        now = time.monotonic()
        if now < self._next_check or not self._superseded:
            return
        self._next_check = now + CHECK_INTERVAL_S
        saved_at = max(saved_state_times(self._sweep_location), default=None)
        if saved_at is not None:
            self._delete(lambda superseded_at, trial_id: superseded_at + COPY_MARGIN_S < saved_at)

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        # Trials that ended are never restored from a checkpoint.
        ended = [trial for trial in trials if trial.status in ENDED]
        ended_ids = {trial.trial_id for trial in ended}
        self._delete(lambda superseded_at, trial_id: trial_id in ended_ids)
        for trial in ended:
            drop_older_checkpoints(trial, self._newest.get(trial.trial_id))

    def _delete(self, deletable: Any) -> None:
        kept = []
        for superseded_at, trial_id, filesystem, path in self._superseded:
            if deletable(superseded_at, trial_id):
                _delete_dir(filesystem, path)
            else:
                kept.append((superseded_at, trial_id, filesystem, path))
        self._superseded = kept


def drop_older_checkpoints(trial: Any, newest: str | None) -> None:
    """Delete the `checkpoint_<n>` directories of an ended trial older than its newest reported
    checkpoint (`newest`, else the one Ray restored it with), which Ray's saved state names: left
    by a driver that died before deleting them. A newer directory, a save cut short, is kept."""
    try:
        filesystem = trial.storage.storage_filesystem
        trial_path = trial.storage.trial_fs_path
        keep = newest or trial.checkpoint.path
    except AttributeError:
        return
    kept = _number(keep)
    if kept is None:
        return
    for number, path in checkpoint_dirs(filesystem, trial_path):
        if number < kept:
            _delete_dir(filesystem, path)


def checkpoint_dirs(filesystem: Any, trial_path: str) -> list[tuple[int, str]]:
    """A trial's checkpoint directories, (number, path), oldest first."""
    from pyarrow import fs

    try:
        infos = filesystem.get_file_info(fs.FileSelector(trial_path, allow_not_found=True))
    except OSError:
        return []
    numbered = []
    for info in infos:
        number = _number(info.base_name)
        if number is not None and info.type == fs.FileType.Directory:
            numbered.append((number, info.path))
    return sorted(numbered)


def _number(path: str | None) -> int | None:
    match = _CHECKPOINT.search(path or "")
    return int(match.group(1)) if match else None


def _delete_dir(filesystem: Any, path: str) -> None:
    with contextlib.suppress(OSError):
        filesystem.delete_dir(path)
