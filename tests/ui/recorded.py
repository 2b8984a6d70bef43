"""Seeded sweeps written through the Store API, exactly as the driver writes them."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store

T0 = 1_700_000_000.0
FROZEN_NOW = T0 + 100.0
"""The frozen clock of every test: 100 s after the sweep started."""

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 42, in train\n'
    "    loss.backward()\n"
    "RuntimeError: CUDA out of memory [bold]not markup[/] \x1b[31mnot red\x1b[0m"
)


@dataclass
class RecordedSweep:
    """An experiment directory and what was written into it."""

    path: Path
    store: Store
    trial_ids: list[str] = field(default_factory=list)
    configs: dict[str, dict[str, object]] = field(default_factory=dict)
    event_count: int = 0
    clock: float = T0

    def tick(self) -> float:
        self.clock += 0.25
        return self.clock

    def start_trial(self, trial_id: str, config: dict[str, object]) -> None:
        self.store.record_trial_started(trial_id, config, now=self.tick())
        self.trial_ids.append(trial_id)
        self.configs[trial_id] = config
        self.event_count += 1

    def report(self, trial_id: str, iteration: int, accuracy: float) -> None:
        metrics = {
            "accuracy": accuracy,
            "val_loss": 2.3 * (1.0 - accuracy) + 0.05,
            "train_loss": 2.2 * (1.0 - accuracy) ** 1.2,
            "training_iteration": float(iteration),
            "time_this_iter_s": 1.5,
            "time_total_s": 1.5 * iteration,
        }
        assert self.store.record_result(trial_id, iteration, metrics, now=self.tick())
        self.event_count += 1

    def end(
        self, trial_id: str, reason: EndReason, iteration: int, error: str | None = None
    ) -> None:
        self.store.record_trial_ended(trial_id, reason, iteration, error=error, now=self.tick())
        self.event_count += 1


def accuracy_at(config: dict[str, object], iteration: int) -> float:
    """A plausible learning curve: best near lr=3e-3, batch norm helps."""
    lr = float(config["lr"])  # type: ignore[arg-type]
    quality = math.exp(-((math.log10(lr) + 2.5) ** 2)) * (1.0 if config["batch_norm"] else 0.85)
    return round(0.1 + 0.88 * quality * (1.0 - math.exp(-0.45 * iteration)), 4)


PLAN: list[tuple[EndReason | None, int]] = [
    (EndReason.COMPLETED, 9),
    (EndReason.SCHEDULER, 1),
    (EndReason.SCHEDULER, 3),
    (EndReason.COMPLETED, 9),
    (EndReason.ERROR, 2),
    (EndReason.SCHEDULER, 1),
    (None, 5),
    (EndReason.SCHEDULER, 3),
    (None, 4),
    (EndReason.USER, 2),
]
"""How each trial ends (None: still running) and at which iteration."""


def record_sweep(path: Path, *, name: str = "mnist-asha", seed: int = 0) -> RecordedSweep:
    path.mkdir(parents=True)
    store = Store.create(
        path / Store.FILENAME,
        {
            "name": name,
            "metric": "accuracy",
            "mode": "max",
            "status": "created",
            "created_at": T0,
            "tuned": ["lr", "batch_size", "batch_norm"],
        },
    )
    sweep = RecordedSweep(path, store)
    store.record_experiment_started(now=T0, address="local")
    sweep.event_count += 1
    rng = random.Random(seed)
    for index, (reason, last) in enumerate(PLAN):
        trial_id = f"a1b2c_{index:05d}"
        config = {
            "lr": round(10 ** rng.uniform(-4.5, -0.5), 8),
            "batch_size": rng.choice([32, 64, 128]),
            "batch_norm": rng.choice([True, False]),
        }
        sweep.start_trial(trial_id, config)
        for iteration in range(1, last + 1):
            sweep.report(trial_id, iteration, accuracy_at(config, iteration))
        if reason is not None:
            sweep.end(trial_id, reason, last, TRACEBACK if reason is EndReason.ERROR else None)
    return sweep
