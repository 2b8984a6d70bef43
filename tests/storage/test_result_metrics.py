"""Reading metrics out of a real store: the dashboard's feed carries each of the sweep's metrics
into the live state; the journal's last complete report per trial; each trial's last and best of
the further metrics. Results holding a NaN or an infinity read as the others do."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.result_metrics import (
    LastReports,
    further_values,
    reports_number,
    result_keys,
    tail_metrics,
)
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


# -- NaN and infinities: Python's json writes them, SQLite's JSON functions refuse them ----------


def with_non_finite(path: Path, meta: dict[str, object] = META) -> Store:
    """`filled`, then results holding a NaN and an infinity, written through the Store API."""
    store = filled(path, meta)
    store.record_result("t2", 2, {"acc": math.nan, "loss": 0.05}, now=T0 + 7)
    store.record_result("t2", 3, {"acc": 0.8, "loss": math.inf}, now=T0 + 8)
    store.record_trial_started("t3", {"lr": math.inf}, now=T0 + 9)  # not a result: read whole
    return store


def results_of(events: list[Event]) -> list[dict[str, object]]:
    return [event.data for event in events if event.kind == EventKind.RESULT]


def test_the_stores_tail_reads_a_nan_and_an_infinity_as_such(tmp_path: Path) -> None:
    store = with_non_finite(tmp_path / "s.sqlite")
    events = store.tail(0, "acc")
    nan_result, inf_result = results_of(events)[-2:]
    assert math.isnan(nan_result["acc"]) and inf_result == {"acc": 0.8}  # type: ignore[arg-type]
    assert results_of(events)[:3] == [{"acc": 0.5}, {"acc": 0.6}, {"acc": 0.4}]
    assert events[-1].data == {"config": {"lr": math.inf}}
    assert [e.seq for e in events] == [e.seq for e in store.events_since(0)]
    assert store.tail(events[-3].seq, "loss") == [
        Event(e.seq, e.time, e.kind, e.trial_id, e.iteration, {"loss": math.inf})
        if e.kind == EventKind.RESULT
        else e
        for e in store.events_since(events[-3].seq)
    ]


def test_several_metrics_read_a_nan_and_an_infinity_as_such(tmp_path: Path) -> None:
    store = with_non_finite(tmp_path / "s.sqlite")
    nan_result, inf_result = results_of(tail_metrics(store, 0, ["acc", "loss"], 100))[-2:]
    assert math.isnan(nan_result["acc"]) and nan_result["loss"] == 0.05  # type: ignore[arg-type]
    assert inf_result == {"acc": 0.8, "loss": math.inf}


def test_the_dashboards_source_keeps_polling_past_a_nan(tmp_path: Path) -> None:
    for metrics in ([["acc", "max"]], [["acc", "max"], ["loss", "min"]]):
        expdir = ExperimentDir.create(tmp_path / str(len(metrics)), "m", now=T0)
        with_non_finite(expdir.store, {**META, "metrics": metrics}).close()
        source = StoreSource(expdir.path)
        try:
            state = SweepState(source.meta())
            state.apply(source.poll())
            with Store.open(expdir.store) as driver:
                driver.record_result("t2", 4, {"acc": math.nan, "loss": 0.01}, now=T0 + 10)
                driver.record_result("t2", 5, {"acc": 0.9, "loss": 0.02}, now=T0 + 11)
            later = source.poll()
            state.apply(later)
        finally:
            source.close()
        assert math.isnan(results_of(later)[0]["acc"])  # type: ignore[arg-type]
        t2 = state.row("t2")
        assert (t2.iteration, t2.last_metric, t2.best_metric) == (5, 0.9, 0.9)
        if len(metrics) > 1:
            assert (t2.others["loss"], t2.other_bests["loss"]) == (0.02, 0.01)


def test_last_reports_skip_a_report_with_a_nan_and_read_one_beside_it(tmp_path: Path) -> None:
    store = with_non_finite(tmp_path / "s.sqlite")
    store.record_result("t1", 3, {"acc": 0.7, "loss": 0.8, "grad_norm": math.nan}, now=T0 + 10)
    reports = LastReports(["acc", "loss"])
    reports.update(store)
    # t2's reports at 2 (a NaN) and 3 (an infinity) are incomplete: its first one stands.
    assert reports.values() == {"t1": (0.7, 0.8), "t2": (0.4, 0.3)}


def test_further_values_fold_the_numbers_of_results_sqlite_cannot_read(tmp_path: Path) -> None:
    store = with_non_finite(tmp_path / "s.sqlite")
    finals = {"t1": {"acc": 0.6}, "t2": {"acc": 0.8}}  # t2's last result: loss was infinite
    further = further_values(store, [("loss", "min")], finals)
    # t2's best loss, 0.05, is in the result whose accuracy is NaN; so is its last finite loss.
    assert further == {"t1": ({"loss": 0.9}, {"loss": 0.9}), "t2": ({"loss": 0.05}, {"loss": 0.05})}


def test_further_values_agree_with_the_fold_in_python(tmp_path: Path) -> None:
    store = with_non_finite(tmp_path / "s.sqlite")
    by_sql = further_values(store, [("loss", "max")], {})
    # Text where a number belongs makes SQLite's MAX a text: every result is folded in Python.
    store.record_result("t3", 1, {"acc": 0.1, "loss": "n/a"}, now=T0 + 10)
    assert by_sql == {"t1": ({"loss": 0.9}, {"loss": 0.9}), "t2": ({"loss": 0.05}, {"loss": 0.3})}
    assert further_values(store, [("loss", "max")], {}) == {**by_sql, "t3": ({}, {})}


def test_a_number_too_large_for_a_float_is_no_best(tmp_path: Path) -> None:
    # Valid JSON that SQLite reads as an infinity (as a lenient SQLite reads `Infinity`).
    store = with_non_finite(tmp_path / "s.sqlite")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO events (time, kind, trial_id, iteration, data)"
            " VALUES (?, 'result', 't1', 4, '{\"acc\": 0.1, \"loss\": 1e999}')",
            (T0 + 10,),
        )
    assert further_values(store, [("loss", "max")], {})["t1"] == ({"loss": 0.9}, {"loss": 0.9})


def test_the_names_of_every_metric_reported_those_beside_a_nan_too(tmp_path: Path) -> None:
    store = filled(tmp_path / "s.sqlite")
    assert result_keys(store) == {"acc", "loss", "other"}
    assert reports_number(store, "other") and not reports_number(store, "lr")
    store.record_result("t2", 2, {"acc": math.nan, "grad_norm": 3.0}, now=T0 + 7)
    assert result_keys(store) == {"acc", "loss", "other", "grad_norm"}
    assert reports_number(store, "grad_norm") and not reports_number(store, "grad")
