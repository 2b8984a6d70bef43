"""The driver's side of the trial output files: append each batch, then record it in `order`.

Layout and readers: `trial_output` and `output_merge`. A batch's bytes are written (and flushed)
before its record, so a reader that sees a record can read its range.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from tuneterm.storage.output_merge import format_record
from tuneterm.storage.trial_output import ORDER, STDERR, STDOUT, trial_logs_dir

MAX_OPEN_TRIALS = 64
"""Trials whose files stay open between batches; more are closed and opened again as needed."""


class OutputWriter:
    """Appends trials' output batches to their files under one experiment directory."""

    def __init__(self, experiment_dir: Path) -> None:
        self.experiment_dir = experiment_dir
        self._open: dict[str, dict[str, BinaryIO]] = {}

    def write(self, trial_id: str, stream: str, data: bytes, time: float) -> None:
        """Append one batch of `stream` (STDOUT or STDERR) of a trial, flushed, then record it."""
        if stream not in (STDOUT, STDERR) or not data:
            return
        files = self._files(trial_id)
        out = files[stream]
        out.write(data)
        out.flush()
        order = files[ORDER]
        order.write(format_record(stream, out.tell(), time))
        order.flush()

    def close_trial(self, trial_id: str) -> None:
        """Close a trial's files (it ended; a later batch opens them again)."""
        for file in self._open.pop(trial_id, {}).values():
            file.close()

    def close(self) -> None:
        for trial_id in list(self._open):
            self.close_trial(trial_id)

    def _files(self, trial_id: str) -> dict[str, BinaryIO]:
        files = self._open.get(trial_id)
        if files is None:
            if len(self._open) >= MAX_OPEN_TRIALS:
                self.close()
            folder = trial_logs_dir(self.experiment_dir, trial_id)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            files = {name: _append(folder / name) for name in (STDOUT, STDERR, ORDER)}
            self._open[trial_id] = files
        return files


def _append(path: Path) -> BinaryIO:
    """`path` opened for appending, readable by its owner only (like the experiment directory)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    return os.fdopen(descriptor, "ab")
