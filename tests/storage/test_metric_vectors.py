"""Reading several metrics out of a real store: the dashboard's feed carries each of the sweep's
metrics into the live state; the journal's last complete report per trial."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.metric_vectors import LastReports, tail_metrics
from tuneterm.storage.sources.store_source import StoreSource
from tuneterm.storage.store import Store

T0 = 1_700_000_000.0
META = {
    "name": "m",
    "metric": "acc",
    "mode": "max",
    "metrics": [["acc", "max"], ["loss", "min"], ['odd "name"', "min"]],
}


def filled(path: Path, meta: dict[str, object] = META) -> Store:
    store = Store.create(path, meta)
    store.record_experiment_started(now=T0)
    store.record_trial_started("t1", {"lr": 0.1}, now=T0 + 1)
    store.record_result("t1", 1, {"acc": 0.5, "loss": 0.9, "other": 7.0}, now=T0 + 2)
    store.record_result("t1", 2, {"acc": 0.6}, now=T0 + 3)  # no loss this time
    store.record_trial_started("t2", {"lr": 0.01}, now=T0 + 4)
    store.record_result("t2", 1, {"acc": 0.4, "loss": 0.3}, now=T0 + 5)
    store.record_trial_ended("t1", EndReason.COMPLETED, 2, now=T0 + 6)
    return store


def test_results_carry_each_metric_they_hold_and_nothing_else(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    events = tail_metrics(store, 0, ["acc", "loss"], 100)
    results = [event.data for event in events if event.kind == EventKind.RESULT]
    assert results == [{"acc": 0.5, "loss": 0.9}, {"acc": 0.6}, {"acc": 0.4, "loss": 0.3}]
    # Other events are whole, as `Store.tail` gives them; sequence numbers as in the store.
    assert [e.seq for e in events] == [e.seq for e in store.events_since(0)]
    started = next(e for e in events if e.kind == EventKind.TRIAL_STARTED)
    assert started.data == {"config": {"lr": 0.1}}
    # In batches from a sequence number.
    assert tail_metrics(store, events[2].seq, ["acc", "loss"], 2) == events[3:5]


def test_a_quote_in_a_name_is_decoded_in_python_with_the_same_answer(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    store.record_result("t2", 2, {"acc": 0.45, 'odd "name"': 3.0}, now=T0 + 7)
    names = ["acc", 'odd "name"']
    results = [e.data for e in tail_metrics(store, 0, names, 100) if e.kind == EventKind.RESULT]
    assert results[-1] == {"acc": 0.45, 'odd "name"': 3.0}
    assert results[0] == {"acc": 0.5}


def test_one_metric_is_the_stores_own_tail(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    assert tail_metrics(store, 0, ["acc"], 100) == store.tail(0, "acc", 100)


def test_the_dashboards_source_feeds_every_metric_into_the_state(tmp_path: Path) -> None:
    expdir = ExperimentDir.create(tmp_path, "m", now=T0)
    filled(expdir.store, {**META, "metrics": [["acc", "max"], ["loss", "min"]]}).close()
    source = StoreSource(expdir.path)
    try:
        state = SweepState(source.meta())
        state.apply(source.poll())
    finally:
        source.close()
    t1, t2 = state.row("t1"), state.row("t2")
    assert (t1.last_metric, t1.others["loss"]) == (0.6, 0.9)
    assert (t2.value("loss", "acc"), t2.value("loss", "acc", best=True)) == (0.3, 0.3)
    assert "other" not in t1.others


def test_last_reports_keep_each_trials_last_complete_report(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    reports = LastReports(["acc", "loss"])
    reports.update(store)
    # t1's last report lacks loss: its first is the last complete one.
    assert reports.values() == {"t1": (0.5, 0.9), "t2": (0.4, 0.3)}
    store.record_result("t1", 3, {"acc": 0.7, "loss": 0.8}, now=T0 + 8)
    reports.update(store)
    assert reports.values()["t1"] == (0.7, 0.8)


@pytest.mark.parametrize("names", [["acc"], []])
def test_last_reports_of_a_single_metric_read_nothing(tmp_path: Path, names: list[str]) -> None:
    store = filled(tmp_path / "s.sqlite")
    reports = LastReports(names)
    reports.update(store)
    assert reports.values() == {}


def test_last_reports_decode_a_quoted_name_in_python(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    store.record_result("t2", 2, {"acc": 0.45, 'odd "name"': 3.0}, now=T0 + 7)
    reports = LastReports(["acc", 'odd "name"'])
    reports.update(store)
    assert reports.values() == {"t2": (0.45, 3.0)}
