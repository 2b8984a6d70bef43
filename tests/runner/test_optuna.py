"""Optuna's TPE through Ray Tune's OptunaSearch: a real sweep with the median stopping rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.support import only_experiment, tuneterm
from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]

OPTUNA_MEDIAN = """
[experiment]
name = "optuna-tiny"
metric = "accuracy"
mode = "max"
num_samples = 4
max_concurrent_trials = 1
seed = 0

[trainable]
name = "mlp"
epochs = 2

[dataset]
name = "synthetic"
samples = 64
image_size = 8

[search_space]
lr = { loguniform = [1e-3, 1e-1] }
hidden_units = { choice = [8, 16] }

[search]
algorithm = "optuna"
seed = 1
n_initial_points = 2
points_to_evaluate = [{ lr = 0.05, hidden_units = 16 }]

[scheduler]
name = "median"
grace_period = 1
min_samples_required = 2
"""


def test_an_optuna_sweep_tries_its_first_point_first_and_finishes(
    tmp_path: Path, ray_head: RayHead
) -> None:
    config = tmp_path / "optuna.toml"
    config.write_text(OPTUNA_MEDIAN)
    root = tmp_path / "runs"
    proc = tuneterm(
        "run",
        str(config),
        "--headless",
        "--address",
        ray_head.address,
        cwd=tmp_path,
        root=root,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with Store.open(only_experiment(root).store) as store:
        trials = store.trials()
        meta = store.meta()
    assert meta["status"] == "finished"
    assert len(trials) == 4
    first = min(trials, key=lambda trial: trial.started_at or 0.0)
    assert first.config["lr"] == pytest.approx(0.05) and first.config["hidden_units"] == 16
    assert len({trial.config["lr"] for trial in trials}) == 4  # the sampler proposed new points
    assert all(trial.reason in (EndReason.COMPLETED, EndReason.SCHEDULER) for trial in trials)
    # Optuna's own log lines stay in the driver log, never on the user's terminal.
    assert "Trial" not in proc.stderr and "optuna" not in proc.stderr.lower()
