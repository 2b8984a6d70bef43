"""The driver's HealthMonitor on fake trials and a real store: what it records, when it asks the
scheduler to stop a trial, and what a restarted driver remembers."""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneterm.domain.config.health import HealthSpec
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.runner.decisions import StopDecisions
from tuneterm.runner.health import HealthMonitor
from tuneterm.storage.store import Store

METRICS = (("score", "max"),)


@dataclass
class FakeTrial:
    trial_id: str
    status: str = "RUNNING"


@dataclass
class FakeSearcher:
    errored: list[str] = field(default_factory=list)

    def on_trial_complete(self, trial_id: str, result: Any = None, error: bool = False) -> None:
        if error:
            self.errored.append(trial_id)


@dataclass
class FakeWrapper:
    trials: list[FakeTrial]
    search_alg: FakeSearcher = field(default_factory=FakeSearcher)

    def get_trials(self) -> list[FakeTrial]:
        return self.trials


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def monitor_on(path: Path, clock: Clock, **spec: Any) -> tuple[HealthMonitor, StopDecisions]:
    decisions = StopDecisions()
    monitor = HealthMonitor(path, HealthSpec(**spec), METRICS, decisions, clock=clock)
    return monitor, decisions


def health_events(path: Path) -> list[tuple[str | None, int | None, str]]:
    with Store.open(path) as store:
        events = store.events_since(0)
    return [(e.trial_id, e.iteration, e.data["health"]) for e in events if e.kind == "trial_health"]


def test_a_nan_stops_the_trial_the_config_names_and_tells_the_searcher(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "score", "mode": "max"}).close()
    clock = Clock()
    monitor, decisions = monitor_on(path, clock, stop=("nan",))
    wrapper = FakeWrapper([FakeTrial("t1"), FakeTrial("t2")])
    assert not monitor.on_result(wrapper, wrapper.trials[0], {"training_iteration": 1, "score": 1})
    assert monitor.on_result(
        wrapper, wrapper.trials[0], {"training_iteration": 2, "score": math.nan}
    )
    assert decisions.take("t1", 2) == (EndReason.RULE, 2)
    assert decisions.take_rule("t1") == "nan"
    assert wrapper.search_alg.errored == ["t1"]
    # Diverging is flagged (patience 3) but not stopped: only "nan" is in `stop`.
    for iteration, score in enumerate([5.0, 4.0, 3.0, 2.0], start=1):
        stopped = monitor.on_result(
            wrapper, wrapper.trials[1], {"training_iteration": iteration, "score": score}
        )
        assert not stopped
    assert "t2" not in decisions
    assert health_events(path) == [("t1", 2, "nan"), ("t2", 4, "diverged")]


def test_a_stall_is_recorded_once_and_cleared_by_the_next_report(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"metric": "score", "mode": "max"}).close()
    clock = Clock()
    monitor, decisions = monitor_on(path, clock, stall_floor_s=1.0)
    wrapper = FakeWrapper([FakeTrial("t1"), FakeTrial("t2", status="PAUSED")])
    for trial in wrapper.trials:
        for iteration in (1, 2, 3):
            clock.now += 1.0
            monitor.on_result(wrapper, trial, {"training_iteration": iteration, "score": 0.5})
    clock.now += 100.0
    monitor.check_stalls(wrapper, "score")
    clock.now += 100.0
    monitor.check_stalls(wrapper, "score")  # still silent: nothing new to record
    assert health_events(path) == [("t1", 3, "stalled")]  # t2 is paused, not stalled
    assert "t1" not in decisions  # `stop` names no rule: flagged only
    health = monitor.health("t1")
    assert health is not None and health.reason.startswith("stalled: no report for 1 min 43 s")

    monitor.on_result(wrapper, wrapper.trials[0], {"training_iteration": 4, "score": 0.6})
    assert health_events(path)[-1] == ("t1", 4, "ok")
    assert monitor.health("t1") is None


def test_a_restarted_driver_remembers_what_the_store_recorded(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with Store.create(path, {"metric": "score", "mode": "max"}) as store:
        for iteration, score in enumerate([5.0, 4.0, 3.0], start=1):
            store.record_result("t1", iteration, {"score": score}, now=100.0 + iteration)
        store.record_result("t2", 1, {"score": 1.0}, now=101.0)
        with store.transaction():
            data = {"health": "nan", "reason": "nan: score was nan at iteration 2"}
            store.append_event(102.0, EventKind.TRIAL_HEALTH, "t2", 2, data)
    clock = Clock()
    monitor, _ = monitor_on(path, clock, stop=("diverged", "nan"))
    # The pickled monitor (inside the scheduler in tuner.pkl) keeps no connection or watch.
    monitor = pickle.loads(pickle.dumps(monitor))
    wrapper = FakeWrapper([FakeTrial("t1"), FakeTrial("t2")])
    # The restored run repeats iteration 3: ignored; iteration 4 is the third worse report.
    assert not monitor.on_result(wrapper, wrapper.trials[0], {"training_iteration": 3, "score": 3})
    assert monitor.on_result(wrapper, wrapper.trials[0], {"training_iteration": 4, "score": 2.0})
    # Flagged already: not flagged, recorded or stopped again.
    assert not monitor.on_result(wrapper, wrapper.trials[1], {"training_iteration": 3, "score": 2})
    assert health_events(path) == [("t2", 2, "nan"), ("t1", 4, "diverged")]
