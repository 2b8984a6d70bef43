"""Writes tests/data/ray_asha/asha: a plain Ray Tune sweep (no tuneterm) under ASHA, whose saved
tuner state tells which trials the scheduler stopped. Run it again only to refresh the fixture:

    .venv/bin/python scripts/ray_plain_fixture.py tests/data/ray_asha
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler


def trainable(config: dict[str, float]) -> None:
    for step in range(1, 5):
        tune.report({"score": config["x"] * step, "loss": 1.0 / (config["x"] * step)})


def main(destination: Path) -> None:
    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as storage:
        tuner = tune.Tuner(
            trainable,
            param_space={"x": tune.grid_search([4.0, 3.0, 2.0, 1.0])},
            tune_config=tune.TuneConfig(
                metric="score",
                mode="max",
                scheduler=ASHAScheduler(max_t=4, grace_period=1, reduction_factor=2),
            ),
            run_config=tune.RunConfig(name="asha", storage_path=storage, verbose=0),
        )
        tuner.fit()
        target = destination / "asha"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(storage) / "asha", target)
        for events in target.glob("*/events.out.tfevents.*"):
            events.unlink()  # TensorBoard's copy of result.json
    ray.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
