"""The README's main job: the shipped default config on a fresh local Ray, no --address."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import only_experiment, tuneterm
from tuneterm.domain.status import SweepStatus
from tuneterm.storage.store import Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def test_the_default_config_runs_locally_on_digits(tmp_path: Path) -> None:
    # The shipped sweep, shortened: the full one is timed by bench/run.py.
    proc = tuneterm(
        "run",
        "--headless",
        "--set",
        "experiment.num_samples=2",
        "--set",
        "trainable.epochs=3",
        "--set",
        "scheduler.max_t=3",
        cwd=tmp_path,
        root=tmp_path / "runs",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with Store.open(only_experiment(tmp_path / "runs").store) as store:
        meta = store.meta()
        trials = store.trials()
    assert meta["status"] == SweepStatus.FINISHED and meta["address"] == "local"
    assert meta["name"] == "cnn-asha-digits" and len(trials) == 2
    assert all(t.best_metric is not None and t.best_metric > 0.2 for t in trials)
    assert "sweep started on Ray" in proc.stdout and "Summary: 2 trials" in proc.stdout
    assert "best trial: " in proc.stdout and "accuracy=" in proc.stdout
