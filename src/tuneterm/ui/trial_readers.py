"""`TrialReaders`: what the dashboard reads about trials besides their events: where their output
is, and their resource samples. Each call goes to the app's source under its lock (the feed's
thread reads the source too) and may wait on the database: call them from worker threads only."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tuneterm.domain.resources import ResourceSample
from tuneterm.storage.sources.protocol import EventSource


@dataclass(frozen=True)
class TrialReaders:
    source: EventSource
    lock: threading.Lock

    def output_paths(self, trial_id: str) -> tuple[Path, Path] | None:
        with self.lock:
            return self.source.output_paths(trial_id)

    def resource_samples(self, trial_id: str, since: float | None) -> list[ResourceSample]:
        with self.lock:
            return self.source.resource_samples(trial_id, since)

    def latest_samples(self, trial_ids: Iterable[str]) -> dict[str, ResourceSample]:
        with self.lock:
            return self.source.latest_resource_samples(list(trial_ids))
