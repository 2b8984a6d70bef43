"""Trial health (domain.health): the nan, diverged and stalled rules on hand-made report
sequences, with a fake clock; how the sweep state keeps a trial's health; the [health] table."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tuneterm.domain.config.health import HealthSpec, checked_health
from tuneterm.domain.config.space import ValidationError
from tuneterm.domain.events import EventKind
from tuneterm.domain.filter import compile_filter
from tuneterm.domain.health import (
    Health,
    HealthPolicy,
    HealthRule,
    HealthSettings,
    HealthWatch,
    stall_reason,
)
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.domain.sweep.rows import FLAGGED
from tuneterm.domain.sweep.state import SweepState
from tuneterm.storage.store import Store

ACCURACY = ("accuracy", "max")
VAL_LOSS = ("val_loss", "min")


def watch(*metrics: tuple[str, str], **settings: float) -> HealthWatch:
    return HealthWatch(HealthPolicy.of(metrics or (ACCURACY,), HealthSettings(**settings)))  # type: ignore[arg-type]


def report(
    health: HealthWatch, name: str, values: Sequence[float], every: float = 1.0
) -> list[tuple[int, Health]]:
    """Each value reported in turn, `every` seconds apart from t=100, at iterations 1, 2, ...;
    returns the flags raised, with the iteration that raised each."""
    raised = []
    for iteration, value in enumerate(values, start=1):
        flag = health.observe(100.0 + every * iteration, iteration, {name: value})
        if flag is not None:
            raised.append((iteration, flag))
    return raised


# -- nan -----------------------------------------------------------------------------------------


def test_a_nan_of_the_metric_flags_the_trial_at_its_iteration() -> None:
    health = watch()
    raised = report(health, "accuracy", [0.5, 0.6, 0.7, math.nan, 0.8])
    assert raised == [(4, Health(HealthRule.NAN, "nan: accuracy was nan at iteration 4"))]
    assert (health.rule, health.reason) == ("nan", "nan: accuracy was nan at iteration 4")


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_an_infinite_value_of_a_further_metric_is_flagged_as_nan(value: float) -> None:
    health = watch(ACCURACY, VAL_LOSS)
    assert health.observe(1.0, 1, {"accuracy": 0.5, "val_loss": 1.0}) is None
    flag = health.observe(2.0, 2, {"accuracy": 0.6, "val_loss": value})
    assert flag == Health(HealthRule.NAN, f"nan: val_loss was {value} at iteration 2")


def test_metrics_the_sweep_does_not_name_and_values_that_are_no_numbers_are_not_flagged() -> None:
    health = watch()
    assert health.observe(1.0, 1, {"accuracy": 0.5, "grad_norm": math.nan}) is None
    assert health.observe(2.0, 2, {"accuracy": None}) is None
    assert health.observe(3.0, 3, {"accuracy": "nan"}) is None
    assert health.observe(4.0, 4, {}) is None
    assert health.health is None


def test_a_flag_stays_and_is_raised_once() -> None:
    health = watch()
    assert len(report(health, "accuracy", [0.5, math.nan, math.nan, 0.9, 0.95])) == 1
    assert health.rule == "nan"


def test_a_repeated_iteration_is_ignored() -> None:
    health = watch()
    assert health.observe(1.0, 1, {"accuracy": 0.5}) is None
    # A restored run repeats iteration 1: the store kept the first one, the watch too.
    assert health.observe(2.0, 1, {"accuracy": math.nan}) is None
    assert health.health is None


# -- diverged ------------------------------------------------------------------------------------


def test_a_loss_that_grows_diverges_once_three_reports_in_a_row_are_worse_than_its_first() -> None:
    health = watch(VAL_LOSS)
    raised = report(health, "val_loss", [2.3, 2.5, 3.0, 4.0, 9.0])
    reason = (
        "diverged: val_loss worse than its first report for 3 reports in a row (now 4, first 2.3)"
    )
    assert raised == [(4, Health(HealthRule.DIVERGED, reason))]


def test_an_accuracy_that_falls_diverges_by_its_mode() -> None:
    health = watch(ACCURACY)
    raised = report(health, "accuracy", [0.5, 0.4, 0.3, 0.2])
    assert [(iteration, flag.rule) for iteration, flag in raised] == [(4, HealthRule.DIVERGED)]
    assert "accuracy worse than its first report for 3 reports in a row" in raised[0][1].reason
    # The same numbers are an improving loss.
    assert report(watch(("accuracy", "min")), "accuracy", [0.5, 0.4, 0.3, 0.2]) == []


def test_patience_is_the_number_of_reports_in_a_row() -> None:
    values = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
    assert [it for it, _ in report(watch(VAL_LOSS, patience=5), "val_loss", values)] == [6]
    assert [it for it, _ in report(watch(VAL_LOSS, patience=1), "val_loss", values)] == [2]


def test_a_noisy_divergence_is_flagged_at_its_next_worst_report() -> None:
    # 2.9 is worse than the first but not the worst yet; 4.0 is both, four reports in.
    raised = report(watch(VAL_LOSS), "val_loss", [2.3, 2.1, 2.5, 3.0, 2.9, 4.0])
    assert [it for it, _ in raised] == [6]
    assert "for 4 reports in a row (now 4, first 2.3)" in raised[0][1].reason


def test_a_noisy_but_improving_trial_is_never_flagged() -> None:
    rng = random.Random(7)
    losses = [2.0 / (1 + 0.1 * i) + rng.gauss(0, 0.15) for i in range(300)]
    assert report(watch(VAL_LOSS), "val_loss", losses) == []
    accuracies = [0.9 - 0.5 * math.exp(-i / 20) + rng.gauss(0, 0.03) for i in range(300)]
    assert report(watch(ACCURACY), "accuracy", accuracies) == []


def test_a_trial_that_got_worse_and_recovers_is_not_flagged() -> None:
    # Worse than its first five times in a row, but never beyond its worst after the first.
    values = [1.0, 1.3, 1.2, 1.25, 1.1, 1.28, 0.9, 0.8]
    assert report(watch(VAL_LOSS), "val_loss", values) == []


def test_an_interruption_of_the_streak_starts_it_again() -> None:
    values = [1.0, 1.5, 1.6, 0.9, 1.7, 1.8, 1.9]
    assert [it for it, _ in report(watch(VAL_LOSS), "val_loss", values)] == [7]


# -- stalled -------------------------------------------------------------------------------------


def test_a_trial_silent_for_more_than_5_times_its_median_interval_is_stalled() -> None:
    health = watch()
    report(health, "accuracy", [0.5, 0.6, 0.7, 0.8], every=10.0)  # last report at t=140
    assert not health.check_stall(140.0 + 50.0)  # 5x the median: not yet
    assert health.stall is None
    assert health.check_stall(140.0 + 51.0)
    assert health.health == Health(
        HealthRule.STALLED, "stalled: no report for 51.0 s, 5.1× its median interval of 10.0 s"
    )
    # The reason follows the clock; the next report clears the flag.
    assert health.check_stall(140.0 + 130.0)
    assert health.reason == "stalled: no report for 2 min 10 s, 13× its median interval of 10.0 s"
    assert health.observe(300.0, 5, {"accuracy": 0.9}) is None
    assert health.health is None


def test_the_floor_keeps_fast_trials_from_being_flagged_by_a_short_pause() -> None:
    health = watch()
    report(health, "accuracy", [0.5] * 20, every=0.1)  # last report at t=102
    assert not health.check_stall(102.0 + 29.0)  # 290x its median, but under the 30 s floor
    assert health.check_stall(102.0 + 31.0)
    assert health.rule == "stalled"
    lower = watch(stall_floor_s=1.0)
    report(lower, "accuracy", [0.5] * 20, every=0.1)
    assert lower.check_stall(102.0 + 1.5)


def test_the_factor_is_configurable() -> None:
    health = watch(stall_factor=2.0, stall_floor_s=0.0)
    report(health, "accuracy", [0.5, 0.6, 0.7], every=10.0)  # last report at t=130
    assert not health.check_stall(149.0)
    assert health.check_stall(151.0)


def test_a_trial_is_watched_for_stalls_only_from_its_third_report() -> None:
    health = watch()
    report(health, "accuracy", [0.5, 0.6], every=10.0)
    assert not health.check_stall(10_000.0)
    health.observe(130.0, 3, {"accuracy": 0.7})
    assert health.check_stall(10_000.0)


def test_the_median_is_taken_over_the_latest_intervals() -> None:
    health = watch(stall_floor_s=0.0)
    for iteration in range(1, 40):
        # Slow at first (60 s apart), then 1 s apart: the latest 16 intervals are all 1 s.
        at = 60.0 * min(iteration, 20) + max(0, iteration - 20)
        health.observe(at, iteration, {"accuracy": 0.5})
    assert health.median_interval() == 1.0


def test_after_a_restart_a_trial_is_watched_from_its_next_report() -> None:
    health = watch()
    report(health, "accuracy", [0.5, 0.6, 0.7], every=10.0)  # last report at t=130
    health.restart()  # paused, then resumed: it may wait for a slot
    assert not health.check_stall(10_000.0)
    health.observe(20_000.0, 4, {"accuracy": 0.8})
    # The pause counted as no interval: the median is still 10 s.
    assert health.median_interval() == 10.0
    assert not health.check_stall(20_049.0)
    assert health.check_stall(20_051.0)


def test_a_nan_or_diverged_flag_wins_over_a_stall() -> None:
    health = watch()
    report(health, "accuracy", [0.5, 0.6, math.nan], every=10.0)
    assert not health.check_stall(10_000.0)
    assert health.rule == "nan"


def test_stall_reasons_read_well() -> None:
    assert (
        stall_reason(130.0, 26.0)
        == "stalled: no report for 2 min 10 s, 5× its median interval of 26.0 s"
    )
    assert (
        stall_reason(45.0, 0.0)
        == "stalled: no report for 45.0 s, many× its median interval of 0.0 s"
    )


def test_the_drivers_flags_are_taken_the_first_nan_or_divergence_stays() -> None:
    health = watch()
    assert health.note("stalled", "stalled: no report for 2 min 10 s")
    assert health.rule == "stalled"
    assert health.note("ok", "reported again")
    assert health.health is None
    assert not health.note("ok", "")  # nothing changed
    assert not health.note("bored", "not a rule")
    assert health.note("diverged", "diverged: accuracy worse ...")
    assert not health.note("nan", "nan: accuracy was nan at iteration 9")
    assert not health.note("stalled", "stalled: ...")
    assert (health.rule, health.reason) == ("diverged", "diverged: accuracy worse ...")


def test_a_trial_stopped_for_a_stall_keeps_it_as_its_flag() -> None:
    health = watch()
    report(health, "accuracy", [0.5, 0.6, 0.7], every=10.0)
    health.check_stall(1_000.0)
    health.end("stalled")
    assert health.rule == "stalled"
    other = watch()
    report(other, "accuracy", [0.5, 0.6, 0.7], every=10.0)
    other.check_stall(1_000.0)
    other.end()  # it completed after all: a stall is no flag of an ended trial
    assert other.health is None


# -- settings ------------------------------------------------------------------------------------


def test_settings_come_from_the_meta_with_defaults_for_what_is_missing() -> None:
    assert HealthSettings.of(None) == HealthSettings(3, 5.0, 30.0)
    assert HealthSettings.of({"patience": 5, "stall_floor_s": 0}) == HealthSettings(5, 5.0, 0.0)
    assert HealthSettings.of({"patience": "x", "stall_factor": -1}) == HealthSettings()
    assert HealthSettings.of(HealthSettings(4, 2.0, 10.0).to_meta()) == HealthSettings(4, 2.0, 10.0)


def test_the_health_table_is_checked() -> None:
    spec = checked_health(HealthSpec(stop=("nan", "stalled", "nan"), stall_factor=4))
    assert (spec.stop, spec.stall_factor, spec.settings) == (
        ("nan", "stalled"),
        4.0,
        HealthSettings(3, 4.0, 30.0),
    )
    with pytest.raises(ValidationError) as error:
        checked_health(HealthSpec(stop=("nan", "diverging")))
    assert (error.value.key, error.value.message) == (
        "health.stop",
        "unknown rule 'diverging' (did you mean 'diverged'?); the rules are nan, diverged, stalled",
    )
    for bad, key in [
        (HealthSpec(patience=0), "health.patience"),
        (HealthSpec(stall_factor=1.0), "health.stall_factor"),
        (HealthSpec(stall_floor_s=-1.0), "health.stall_floor_s"),
    ]:
        with pytest.raises(ValidationError) as error:
            checked_health(bad)
        assert error.value.key == key


# -- in the sweep state --------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    meta = {
        "name": "exp",
        "metric": "accuracy",
        "mode": "max",
        "metrics": [["accuracy", "max"], ["val_loss", "min"]],
        "health": HealthSettings(patience=2).to_meta(),
    }
    created = Store.create(tmp_path / "store.sqlite", meta)
    yield created
    created.close()


def folded(store: Store) -> SweepState:
    state = SweepState(store.meta())
    state.apply(store.events_since(0))  # every metric, as the dashboard's feed reads them
    return state


def record_three_trials(store: Store) -> None:
    """t1 healthy, t2 whose val_loss diverges (patience 2), t3 a NaN only the driver saw."""
    store.record_experiment_started(now=100.0)
    for n in (1, 2, 3):
        store.record_trial_started(f"t{n}", {"lr": 0.1 * n}, now=100.0)
    for iteration, loss in enumerate([1.0, 1.2, 1.5], start=1):
        store.record_result(
            "t1", iteration, {"accuracy": 0.5, "val_loss": 1.0}, now=100.0 + iteration
        )
        store.record_result(
            "t2", iteration, {"accuracy": 0.5, "val_loss": loss}, now=100.0 + iteration
        )
    store.record_result("t3", 1, {"accuracy": 0.5}, now=101.0)
    with store.transaction():
        data = {"health": "nan", "reason": "nan: accuracy was nan at iteration 2"}
        store.append_event(102.5, EventKind.TRIAL_HEALTH, "t3", 2, data)
    store.record_trial_ended("t3", EndReason.RULE, 2, now=103.0, rule="nan")


def test_rows_carry_each_trials_health(store: Store) -> None:
    record_three_trials(store)
    state = folded(store)
    t1, t2, t3 = (state.row(f"t{n}") for n in (1, 2, 3))
    assert (t1.health_rule, t1.health) == (None, None)
    assert t2.health_rule == "diverged"
    assert t2.health == (
        "diverged: val_loss worse than its first report for 2 reports in a row (now 1.5, first 1)"
    )
    assert (t3.health_rule, t3.health) == ("nan", "nan: accuracy was nan at iteration 2")
    assert (t3.category, t3.state, t3.stop_iteration) == ("rule", "rule:nan", 2)
    assert state.counts()["rule"] == 1


def test_the_filter_names_a_trials_health_and_its_rule_stop(store: Store) -> None:
    record_three_trials(store)
    state = folded(store)

    def shown(text: str) -> list[str]:
        where = compile_filter(text, ["lr", "accuracy", "val_loss"])
        return state.order("trial_id", where=where, now=200.0)

    assert shown('health == "nan"') == ["t3"]
    assert shown('health == "ok"') == ["t1"]
    assert shown('health != "ok"') == ["t2", "t3"]
    assert shown('state == "rule"') == shown('state == "rule:nan"') == ["t3"]
    assert state.order("trial_id", state_filter="rule") == ["t3"]
    assert state.order("trial_id", state_filter=FLAGGED) == ["t2", "t3"]


def test_stalls_are_found_by_the_periodic_pass_and_cleared_by_a_report(store: Store) -> None:
    record_three_trials(store)
    state = folded(store)
    # t1 and t2 reported at 101, 102, 103: stalled after 30 s (the floor).
    assert state.check_health(133.0) == set()
    assert state.check_health(134.0) == {"t1"}  # t2's divergence wins over its stall
    assert (
        state.row("t1").health == "stalled: no report for 31.0 s, 31× its median interval of 1.0 s"
    )
    assert state.order("trial_id", where=compile_filter('health == "stalled"', []), now=0) == ["t1"]
    store.record_result("t1", 4, {"accuracy": 0.6, "val_loss": 0.9}, now=140.0)
    state.apply(store.events_since(store.last_seq() - 1))
    assert state.row("t1").health is None
    assert state.order("trial_id", where=compile_filter('health == "stalled"', []), now=0) == []


def test_no_stall_is_found_once_the_sweep_is_no_longer_running(store: Store) -> None:
    record_three_trials(store)
    state = folded(store)
    state.status = SweepStatus.CRASHED  # its driver died: its trials are not stalled, it is
    assert state.check_health(1_000.0) == set()
    store.record_experiment_ended(SweepStatus.STOPPED, now=150.0)
    state = folded(store)
    assert state.check_health(1_000.0) == set()
    assert state.row("t1").health is None


def test_a_paused_trial_is_not_stalled(store: Store) -> None:
    record_three_trials(store)
    store.record_trial_paused("t1", 3, now=104.0)
    state = folded(store)
    assert "t1" not in state.check_health(1_000.0)
    store.record_trial_resumed("t1", now=1_000.0)
    state = folded(store)
    assert "t1" not in state.check_health(2_000.0)  # waiting for a slot, maybe
