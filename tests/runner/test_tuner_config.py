"""What the driver hands Ray's Tuner from an experiment's config (no sweep is run)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.runner.test_sweep import TINY
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.driver import _new_tuner
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir


def test_the_time_budget_and_trial_count_reach_the_tuner(tmp_path: Path) -> None:
    data = tomllib.loads(TINY)
    data["experiment"]["time_budget_s"] = 90
    config = config_from_dict(data)
    tuner = _new_tuner(ExperimentDir(tmp_path), config, StopDecisions())
    tune_config = tuner._local_tuner._tune_config
    assert tune_config.time_budget_s == 90.0
    assert tune_config.num_samples == 3 and tune_config.metric == "accuracy"


def test_without_a_budget_the_sweep_has_no_time_limit(tmp_path: Path) -> None:
    config = config_from_dict(tomllib.loads(TINY))
    tuner = _new_tuner(ExperimentDir(tmp_path), config, StopDecisions())
    assert tuner._local_tuner._tune_config.time_budget_s is None


def test_only_the_first_of_several_metrics_reaches_the_scheduler_and_the_search(
    tmp_path: Path,
) -> None:
    data = tomllib.loads(TINY)
    data["experiment"]["metrics"] = {"val_loss": "min", "train_loss": "min"}
    data["search"] = {"algorithm": "hyperopt", "seed": 0}
    data["scheduler"] = {"name": "asha", "grace_period": 1, "reduction_factor": 2}
    config = config_from_dict(data)
    tuner = _new_tuner(ExperimentDir(tmp_path), config, StopDecisions())
    tune_config = tuner._local_tuner._tune_config
    assert (tune_config.metric, tune_config.mode) == ("accuracy", "max")
    # Neither names a metric of its own: Tune hands them the one above when the sweep starts.
    assert (type(tune_config.scheduler).__name__, tune_config.scheduler.metric) == (
        "RecordingASHA",
        None,
    )
    assert (tune_config.search_alg.metric, tune_config.search_alg.mode) == (None, None)
