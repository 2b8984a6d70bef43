"""A small, finished experiment with known numbers, built through the Store API, for the journal
tests: every figure the journal shows can be computed by hand from the tables below."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

T0 = 1_700_000_000.0
"""2023-11-14 22:13:20 UTC: the sweep's start."""

CONFIG: dict[str, Any] = {
    "experiment": {"name": "demo", "metric": "accuracy", "mode": "max", "num_samples": 2},
    "trainable": {"name": "mlp", "epochs": 4},
    "dataset": {"name": "digits"},
    "search_space": {
        "batch_norm": {"grid": [True, False]},
        "lr": {"loguniform": [1e-4, 1e-1]},
        "optimizer": "adam",
    },
    "search": {"algorithm": "random", "seed": 0},
    "scheduler": {"name": "asha", "max_t": 4, "grace_period": 1, "reduction_factor": 2},
    "resources": {"cpu": 1},
    "hypotheses": [
        {
            "id": "H1",
            "statement": "Batch normalisation improves accuracy",
            "parameter": "batch_norm",
            "expected": True,
            "reasoning": "Normalised activations keep gradients well scaled.",
        }
    ],
}

# trial id: (config, accuracy per iteration, time_total_s per iteration, how it ended)
TRIALS: dict[str, tuple[dict[str, Any], list[float], list[float], EndReason]] = {
    "t1": (
        {"batch_norm": True, "lr": 0.001},
        [0.5, 0.7, 0.8, 0.9],
        [10, 20, 30, 40],
        EndReason.COMPLETED,
    ),
    "t2": (
        {"batch_norm": False, "lr": 0.01},
        [0.4, 0.6, 0.65, 0.7],
        [12, 24, 36, 48],
        EndReason.COMPLETED,
    ),
    "t3": ({"batch_norm": True, "lr": 0.0005}, [0.3, 0.35], [11, 22], EndReason.SCHEDULER),
    "t4": ({"batch_norm": False, "lr": 0.05}, [0.2], [5], EndReason.ERROR),
}


def config() -> ExperimentConfig:
    return config_from_dict(CONFIG)


def new_experiment(root: Path, status: str = SweepStatus.CREATED) -> tuple[ExperimentDir, Store]:
    """An experiment directory with config.json and an empty store, as `tuneterm run` makes it."""
    expdir = ExperimentDir.create(root, "demo", now=T0)
    expdir.config_json.write_text(json.dumps(CONFIG))
    meta = {
        "name": "demo",
        "metric": "accuracy",
        "mode": "max",
        "status": status,
        "created_at": T0 - 5,
        "tuned": ["batch_norm", "lr"],
    }
    return expdir, Store.create(expdir.store, meta)


def record_sweep(store: Store, finished: bool = True) -> None:
    """Record the trials above (each starts at T0 + 1 + its index, ends at T0 + 60 + index)."""
    store.record_experiment_started(
        now=T0,
        ray_version="2.60.0",
        address="local",
        cluster_cpus=4,
        cluster_gpus=0,
        driver_host="lab1",
    )
    for index, (trial_id, (trial_config, values, times, reason)) in enumerate(TRIALS.items()):
        store.record_trial_started(
            trial_id, {**trial_config, "optimizer": "adam"}, now=T0 + 1 + index
        )
        for iteration, (value, seconds) in enumerate(zip(values, times, strict=True), start=1):
            metrics = {"accuracy": value, "time_total_s": seconds, "training_iteration": iteration}
            store.record_result(trial_id, iteration, metrics, now=T0 + 2 + index + iteration)
        if finished or reason is not EndReason.COMPLETED:
            error = "Traceback: boom" if reason is EndReason.ERROR else None
            store.record_trial_ended(
                trial_id, reason, len(values), error=error, now=T0 + 60 + index
            )
    store.add_note("Started; the digits load in 2 s.", now=T0 + 10)
    store.add_note("t1 | looks\nstable at lr 1e-3", trial_id="t1", iteration=3, now=T0 + 30)
    store.add_hypothesis(
        Hypothesis("H2", "Lower learning rates are safer", "lr", "lower"), now=T0 + 40
    )
    store.record_verdict("H1", Verdict.REJECTED, "t4 errored, unclear", now=T0 + 50)
    store.record_verdict("H1", Verdict.CONFIRMED, "batch norm trials lead", now=T0 + 70)
    if finished:
        store.record_experiment_ended(SweepStatus.FINISHED, now=T0 + 100)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times in the journal are local: pin the zone so the expected text is fixed. Autouse in
    every test module that imports it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
