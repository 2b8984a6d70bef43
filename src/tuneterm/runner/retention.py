"""Deleting superseded trial checkpoints once Ray's saved experiment state no longer names them.

Ray's own `CheckpointConfig(num_to_keep=1)` deletes the previous checkpoint the moment a new one is
registered, while the experiment state on storage, which `Tuner.restore` reads after the driver
dies, is copied there asynchronously and may still name the deleted one: the trial then fails to
restore ("does not exist on storage anymore"). So the driver lets Ray keep every checkpoint and
this callback deletes a superseded one once the experiment state on storage is newer than the
checkpoint that superseded it (by a safety margin for the copy in flight).
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from ray.tune import Callback

from tuneterm.domain.ray_result import STATE_GLOB
from tuneterm.runner.ray_trial import ENDED

logger = logging.getLogger(__name__)

COPY_MARGIN_S = 5.0
"""How much newer than the superseding checkpoint the saved state must be (copy in flight)."""

CHECK_INTERVAL_S = 1.0


class CheckpointPruner(Callback):
    """Keeps each trial's newest checkpoint and the ones the saved experiment state may need."""

    def __init__(self, experiment_path: Path) -> None:
        self._experiment_path = Path(experiment_path)
        self._newest: dict[str, str] = {}
        self._superseded: list[tuple[float, str, str]] = []
        """(when it was superseded, trial id, path), oldest first."""
        self._next_check = 0.0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_newest": {}, "_superseded": [], "_next_check": 0.0}

    def on_checkpoint(
        self, iteration: int, trials: list[Any], trial: Any, checkpoint: Any, **info: Any
    ) -> None:
        if getattr(checkpoint.filesystem, "type_name", "local") != "local":
            return
        previous = self._newest.get(trial.trial_id)
        self._newest[trial.trial_id] = checkpoint.path
        if previous is not None and previous != checkpoint.path:
            self._superseded.append((time.time(), trial.trial_id, previous))

    def on_step_end(self, iteration: int, trials: list[Any], **info: Any) -> None:
        now = time.monotonic()
        if now < self._next_check or not self._superseded:
            return
        self._next_check = now + CHECK_INTERVAL_S
        saved_at = state_saved_at(self._experiment_path)
        if saved_at is not None:
            self._delete(lambda superseded_at, trial_id: superseded_at + COPY_MARGIN_S < saved_at)

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        # Trials that ended are never restored from a checkpoint.
        ended = {t.trial_id for t in trials if t.status in ENDED}
        self._delete(lambda superseded_at, trial_id: trial_id in ended)

    def _delete(self, deletable: Any) -> None:
        kept = []
        for superseded_at, trial_id, path in self._superseded:
            if deletable(superseded_at, trial_id):
                shutil.rmtree(path, ignore_errors=True)
            else:
                kept.append((superseded_at, trial_id, path))
        self._superseded = kept


def state_saved_at(experiment_path: Path) -> float | None:
    """When Ray last wrote its experiment state to storage (mtime), None if it has not."""
    times = []
    for state in experiment_path.glob(STATE_GLOB):
        try:
            times.append(state.stat().st_mtime)
        except OSError:
            continue
    return max(times, default=None)
