"""Sweeps for the plot tests: the recorded sweep with its config (a search space), a wide one of
ten tuned hyperparameters, more than fit beside each other at 80 columns, and an awkward one: a
choice of thirty values and a hyperparameter some trials lack."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.recorded import T0, RecordedSweep
from tuneterm.domain.status import EndReason
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.search_space import SpaceScreen

WIDE_SPACE: dict[str, Any] = {
    "lr": {"loguniform": [1e-5, 1e-1]},
    "batch_size": {"choice": [32, 64, 128]},
    "batch_norm": {"choice": [True, False]},
    "optimizer": {"choice": ["adam", "sgd", "adamw"]},
    "dropout": {"uniform": [0.0, 0.5]},
    "weight_decay": {"loguniform": [1e-6, 1e-2]},
    "layers": {"randint": [1, 4]},
    "width": {"choice": [64, 128, 256]},
    "momentum": {"uniform": [0.8, 0.99]},
    "warmup": {"randint": [0, 10]},
}
"""Ten tuned hyperparameters: log-uniform, choices, uniform and narrow randints."""


def _wide_config(rng: random.Random) -> dict[str, object]:
    config: dict[str, object] = {}
    for name, spec in WIDE_SPACE.items():
        ((kind, values),) = spec.items()
        if kind == "loguniform":
            config[name] = round(10 ** rng.uniform(math.log10(values[0]), math.log10(values[1])), 8)
        elif kind == "uniform":
            config[name] = round(rng.uniform(*values), 4)
        elif kind == "randint":
            config[name] = rng.randint(*values)
        else:
            config[name] = rng.choice(values)
    return config


def _accuracy(config: dict[str, object], noise: float) -> float:
    lr = float(config["lr"])  # type: ignore[arg-type]
    quality = math.exp(-((math.log10(lr) + 3) ** 2) / 2) * (1.0 if config["batch_norm"] else 0.9)
    return round(0.1 + 0.85 * quality + noise, 4)


def record_wide_sweep(path: Path, trials: int = 24, seed: int = 1) -> RecordedSweep:
    """`trials` completed trials of three iterations over `WIDE_SPACE`, with its config.json."""
    path.mkdir(parents=True)
    meta = {
        "name": "wide",
        "metric": "accuracy",
        "mode": "max",
        "status": "created",
        "created_at": T0,
        "tuned": list(WIDE_SPACE),
    }
    sweep = RecordedSweep(path, Store.create(path / Store.FILENAME, meta))
    sweep.store.record_experiment_started(now=T0, address="local")
    sweep.event_count += 1
    rng = random.Random(seed)
    for index in range(trials):
        trial_id = f"w{index:03d}"
        config = _wide_config(rng)
        sweep.start_trial(trial_id, config)
        final = _accuracy(config, rng.uniform(0.0, 0.05))
        for iteration in (1, 2, 3):
            sweep.report(trial_id, iteration, round(final * iteration / 3, 4))
        sweep.end(trial_id, EndReason.COMPLETED, 3)
    config_json = {
        "experiment": {"name": "wide", "metric": "accuracy", "mode": "max", "num_samples": trials},
        "trainable": {"name": "mypkg.train:fit"},
        "search_space": WIDE_SPACE,
        "search": {"algorithm": "random", "seed": seed},
    }
    ExperimentDir(path).config_json.write_text(json.dumps(config_json))
    return sweep


OPTIMIZERS = ["adam", "sgd", *(f"opt_{index:02d}" for index in range(28))]
"""Thirty values of one choice: more than a colour each, more than fit in a heat grid's rows."""
EDGE_SPACE: dict[str, Any] = {
    "lr": {"loguniform": [1e-5, 1e-1]},
    "opt": {"choice": OPTIMIZERS},
    "extra": {"uniform": [0.0, 1.0]},
}


def record_edge_sweep(path: Path, trials: int = 30) -> RecordedSweep:
    """`trials` completed trials over `EDGE_SPACE`, with its config.json; every third trial
    lacks `extra` (trials 0, 3, 6, ...), and trial i has optimizer `OPTIMIZERS[i]`."""
    path.mkdir(parents=True)
    meta = {
        "name": "edge",
        "metric": "accuracy",
        "mode": "max",
        "status": "created",
        "created_at": T0,
        "tuned": list(EDGE_SPACE),
    }
    sweep = RecordedSweep(path, Store.create(path / Store.FILENAME, meta))
    sweep.store.record_experiment_started(now=T0, address="local")
    sweep.event_count += 1
    rng = random.Random(3)
    for index in range(trials):
        trial_id = f"e{index:03d}"
        config: dict[str, object] = {
            "lr": round(10 ** rng.uniform(-5, -1), 8),
            "opt": OPTIMIZERS[index % len(OPTIMIZERS)],
        }
        if index % 3:
            config["extra"] = round(rng.random(), 3)
        sweep.start_trial(trial_id, config)
        sweep.report(trial_id, 1, round(0.1 + 0.8 * rng.random(), 4))
        sweep.end(trial_id, EndReason.COMPLETED, 1)
    config_json = {
        "experiment": {"name": "edge", "metric": "accuracy", "mode": "max", "num_samples": trials},
        "trainable": {"name": "mypkg.train:fit"},
        "search_space": EDGE_SPACE,
        "search": {"algorithm": "random", "seed": 3},
    }
    ExperimentDir(path).config_json.write_text(json.dumps(config_json))
    return sweep


async def open_with_space(
    pilot: Pilot[object], app: TuneTermApp, sweep: RecordedSweep, *keys: str
) -> SpaceScreen:
    """Once the sweep is loaded, press `keys`; return the plot screen once its search space
    is read."""
    await wait_for_events(pilot, app, sweep.event_count)
    await pilot.press(*keys)
    await wait_until(pilot, lambda: isinstance(app.screen, SpaceScreen) and bool(app.screen.space))
    screen = app.screen
    assert isinstance(screen, SpaceScreen)
    return screen
