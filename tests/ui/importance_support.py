"""More finished trials for the recorded sweep, so that importance has enough to rest on."""

from __future__ import annotations

import random

from tests.ui.recorded import RecordedSweep, accuracy_at
from tuneterm.domain.status import EndReason


def add_finished_trials(sweep: RecordedSweep, count: int, *, seed: int = 1) -> None:
    """`count` more trials, each run to iteration 3 and completed; lr and batch_norm matter."""
    rng = random.Random(seed)
    first = len(sweep.trial_ids)
    for index in range(first, first + count):
        trial_id = f"a1b2c_{index:05d}"
        config: dict[str, object] = {
            "lr": round(10 ** rng.uniform(-4.5, -0.5), 8),
            "batch_size": rng.choice([32, 64, 128]),
            "batch_norm": rng.choice([True, False]),
        }
        sweep.start_trial(trial_id, config)
        for iteration in range(1, 4):
            sweep.report(trial_id, iteration, accuracy_at(config, iteration))
        sweep.end(trial_id, EndReason.COMPLETED, 3)
