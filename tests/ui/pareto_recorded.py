"""A seeded sweep that weighs three metrics, written through the Store API as the driver writes it,
with a Pareto front that can be checked by hand."""

from __future__ import annotations

from pathlib import Path

from tests.ui.recorded import T0, RecordedSweep
from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store

METRICS = [["accuracy", "max"], ["val_loss", "min"], ["train_loss", "min"]]

# trial: (config, last (accuracy, val_loss, train_loss), iterations, how it ended; None: running)
#
#   p0  0.95 0.40 0.05   front: best accuracy
#   p1  0.92 0.22 0.15   front
#   p2  0.88 0.18 0.20   front: best val_loss
#   p3  0.85 0.30 0.02   front: best train_loss (off the accuracy/val_loss front: p1 beats it)
#   p4  0.80 0.35 0.30   beaten by p3
#   p5  0.90 0.25 0.25   beaten by p1
#   p6  0.70 0.50 0.40   beaten by p1 .. p5
#   p7  0.60 0.60 0.60   beaten by every finished trial
#   p8  no report yet (running)
#   p9  0.30 1.20 1.10   errored at iteration 1
FINALS: dict[str, tuple[dict[str, object], tuple[float, float, float], int, EndReason | None]] = {
    "p0": ({"lr": 0.003, "batch_size": 32, "batch_norm": True}, (0.95, 0.40, 0.05), 4, None),
    "p1": (
        {"lr": 0.001, "batch_size": 64, "batch_norm": True},
        (0.92, 0.22, 0.15),
        4,
        EndReason.COMPLETED,
    ),
    "p2": (
        {"lr": 0.0005, "batch_size": 128, "batch_norm": True},
        (0.88, 0.18, 0.20),
        4,
        EndReason.COMPLETED,
    ),
    "p3": (
        {"lr": 0.01, "batch_size": 32, "batch_norm": False},
        (0.85, 0.30, 0.02),
        4,
        EndReason.COMPLETED,
    ),
    "p4": (
        {"lr": 0.0002, "batch_size": 64, "batch_norm": False},
        (0.80, 0.35, 0.30),
        2,
        EndReason.SCHEDULER,
    ),
    "p5": (
        {"lr": 0.002, "batch_size": 128, "batch_norm": False},
        (0.90, 0.25, 0.25),
        4,
        EndReason.COMPLETED,
    ),
    "p6": (
        {"lr": 0.03, "batch_size": 64, "batch_norm": True},
        (0.70, 0.50, 0.40),
        2,
        EndReason.SCHEDULER,
    ),
    "p7": (
        {"lr": 0.0001, "batch_size": 32, "batch_norm": False},
        (0.60, 0.60, 0.60),
        2,
        EndReason.SCHEDULER,
    ),
    "p8": ({"lr": 0.005, "batch_size": 128, "batch_norm": True}, (0.0, 0.0, 0.0), 0, None),
    "p9": (
        {"lr": 0.08, "batch_size": 32, "batch_norm": False},
        (0.30, 1.20, 1.10),
        1,
        EndReason.ERROR,
    ),
}
FRONT = {"p0", "p1", "p2", "p3"}


def report(sweep: RecordedSweep, trial_id: str, iteration: int, values: tuple[float, ...]) -> None:
    accuracy, val_loss, train_loss = values
    metrics = {
        "accuracy": accuracy,
        "val_loss": val_loss,
        "train_loss": train_loss,
        "training_iteration": float(iteration),
        "time_total_s": 1.5 * iteration,
    }
    assert sweep.store.record_result(trial_id, iteration, metrics, now=sweep.tick())
    sweep.event_count += 1


def record_pareto_sweep(path: Path) -> RecordedSweep:
    """Trials whose last reports are `FINALS`; earlier reports climb towards them."""
    path.mkdir(parents=True)
    meta = {
        "name": "digits-three-metrics",
        "metric": "accuracy",
        "mode": "max",
        "metrics": METRICS,
        "status": "created",
        "created_at": T0,
        "tuned": ["lr", "batch_size", "batch_norm"],
    }
    sweep = RecordedSweep(path, Store.create(path / Store.FILENAME, meta))
    sweep.store.record_experiment_started(now=T0, address="local")
    sweep.event_count += 1
    for trial_id, (config, final, last, reason) in FINALS.items():
        sweep.start_trial(trial_id, config)
        for iteration in range(1, last + 1):
            share = iteration / last
            accuracy, val_loss, train_loss = final
            early = (accuracy * share, val_loss / share, train_loss / share)
            report(sweep, trial_id, iteration, tuple(round(v, 4) for v in early))
        if reason is not None:
            sweep.end(trial_id, reason, last)
    return sweep
