"""SweepState folds a store's events into rows, counts, order and histories; MetricHistory."""

from __future__ import annotations

import math
import tracemalloc
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuneterm.domain.control import ControlAction
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.history import MetricHistory
from tuneterm.domain.sweep.rows import CATEGORIES, TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.trial import Trial
from tuneterm.storage.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    created = Store.create(
        tmp_path / "store.sqlite", {"name": "exp", "metric": "acc", "mode": "max"}
    )
    yield created
    created.close()


def record_sweep(store: Store) -> None:
    """Six trials, one per way a trial can be: t4 and t5 still run, t5 without a result."""
    store.record_experiment_started(now=100.0)
    for n, lr in enumerate([0.1, 0.01, 0.001, 0.05, 0.2, 0.02], start=1):
        store.record_trial_started(f"t{n}", {"lr": lr, "layers": 2}, now=100.0 + n)
    for iteration, acc in enumerate([0.5, 0.7, 0.6], start=1):
        store.record_result("t1", iteration, {"acc": acc, "loss": 1 - acc}, now=110.0 + iteration)
    store.record_result("t2", 1, {"acc": 0.4}, now=111.0)
    store.record_result("t2", 2, {"acc": 0.45}, now=112.0)
    store.record_result("t3", 1, {"acc": 0.3}, now=111.0)
    store.record_result("t4", 1, {"acc": 0.8}, now=113.0)
    store.record_result("t4", 2, {"loss": 0.1}, now=114.0)  # no acc: last stays 0.8
    store.record_result("t6", 1, {"acc": 0.55}, now=112.0)
    store.record_trial_ended("t1", EndReason.COMPLETED, 3, now=120.0)
    store.record_trial_ended("t2", EndReason.SCHEDULER, 2, now=118.0)
    store.record_trial_ended(
        "t3", EndReason.ERROR, 1, error="Traceback\nValueError: boom", now=115.0
    )
    store.record_trial_ended("t6", EndReason.USER, 1, now=116.0)


def folded(store: Store) -> SweepState:
    state = SweepState(store.meta())
    state.apply(store.tail(0, "acc"))
    return state


def as_store_trial(row: TrialRow) -> tuple[object, ...]:
    return (
        row.trial_id,
        row.status,
        row.reason,
        row.stop_iteration,
        row.config,
        row.iteration,
        row.last_metric,
        row.best_metric,
        row.started_at,
        row.ended_at,
        row.error,
    )


def from_store(trial: Trial) -> tuple[object, ...]:
    return (
        trial.trial_id,
        trial.status,
        trial.reason,
        trial.stop_iteration,
        trial.config,
        trial.last_iteration,
        trial.last_metric,
        trial.best_metric,
        trial.started_at,
        trial.ended_at,
        trial.error,
    )


def test_rows_agree_with_the_stores_own_trial_table(store: Store) -> None:
    record_sweep(store)
    state = folded(store)
    assert [as_store_trial(row) for row in state.rows()] == [from_store(t) for t in store.trials()]
    assert [row.state for row in state.rows()] == [
        "completed",
        "stopped@2",
        "error",
        "running",
        "running",
        "user",
    ]
    t4 = state.row("t4")
    assert (t4.iteration, t4.last_metric, t4.best_metric, t4.last_seen) == (2, 0.8, 0.8, 114.0)
    assert state.row("t3").error == "Traceback\nValueError: boom"
    assert state.results_seen == 9
    assert (state.name, state.metric, state.mode, state.status) == ("exp", "acc", "max", "running")


def test_counts_have_every_category(store: Store) -> None:
    record_sweep(store)
    assert folded(store).counts() == {
        "pending": 0,
        "running": 2,
        "paused": 0,
        "completed": 1,
        "scheduler": 1,
        "user": 1,
        "error": 1,
        "interrupted": 0,
        "rule": 0,
    }
    assert list(SweepState({}).counts()) == list(CATEGORIES)


def test_the_end_of_the_sweep_interrupts_running_trials_like_the_store(store: Store) -> None:
    record_sweep(store)
    store.record_experiment_ended("stopped", "interrupted by the user", now=130.0)
    state = SweepState(store.meta())
    state.apply(store.tail(0, "acc"))
    assert [as_store_trial(row) for row in state.rows()] == [from_store(t) for t in store.trials()]
    assert state.row("t4").state == "interrupted"
    assert state.counts()["interrupted"] == 2
    assert (state.status, state.message, state.ended_at) == (
        "stopped",
        "interrupted by the user",
        130.0,
    )
    assert state.elapsed(now=999.0) == 30.0


def test_applying_in_pieces_reports_changed_trials_and_ends_where_one_batch_does(
    store: Store,
) -> None:
    record_sweep(store)
    events = store.tail(0, "acc")
    pieces = SweepState(store.meta())
    changed = [pieces.apply(events[i : i + 5]) for i in range(0, len(events), 5)]
    assert changed[0] == {"t1", "t2", "t3", "t4"}  # experiment_started, then four trial starts
    assert set().union(*changed) == {f"t{n}" for n in range(1, 7)}
    assert pieces.rows() == folded(store).rows()
    assert pieces.apply([]) == set()


def test_a_restarted_trial_runs_again(store: Store) -> None:
    record_sweep(store)
    store.record_trial_started("t3", {"lr": 0.001, "layers": 2}, now=140.0)
    state = folded(store)
    row = state.row("t3")
    assert (row.state, row.reason, row.ended_at, row.error, row.started_at) == (
        "running",
        None,
        None,
        None,
        103.0,
    )
    assert [as_store_trial(r) for r in state.rows()] == [from_store(t) for t in store.trials()]


def test_best_follows_the_mode(tmp_path: Path) -> None:
    with Store.create(tmp_path / "s.sqlite", {"metric": "loss", "mode": "min"}) as store:
        for trial_id, losses in {"a": [0.9, 0.5], "b": [0.7, 0.2, 0.6], "c": [0.4]}.items():
            store.record_trial_started(trial_id, {})
            for iteration, loss in enumerate(losses, start=1):
                store.record_result(trial_id, iteration, {"loss": loss})
        state = SweepState(store.meta())
        state.apply(store.tail(0, "loss"))
    best = state.best()
    assert best is not None
    assert (best.trial_id, best.best_metric, best.last_metric) == ("b", 0.2, 0.6)
    assert SweepState({"metric": "loss"}).best() is None


def test_best_for_max(store: Store) -> None:
    record_sweep(store)
    best = folded(store).best()
    assert best is not None and (best.trial_id, best.best_metric) == ("t4", 0.8)


@pytest.mark.parametrize(
    ("sort_key", "ascending", "descending"),
    [
        ("trial_id", "t1 t2 t3 t4 t5 t6", "t6 t5 t4 t3 t2 t1"),
        ("state", "t4 t5 t1 t2 t6 t3", "t3 t6 t2 t1 t4 t5"),
        ("iteration", "t5 t3 t6 t2 t4 t1", "t1 t2 t4 t3 t6 t5"),
        ("last", "t3 t2 t6 t1 t4 t5", "t4 t1 t6 t2 t3 t5"),
        ("best", "t3 t2 t6 t1 t4 t5", "t4 t1 t6 t2 t3 t5"),
        ("runtime", "t6 t3 t2 t1 t5 t4", "t4 t5 t1 t2 t3 t6"),
        ("param:lr", "t3 t2 t6 t4 t1 t5", "t5 t1 t4 t6 t2 t3"),
        ("param:missing", "t1 t2 t3 t4 t5 t6", "t1 t2 t3 t4 t5 t6"),
    ],
)
def test_order_by_every_key(store: Store, sort_key: str, ascending: str, descending: str) -> None:
    """None (t5's metric, a missing param) sorts last both ways; ties keep insertion order."""
    record_sweep(store)
    state = folded(store)
    assert state.order(sort_key, descending=False, now=150.0) == ascending.split()
    assert state.order(sort_key, descending=True, now=150.0) == descending.split()


def test_order_descending_keeps_ties_in_insertion_order(store: Store) -> None:
    record_sweep(store)
    everyone = ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert folded(store).order("param:layers", descending=True) == everyone


def test_order_with_a_state_filter(store: Store) -> None:
    record_sweep(store)
    state = folded(store)
    assert state.order("trial_id", descending=True, state_filter="running") == ["t5", "t4"]
    assert state.order("best", state_filter="scheduler") == ["t2"]
    assert state.order("best", state_filter="paused") == []
    with pytest.raises(ValueError, match="unknown sort key"):
        state.order("colour", descending=False)


@pytest.mark.parametrize(
    ("sort_key", "state_filter", "before", "after"),
    [
        # t6's new best moves it to the top: the kept order must not be reused.
        ("best", None, "t4 t1 t6 t2 t3 t5", "t6 t4 t1 t2 t3 t5 t7"),
        # By id nothing moves, whatever the results; the new trial joins.
        ("trial_id", None, "t1 t2 t3 t4 t5 t6", "t1 t2 t3 t4 t5 t6 t7"),
        # t4 ends: it leaves the running filter, which t7 joins.
        ("trial_id", "running", "t4 t5", "t5 t7"),
        # A trial without the parameter goes last.
        ("param:lr", None, "t3 t2 t6 t4 t1 t5", "t3 t2 t6 t4 t1 t5 t7"),
    ],
)
def test_the_order_follows_changes_after_it_was_computed(
    store: Store, sort_key: str, state_filter: str | None, before: str, after: str
) -> None:
    record_sweep(store)
    state = folded(store)
    seq = store.last_seq()
    ascending = sort_key != "best"
    assert state.order(sort_key, not ascending, state_filter) == before.split()
    store.record_result("t6", 2, {"acc": 0.95}, now=130.0)
    store.record_result("t5", 1, {"acc": 0.1}, now=130.0)
    store.record_trial_ended("t4", EndReason.COMPLETED, 2, now=131.0)
    store.record_trial_started("t7", {"layers": 3}, now=132.0)
    state.apply(store.tail(seq, "acc"))
    assert state.order(sort_key, not ascending, state_filter) == after.split()


def test_params_of_mixed_types_sort_numbers_then_strings() -> None:
    state = SweepState({"metric": "acc"})
    configs = [
        {"opt": "sgd"},
        {"opt": 3},
        {"opt": None},
        {"opt": float("nan")},
        {"opt": "adam"},
        {"opt": 1.5},
    ]
    state.apply(
        Event(n, 0.0, EventKind.TRIAL_STARTED, f"t{n}", None, {"config": c})
        for n, c in enumerate(configs)
    )
    assert state.order("param:opt") == ["t5", "t1", "t4", "t0", "t2", "t3"]


def test_runtime_counts_to_now_while_running(store: Store) -> None:
    record_sweep(store)
    state = folded(store)
    assert state.row("t4").runtime(now=150.0) == 46.0
    assert state.row("t1").runtime(now=150.0) == 19.0
    assert state.elapsed(now=150.0) == 50.0
    assert SweepState({}).elapsed(now=150.0) is None


def test_tuned_is_inferred_from_configs_that_differ(store: Store) -> None:
    record_sweep(store)
    assert folded(store).tuned == ["lr"]
    store.record_trial_started("t7", {"lr": 0.1, "layers": 2, "dropout": 0.5})
    assert folded(store).tuned == ["lr", "dropout"]
    declared = SweepState({"metric": "acc", "tuned": ["layers"]})
    declared.apply(store.tail(0, "acc"))
    assert declared.tuned == ["layers"]


def test_a_single_trial_tunes_nothing(store: Store) -> None:
    store.record_trial_started("t1", {"lr": 0.1})
    assert folded(store).tuned == []


def test_the_history_holds_the_metric_at_its_iterations(store: Store) -> None:
    record_sweep(store)
    state = folded(store)
    history = state.history("t1")
    assert list(history.iterations()) == [1, 2, 3]
    assert list(history.values()) == pytest.approx([0.5, 0.7, 0.6])
    assert history.last() == pytest.approx(0.6)
    assert len(state.history("t4")) == 1  # the result without the metric adds no point
    assert len(state.history("t5")) == 0 and state.history("t5").last() is None
    assert len(state.history("nobody")) == 0


def test_a_repeated_iteration_replaces_its_value() -> None:
    state = SweepState({"metric": "acc"})
    reports = [(1, 0.1), (2, 0.2), (3, 0.3), (2, 0.25), (3, 0.35), (4, 0.4), (0, 0.0)]
    state.apply(
        Event(n, float(n), EventKind.RESULT, "t", it, {"acc": v})
        for n, (it, v) in enumerate(reports)
    )
    history = state.history("t")
    assert list(history.iterations()) == [0, 1, 2, 3, 4]
    assert list(history.values()) == pytest.approx([0.0, 0.1, 0.25, 0.35, 0.4])
    row = state.row("t")
    assert (row.iteration, row.last_metric, row.best_metric, row.state) == (4, 0.0, 0.4, "running")
    assert state.results_seen == 7


def test_values_that_are_not_finite_numbers_are_left_out() -> None:
    state = SweepState({"metric": "acc"})
    values: list[object] = [0.5, math.nan, math.inf, "high", None, 0.6]
    state.apply(
        Event(n, 0.0, EventKind.RESULT, "t", n, {"acc": v}) for n, v in enumerate(values, start=1)
    )
    assert list(state.history("t").iterations()) == [1, 6]
    assert (state.row("t").iteration, state.row("t").best_metric) == (6, 0.6)


def test_downsample_averages_buckets() -> None:
    history = MetricHistory()
    for iteration in range(1, 11):
        history.append(iteration, float(iteration))
    assert history.downsample(5) == [1.5, 3.5, 5.5, 7.5, 9.5]
    assert history.downsample(3) == pytest.approx([2.0, 5.0, 8.5])
    assert history.downsample(10) == history.downsample(80) == [float(i) for i in range(1, 11)]
    assert history.downsample(0) == []
    assert MetricHistory().downsample(4) == []


def test_history_points_cost_8_bytes() -> None:
    history = MetricHistory()
    for iteration in range(1, 1001):
        history.append(iteration, iteration / 1000)
    iterations, values = history.iterations(), history.values()
    assert isinstance(iterations, array) and isinstance(values, array)
    assert iterations.itemsize + values.itemsize == 8
    assert history.nbytes() == 8 * 1000


def test_the_folded_state_stays_small() -> None:
    trials, iterations = 200, 250
    events = [
        Event(
            n,
            0.0,
            EventKind.TRIAL_STARTED,
            f"trial_{n:05d}",
            None,
            {"config": {"lr": n / 1000, "batch_size": 64}},
        )
        for n in range(trials)
    ]
    events += [
        Event(0, 1.0, EventKind.RESULT, f"trial_{n:05d}", i, {"acc": i / iterations})
        for i in range(1, iterations + 1)
        for n in range(trials)
    ]
    tracemalloc.start()
    state = SweepState({"metric": "acc"})
    state.apply(events)
    heap, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    points = trials * iterations
    assert sum(len(state.history(row.trial_id)) for row in state.rows()) == points
    assert heap / points < 16  # 8 B per point, plus each trial's few hundred bytes
    assert state.row("trial_00007").status is TrialStatus.RUNNING


def test_a_crashed_sweep_stays_crashed_through_the_replay(store: Store) -> None:
    record_sweep(store)
    state = SweepState({**store.meta(), "status": "crashed"})
    state.apply(store.tail(0, "acc"))
    assert (state.status, state.started_at) == ("crashed", 100.0)


# -- control requests -----------------------------------------------------------------------------


class Follower:
    """A SweepState kept up to date with a store, the way a dashboard tails it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = SweepState(store.meta())
        self.seq = 0

    def follow(self) -> set[str]:
        events = self.store.tail(self.seq, "acc")
        if events:
            self.seq = events[-1].seq
        return self.state.apply(events)

    def shown(self, trial_id: str) -> tuple[str, str | None]:
        row = self.state.row(trial_id)
        return row.state, row.pending_action


@pytest.mark.parametrize(
    ("action", "label"),
    [
        (ControlAction.STOP, "stopping…"),
        (ControlAction.PAUSE, "pausing…"),
        (ControlAction.RESUME, "resuming…"),
    ],
)
def test_a_request_shows_as_pending_until_the_driver_answers(
    store: Store, action: ControlAction, label: str
) -> None:
    record_sweep(store)
    tail = Follower(store)
    tail.follow()
    request_id = store.request_control(action, "t4", now=130.0)
    assert tail.follow() == {"t4"}
    assert tail.shown("t4") == ("running", label)
    assert tail.state.row("t4").category == "running"
    store.resolve_control(request_id, True, "done", now=131.0)
    assert tail.follow() == {"t4"}
    assert tail.shown("t4") == ("running", None)
    assert tail.state.take_notices() == []


def test_stopping_clears_when_the_trial_ends_by_the_users_hand(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    store.request_control(ControlAction.STOP, "t4", now=130.0)
    tail.follow()
    assert tail.shown("t4") == ("running", "stopping…")
    store.record_trial_ended("t4", EndReason.USER, 2, now=131.0)
    assert tail.follow() == {"t4"}
    assert tail.shown("t4") == ("user", None)
    assert tail.state.counts()["user"] == 2


def test_pause_then_resume(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    store.request_control(ControlAction.PAUSE, "t4", now=130.0)
    tail.follow()
    store.record_trial_paused("t4", 2, now=131.0)
    assert tail.follow() == {"t4"}
    row = tail.state.row("t4")
    assert (row.status, row.category, row.pending_action) == (TrialStatus.PAUSED, "paused", None)
    assert tail.state.counts()["paused"] == 1
    assert tail.state.order("trial_id", state_filter="paused") == ["t4"]
    assert (row.runtime(now=150.0), row.ended_at) == (46.0, None)

    store.request_control(ControlAction.RESUME, "t4", now=140.0)
    tail.follow()
    assert tail.shown("t4") == ("paused", "resuming…")
    store.record_trial_resumed("t4", now=141.0)
    assert tail.follow() == {"t4"}
    assert tail.shown("t4") == ("running", None)
    assert [as_store_trial(r) for r in tail.state.rows()] == [from_store(t) for t in store.trials()]


def test_a_refusal_clears_the_pending_action_and_leaves_a_notice(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    request_id = store.request_control(ControlAction.PAUSE, "t4", now=130.0)
    tail.follow()
    store.resolve_control(request_id, False, "t4 has no checkpoint", now=131.0)
    assert tail.follow() == {"t4"}
    assert tail.shown("t4") == ("running", None)
    expected = "Could not pause trial t4: t4 has no checkpoint"
    assert tail.state.last_message == expected
    notices = tail.state.take_notices()
    assert [(n.time, n.action, n.trial_id, n.text) for n in notices] == [
        (131.0, ControlAction.PAUSE, "t4", expected)
    ]
    assert tail.state.take_notices() == []
    assert tail.state.last_message == expected


def test_a_stale_answer_does_not_clear_a_newer_request(store: Store) -> None:
    """Pause asked, then stop: the pause's answer (or the trial pausing) leaves "stopping…"."""
    record_sweep(store)
    tail = Follower(store)
    pause_id = store.request_control(ControlAction.PAUSE, "t4", now=130.0)
    store.request_control(ControlAction.STOP, "t4", now=130.5)
    tail.follow()
    assert tail.shown("t4") == ("running", "stopping…")
    store.record_trial_paused("t4", 2, now=131.0)
    store.resolve_control(pause_id, True, "paused", now=131.0)
    tail.follow()
    assert tail.shown("t4") == ("paused", "stopping…")
    store.record_trial_ended("t4", EndReason.USER, 2, now=132.0)
    tail.follow()
    assert tail.shown("t4") == ("user", None)


def test_requests_for_ended_or_unknown_trials_change_no_row(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    tail.follow()
    store.request_control(ControlAction.STOP, "t1", now=130.0)
    store.request_control(ControlAction.STOP, "nobody", now=130.0)
    assert tail.follow() == set()
    assert tail.shown("t1") == ("completed", None)
    assert "nobody" not in tail.state


def test_stop_all_marks_the_sweep_until_it_ends(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    request_id = store.request_control(ControlAction.STOP_ALL, None, now=130.0)
    tail.follow()
    assert tail.state.pending_action == "stopping sweep…"
    store.resolve_control(request_id, True, "stopping", now=131.0)
    tail.follow()
    assert tail.state.pending_action == "stopping sweep…"  # done means "on its way"
    store.record_experiment_ended("stopped", "stopped from tuneterm", now=140.0)
    tail.follow()
    assert (tail.state.pending_action, tail.state.status) == (None, "stopped")


def test_a_refused_stop_all_clears_at_once(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    request_id = store.request_control(ControlAction.STOP_ALL, None, now=130.0)
    store.resolve_control(request_id, False, "already stopping", now=131.0)
    tail.follow()
    assert tail.state.pending_action is None
    assert tail.state.last_message == "Could not stop the sweep: already stopping"


def test_the_end_of_the_sweep_interrupts_paused_trials_like_the_store(store: Store) -> None:
    record_sweep(store)
    store.record_trial_paused("t4", 2, now=125.0)
    store.request_control(ControlAction.STOP, "t5", now=126.0)
    store.record_experiment_ended("crashed", "driver died", now=130.0)
    state = folded(store)
    assert [as_store_trial(row) for row in state.rows()] == [from_store(t) for t in store.trials()]
    assert (state.row("t4").state, state.row("t5").pending_action) == ("interrupted", None)


def test_marking_locally_shows_at_once_and_the_echo_changes_nothing(store: Store) -> None:
    record_sweep(store)
    tail = Follower(store)
    tail.follow()
    assert tail.state.mark_pending(ControlAction.STOP, "t4") == {"t4"}
    assert tail.shown("t4") == ("running", "stopping…")
    assert tail.state.mark_pending(ControlAction.STOP, "t1") == set()  # ended: nothing to show
    assert tail.state.mark_pending(ControlAction.STOP_ALL, None) == set()
    assert tail.state.pending_action == "stopping sweep…"
    store.request_control(ControlAction.STOP, "t4", now=130.0)
    tail.follow()
    assert tail.shown("t4") == ("running", "stopping…")
    # A write that failed: the UI takes its marks back.
    assert tail.state.clear_pending(ControlAction.STOP, "t4") == {"t4"}
    assert tail.state.clear_pending(ControlAction.STOP_ALL, None) == set()
    assert (tail.shown("t4"), tail.state.pending_action) == (("running", None), None)


def test_control_events_fold_the_same_in_pieces(store: Store) -> None:
    record_sweep(store)
    first = store.request_control(ControlAction.PAUSE, "t4", now=130.0)
    store.record_trial_paused("t4", 2, now=131.0)
    store.resolve_control(first, True, now=131.0)
    store.request_control(ControlAction.STOP, "t5", now=132.0)
    events = store.tail(0, "acc")
    pieces = SweepState(store.meta())
    for i in range(0, len(events), 3):
        pieces.apply(events[i : i + 3])
    assert pieces.rows() == folded(store).rows()
    assert pieces.row("t5").pending_action == "stopping…"


def test_a_resumed_sweep_keeps_its_first_start_in_the_store_and_the_state(store: Store) -> None:
    store.record_experiment_started(now=100.0, resumed=False)
    store.record_experiment_ended("crashed", "driver died", now=150.0)
    store.record_experiment_started(now=500.0, resumed=True)
    assert store.meta()["started_at"] == 100.0
    state = folded(store)
    assert state.started_at == 100.0 and state.ended_at is None
    assert state.elapsed(now=600.0) == 500.0
    # A new run of the same store (not a resume) starts the clock again.
    store.record_experiment_started(now=700.0, resumed=False)
    assert store.meta()["started_at"] == 700.0
