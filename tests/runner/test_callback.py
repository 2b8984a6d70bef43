"""The store callback and the reason-recording schedulers, against fake trials (no Ray session)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ray.tune.schedulers import TrialScheduler

from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.runner.callback import StoreCallback
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.scheduler import MetricNotReported, RecordingASHA, RecordingMedian
from tuneterm.storage.store import Store


@dataclass
class FakeTrial:
    trial_id: str
    config: dict[str, Any]
    last_result: dict[str, Any] = field(default_factory=dict)
    error_file: str | None = None
    status: str = "RUNNING"

    def __hash__(self) -> int:
        return hash(self.trial_id)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "acc", "mode": "max"}).close()
    return path


def report(callback: StoreCallback, trial: FakeTrial, iteration: int, acc: float) -> None:
    result = {
        "training_iteration": iteration,
        "acc": acc,
        "loss": 1 - acc,
        "done": False,
        "timestamp": 123,
        "config": {"nested": 1},
        "hostname": "h",
        "flag": True,
    }
    callback.on_trial_result(iteration=0, trials=[trial], trial=trial, result=result)
    trial.last_result = result


def test_callback_records_start_results_and_end(store_path: Path) -> None:
    callback = StoreCallback(store_path, StopDecisions())
    callback.setup()
    trial = FakeTrial("t1", {"lr": np.float64(0.01), "layers": np.int64(2), "opt": "adam"})
    callback.on_trial_start(iteration=0, trials=[trial], trial=trial)
    report(callback, trial, 1, 0.5)
    report(callback, trial, 2, 0.75)
    callback.on_trial_complete(iteration=0, trials=[trial], trial=trial)
    with Store.open(store_path) as store:
        [row] = store.trials()
        results = store.results()
    assert row.config == {"lr": 0.01, "layers": 2, "opt": "adam"}
    assert (row.status, row.reason, row.stop_iteration, row.best_metric) == (
        TrialStatus.ENDED,
        EndReason.COMPLETED,
        2,
        0.75,
    )
    # Numbers only: Ray's bookkeeping, booleans and nested values are left out.
    assert results[0].metrics == {"training_iteration": 1.0, "acc": 0.5, "loss": 0.5}


def test_a_scheduler_stop_is_recorded_with_its_iteration(store_path: Path) -> None:
    decisions = StopDecisions()
    callback = StoreCallback(store_path, decisions)
    trial = FakeTrial("t2", {})
    report(callback, trial, 1, 0.1)
    decisions.record("t2", EndReason.SCHEDULER, 1)
    callback.on_trial_complete(iteration=0, trials=[trial], trial=trial)
    with Store.open(store_path) as store:
        [row] = store.trials()
    assert (row.reason, row.stop_iteration) == (EndReason.SCHEDULER, 1)
    assert "t2" not in decisions


def test_an_error_is_recorded_with_the_traceback_text(store_path: Path, tmp_path: Path) -> None:
    error_file = tmp_path / "error.txt"
    error_file.write_text("Traceback (most recent call last):\nValueError: boom\n")
    callback = StoreCallback(store_path, StopDecisions())
    trial = FakeTrial("t3", {"x": 1}, error_file=str(error_file))
    callback.on_trial_start(iteration=0, trials=[trial], trial=trial)
    report(callback, trial, 1, 0.2)
    callback.on_trial_error(iteration=0, trials=[trial], trial=trial)
    with Store.open(store_path) as store:
        [row] = store.trials()
        kinds = [e.kind for e in store.events_since(0)]
    assert row.reason is EndReason.ERROR and row.stop_iteration == 1
    assert row.error is not None and "ValueError: boom" in row.error
    assert kinds == [EventKind.TRIAL_STARTED, EventKind.RESULT, EventKind.TRIAL_ENDED]


def test_a_trial_that_errors_before_starting_still_appears(store_path: Path) -> None:
    callback = StoreCallback(store_path, StopDecisions())
    trial = FakeTrial("t4", {"x": 2})
    callback.on_trial_error(iteration=0, trials=[trial], trial=trial)
    with Store.open(store_path) as store:
        [row] = store.trials()
    assert row.reason is EndReason.ERROR and row.error


def test_the_callback_pickles_without_its_connection(store_path: Path) -> None:
    callback = StoreCallback(store_path, StopDecisions())
    callback.setup()
    clone = pickle.loads(pickle.dumps(callback))
    assert clone._store is None
    trial = FakeTrial("t5", {})
    report(clone, trial, 1, 0.3)
    with Store.open(store_path) as store:
        assert store.count_results() == 1


def test_the_scheduler_and_the_callback_share_the_decisions_and_never_pickle_them(
    store_path: Path,
) -> None:
    decisions = StopDecisions()
    asha = RecordingASHA(max_t=4, grace_period=1, reduction_factor=2)
    asha.record_stops_in(decisions)
    callback = StoreCallback(store_path, decisions)
    decisions.record("t6", EndReason.USER, 3)
    clone = pickle.loads(pickle.dumps((asha, callback)))
    assert clone[0]._stop_decisions is clone[1]._stop_decisions
    assert "t6" not in clone[1]._stop_decisions
    assert "t6" in callback._stop_decisions


def asha_result(trial: FakeTrial, iteration: int, acc: float) -> dict[str, Any]:
    return {"training_iteration": iteration, "acc": acc, "time_total_s": float(iteration)}


def test_asha_rung_stops_and_max_t_completions_get_different_reasons() -> None:
    decisions = StopDecisions()
    asha = RecordingASHA(max_t=4, grace_period=1, reduction_factor=2)
    asha.record_stops_in(decisions)
    asha.set_search_properties("acc", "max")
    good, bad = FakeTrial("good", {}), FakeTrial("bad", {})
    for trial in (good, bad):
        asha.on_trial_add(None, trial)
    assert asha.on_trial_result(None, good, asha_result(good, 1, 0.9)) == TrialScheduler.CONTINUE
    assert asha.on_trial_result(None, bad, asha_result(bad, 1, 0.1)) == TrialScheduler.STOP
    assert decisions.take("bad", 0) == (EndReason.SCHEDULER, 1)
    for iteration in (2, 3):
        asha.on_trial_result(None, good, asha_result(good, iteration, 0.95))
    assert asha.on_trial_result(None, good, asha_result(good, 4, 0.97)) == TrialScheduler.STOP
    assert "good" in decisions
    assert decisions.take("good", 0) == (EndReason.COMPLETED, 4)


class FakeController:
    def __init__(self, trials: list[FakeTrial]) -> None:
        self.trials = trials

    def get_live_trials(self) -> list[FakeTrial]:
        return self.trials


def test_median_stopping_is_a_scheduler_stop() -> None:
    stops = StopDecisions()
    median = RecordingMedian(grace_period=1, min_samples_required=1)
    median.record_stops_in(stops)
    median.set_search_properties("acc", "max")
    trials = [FakeTrial(f"m{i}", {}) for i in range(3)]
    for trial in trials:
        median.on_trial_add(None, trial)
    decisions: list[tuple[str, str]] = []
    for iteration in (1, 2, 3):
        for trial, acc in zip(trials, (0.9, 0.8, 0.1), strict=True):
            if (trial.trial_id, TrialScheduler.STOP) in decisions:
                continue
            result = {"training_iteration": iteration, "acc": acc, "time_total_s": float(iteration)}
            decision = median.on_trial_result(FakeController(trials), trial, result)
            decisions.append((trial.trial_id, decision))
            trial.last_result = result
    assert ("m2", TrialScheduler.STOP) in decisions
    assert "m2" in stops
    reason, _ = stops.take("m2", 0)
    assert reason is EndReason.SCHEDULER


def test_a_result_without_the_metric_names_what_was_reported() -> None:
    asha = RecordingASHA(max_t=4, grace_period=1)
    asha.set_search_properties("acc", "max")
    trial = FakeTrial("x", {})
    asha.on_trial_add(None, trial)
    with pytest.raises(MetricNotReported, match=r"trial x reported no 'acc' \(it reports: .*loss"):
        asha.on_trial_result(None, trial, {"training_iteration": 1, "loss": 0.3})
