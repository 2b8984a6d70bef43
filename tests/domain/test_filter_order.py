"""`SweepState.order` with a filter expression: narrowed, cached, re-checked as trials change."""

from __future__ import annotations

from typing import Any

from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.filter import compile_filter
from tuneterm.domain.sweep.ordering import shown_test
from tuneterm.domain.sweep.state import SweepState

NAMES = ["lr", "layers", "acc", "loss"]


def event(kind: str, trial_id: str, iteration: int | None = None, **data: Any) -> Event:
    return Event(0, 100.0, kind, trial_id, iteration, data)


def result(trial_id: str, iteration: int, acc: float) -> Event:
    return event(EventKind.RESULT, trial_id, iteration, acc=acc, loss=1 - acc)


def sweep() -> SweepState:
    """t1..t4 with lr 0.1, 0.01, 0.001, 0.0001; t1 completed, t2 stopped by the scheduler."""
    state = SweepState(
        {"metric": "acc", "mode": "max", "metrics": [["acc", "max"], ["loss", "min"]]}
    )
    state.apply(
        event(EventKind.TRIAL_STARTED, f"t{n}", config={"lr": 10.0**-n, "layers": n % 2 + 1})
        for n in range(1, 5)
    )
    state.apply([result("t1", 1, 0.5), result("t2", 1, 0.7), result("t3", 1, 0.9)])
    state.apply(
        [
            event(EventKind.TRIAL_ENDED, "t1", 1, reason="completed"),
            event(EventKind.TRIAL_ENDED, "t2", 1, reason="scheduler"),
        ]
    )
    return state


def test_an_expression_narrows_the_order_on_top_of_the_state_filter() -> None:
    state = sweep()
    where = compile_filter("lr < 0.05 and acc > 0.6", NAMES)
    assert state.order("trial_id", where=where) == ["t2", "t3"]
    assert state.order("trial_id", state_filter="running", where=where) == ["t3"]
    assert state.order("best", descending=True, where=where) == ["t3", "t2"]
    stopped = compile_filter('state == "stopped" or loss < 0.2', NAMES)
    assert state.order("trial_id", where=stopped) == ["t2", "t3"]


def test_changing_the_expression_is_no_cache_hit() -> None:
    state = sweep()
    assert state.order("trial_id", where=compile_filter("layers == 1", NAMES)) == ["t2", "t4"]
    assert state.order("trial_id", where=compile_filter("layers == 2", NAMES)) == ["t1", "t3"]
    assert state.order("trial_id") == ["t1", "t2", "t3", "t4"]


def test_trials_enter_and_leave_as_their_results_change() -> None:
    state = sweep()
    where = compile_filter("acc > 0.8", NAMES)
    assert state.order("trial_id", where=where) == ["t3"]
    state.apply([result("t4", 1, 0.95), result("t3", 2, 0.4)])
    assert state.order("trial_id", where=where) == ["t4"]
    state.apply([event(EventKind.TRIAL_STARTED, "t5", config={"lr": 0.5})])
    state.apply([result("t5", 1, 0.99)])
    assert state.order("trial_id", where=where) == ["t4", "t5"]
    state.apply([result("t5", 2, 0.1)])  # the only change: t5 leaves
    assert state.order("trial_id", where=where) == ["t4"]
    state.apply([result("t3", 3, 0.85)])  # the only change: t3 comes back
    assert state.order("trial_id", where=where) == ["t3", "t4"]


def test_a_runtime_expression_follows_the_clock_without_events() -> None:
    state = sweep()
    where = compile_filter("runtime > 50", NAMES)
    assert state.order("trial_id", where=where, now=120.0) == []
    assert state.order("trial_id", where=where, now=200.0) == ["t3", "t4"]


def test_without_an_expression_no_row_is_built() -> None:
    state = sweep()
    state.apply([result("t3", 2, 0.91)])
    assert shown_test(("trial_id", False, None, None), "acc", 0.0) is None
    state.order("trial_id", state_filter="running")
    state.order("best")
    assert state._records["t3"].row is None  # the per-result cost stays what it was
    state.order("trial_id", where=compile_filter("acc > 0", NAMES))
    assert state._records["t3"].row is not None


def test_an_order_by_the_clock_in_between_leaves_no_stale_order() -> None:
    state = sweep()
    assert state.order("best", descending=True) == ["t3", "t2", "t1", "t4"]
    state.apply([result("t4", 1, 0.99)])
    state.order("runtime", now=150.0)  # never kept: runtimes change by themselves
    state.order("trial_id", where=compile_filter("runtime > 0", NAMES), now=150.0)
    assert state.order("best", descending=True) == ["t4", "t3", "t2", "t1"]


def test_only_the_changed_trials_are_matched_again() -> None:
    state = sweep()
    matched: list[str] = []
    where = compile_filter("acc > 0.6", NAMES)
    real = where._test
    object.__setattr__(
        where, "_test", lambda row, p, n: matched.append(row.trial_id) or real(row, p, n)
    )
    assert state.order("best", where=where) == ["t2", "t3"]
    assert sorted(matched) == ["t1", "t2", "t3", "t4"]
    matched.clear()
    state.apply([result("t4", 1, 0.8)])  # t4 comes into view: the order is computed again
    assert state.order("best", where=where) == ["t2", "t4", "t3"]
    assert matched == ["t4", "t4"]  # checked against the kept order, then keyed: no one else
