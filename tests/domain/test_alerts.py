"""Alerts derived from a sweep's events (new best held back, errors, health, the sweep's end), the
JSON they are delivered as, the "since you left" banner, and the [alerts] table's checks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tuneterm.domain.alerts import (
    DEFAULT_EVENTS,
    Alert,
    AlertDeriver,
    AlertEvent,
    BestPolicy,
)
from tuneterm.domain.away import AwayTally
from tuneterm.domain.config.alerts import AlertSpec, checked_alerts
from tuneterm.domain.config.space import ValidationError
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.trial import Trial

T0 = 1_800_000_000.0


class Log:
    """Builds a sweep's events in order, stamped T0 + `at` seconds."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self, at: float, kind: str, trial: str | None = None, it: int | None = None, **data: Any
    ) -> Event:
        event = Event(len(self.events) + 1, T0 + at, kind, trial, it, data)
        self.events.append(event)
        return event

    def result(self, at: float, trial: str, it: int, accuracy: float) -> Event:
        return self.add(at, EventKind.RESULT, trial, it, accuracy=accuracy)

    def ended(
        self, at: float, trial: str, reason: EndReason | str, it: int = 3, **data: Any
    ) -> Event:
        value = reason.value if isinstance(reason, EndReason) else reason
        return self.add(at, EventKind.TRIAL_ENDED, trial, it, reason=value, **data)


def deriver(quiet_s: float = 30.0, min_trials: int = 3, mode: str = "max") -> AlertDeriver:
    return AlertDeriver(
        "lr-sweep", "/x/lr-sweep", "accuracy", mode, BestPolicy(quiet_s, min_trials)
    )


def kinds(alerts: list[Alert]) -> list[str]:
    return [alert.event.value for alert in alerts]


# -- new best -------------------------------------------------------------------------------------


def test_no_new_best_before_three_trials_reported_then_one_with_its_words() -> None:
    alerts = deriver()
    log = Log()
    silent = [log.result(0, "a", 1, 0.5), log.result(1, "a", 2, 0.6), log.result(2, "b", 1, 0.7)]
    assert alerts.observe(silent) == []
    assert alerts.observe([log.result(3, "c", 1, 0.65)]) == []  # third trial, not a best
    [best] = alerts.observe([log.result(4, "c", 2, 0.987)])
    assert best.event is AlertEvent.NEW_BEST
    assert best.text == "tuneterm: lr-sweep: new best accuracy 0.987 by trial c (iteration 2)"
    assert (best.trial_id, best.value, best.iteration, best.time) == ("c", 0.987, 2, T0 + 4)


def test_new_bests_within_the_quiet_period_are_held_and_the_latest_wins() -> None:
    alerts = deriver(quiet_s=30, min_trials=1)
    log = Log()
    assert kinds(alerts.observe([log.result(0, "a", 1, 0.5)])) == ["new_best"]
    held = [log.result(5, "b", 1, 0.6), log.result(10, "a", 2, 0.7), log.result(12, "b", 2, 0.65)]
    assert alerts.observe(held) == []
    assert alerts.due(T0 + 29) == []
    [late] = alerts.due(T0 + 30)
    assert (late.value, late.trial_id, late.time) == (0.7, "a", T0 + 10)
    assert alerts.due(T0 + 100) == []
    # The period restarts from the held one's delivery: a best 10 s later waits again.
    assert alerts.observe([log.result(40, "c", 1, 0.8)]) == []
    assert [a.value for a in alerts.due(T0 + 60)] == [0.8]


def test_a_best_is_a_lower_value_in_min_mode_and_nan_or_missing_metrics_are_ignored() -> None:
    alerts = deriver(min_trials=1, mode="min")
    log = Log()
    events = [
        log.result(0, "a", 1, 0.5),
        log.add(1, EventKind.RESULT, "a", 2, accuracy=float("nan")),
        log.add(2, EventKind.RESULT, "a", 3, loss=0.1),
        log.result(40, "b", 1, 0.7),
        log.result(80, "b", 2, 0.2),
    ]
    assert [a.value for a in alerts.observe(events)] == [0.5, 0.2]


def test_a_sweeps_end_drops_a_held_best_and_names_the_best_itself() -> None:
    alerts = deriver(min_trials=1)
    log = Log()
    alerts.observe([log.add(0, EventKind.TRIAL_STARTED, "a"), log.result(1, "a", 1, 0.5)])
    alerts.observe([log.add(1, EventKind.TRIAL_STARTED, "b"), log.result(2, "b", 1, 0.9)])
    ended = log.add(3, EventKind.EXPERIMENT_ENDED, status=SweepStatus.FINISHED, message="")
    [end] = alerts.observe([log.ended(2.5, "a", EndReason.COMPLETED), ended])
    assert end.event is AlertEvent.SWEEP_FINISHED
    assert end.text == (
        "tuneterm: lr-sweep: finished: 2 trials (1 completed, 1 unfinished);"
        " best accuracy 0.9 by trial b"
    )
    assert (end.trial_id, end.value) == ("b", 0.9)
    assert alerts.due(T0 + 1000) == []


def test_history_is_folded_silently_and_holds_nothing_back() -> None:
    alerts = deriver(quiet_s=30, min_trials=1)
    log = Log()
    history = [
        log.result(0, "a", 1, 0.5),
        log.result(1, "a", 2, 0.55),
        log.ended(2, "a", EndReason.ERROR, error="boom"),
    ]
    news = [log.result(3, "b", 1, 0.4), log.result(4, "b", 2, 0.6)]
    assert kinds(alerts.observe(history + news, news_from=T0 + 3)) == ["new_best"]
    assert alerts.best == (0.6, "b")
    assert alerts.due(T0 + 1000) == []


def test_seeded_from_the_store_a_resumed_sweep_does_not_announce_old_bests() -> None:
    alerts = deriver(quiet_s=0)
    ended = TrialStatus.ENDED
    alerts.seed(
        [
            Trial("a", {}, ended, reason=EndReason.COMPLETED, best_metric=0.8),
            Trial("b", {}, ended, reason=EndReason.ERROR),
            Trial("c", {}, TrialStatus.RUNNING, best_metric=0.7),
            Trial("d", {}, TrialStatus.RUNNING, best_metric=0.6),
        ]
    )
    log = Log()
    assert alerts.observe([log.result(0, "c", 5, 0.75)]) == []
    [best] = alerts.observe([log.result(1, "d", 5, 0.85)])
    assert best.value == 0.85
    end = log.add(2, EventKind.EXPERIMENT_ENDED, status=SweepStatus.STOPPED, message="interrupted")
    [stopped] = alerts.observe([end])
    assert stopped.text.startswith(
        "tuneterm: lr-sweep: stopped: 4 trials (1 completed, 1 errored, 2 unfinished)"
        " (interrupted); best accuracy 0.85 by trial d"
    )


# -- errors, health, the sweep's end --------------------------------------------------------------


def test_an_errored_trial_alerts_with_the_exceptions_line() -> None:
    log = Log()
    traceback = "Traceback (most recent call last):\n  File x\nValueError: lr too high\n\n"
    [alert] = deriver().observe([log.ended(5, "a1b2c_00001", EndReason.ERROR, 7, error=traceback)])
    assert alert.event is AlertEvent.TRIAL_ERRORED
    assert alert.text == (
        "tuneterm: lr-sweep: trial a1b2c_00001 errored at iteration 7: ValueError: lr too high"
    )
    assert deriver().observe([log.ended(6, "x", EndReason.COMPLETED)]) == []


def test_error_text_with_escapes_stays_one_printable_line() -> None:
    log = Log()
    [alert] = deriver().observe([log.ended(5, "a", EndReason.ERROR, 1, error="E: \x1b[31mred\nx")])
    assert "\x1b" not in alert.text and "\n" not in alert.text
    assert alert.text.endswith("errored at iteration 1: x")


def test_unhealthy_once_per_trial_until_healthy_again_and_a_rule_stop_counts() -> None:
    alerts = deriver()
    log = Log()
    health = EventKind.TRIAL_HEALTH
    flagged = [
        log.add(1, health, "a", 4, health="nan", reason="nan: accuracy was nan at iteration 4"),
        log.add(2, health, "a", 5, health="diverged", reason="diverged: ..."),
        log.add(3, health, "a", 6, health="ok", reason=""),
        log.add(4, health, "a", 7, health="stalled", reason="stalled: no report for 2 min"),
        log.ended(5, "a", EndReason.RULE, 7, rule="stalled"),
        log.ended(6, "b", EndReason.RULE, 2, rule="nan"),
    ]
    found = alerts.observe(flagged)
    assert [(a.event.value, a.trial_id, a.iteration) for a in found] == [
        ("trial_unhealthy", "a", 4),
        ("trial_unhealthy", "a", 7),
        ("trial_unhealthy", "b", 2),
    ]
    assert [a.text.removeprefix("tuneterm: lr-sweep: ") for a in found] == [
        "trial a is unhealthy: nan: accuracy was nan at iteration 4",
        "trial a is unhealthy: stalled: no report for 2 min",
        "trial b is unhealthy: nan: stopped by the rule",
    ]


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (SweepStatus.FINISHED, "sweep_finished"),
        (SweepStatus.FAILED, "sweep_failed"),
        (SweepStatus.STOPPED, "sweep_stopped"),
        (SweepStatus.CRASHED, "sweep_crashed"),
    ],
)
def test_each_end_of_a_sweep_has_its_event(status: SweepStatus, event: str) -> None:
    log = Log()
    ended = log.add(9, EventKind.EXPERIMENT_ENDED, status=status.value, message="why")
    [alert] = deriver().observe([ended])
    assert alert.event.value == event
    assert alert.text == f"tuneterm: lr-sweep: {event.removeprefix('sweep_')}: 0 trials (why)"


def test_the_payload_carries_text_for_slack_and_content_for_discord() -> None:
    log = Log()
    [alert] = deriver().observe([log.ended(0, "a", EndReason.ERROR, 2, error="boom")])
    payload = json.loads(json.dumps(alert.payload()))
    assert payload == {
        "event": "trial_errored",
        "text": "tuneterm: lr-sweep: trial a errored at iteration 2: boom",
        "content": "tuneterm: lr-sweep: trial a errored at iteration 2: boom",
        "experiment": "lr-sweep",
        "directory": "/x/lr-sweep",
        "trial": "a",
        "value": None,
        "iteration": 2,
        "time": "2027-01-15T08:00:00Z",
    }


def test_new_best_is_not_delivered_by_default() -> None:
    assert "new_best" not in DEFAULT_EVENTS
    assert set(DEFAULT_EVENTS) == {e.value for e in AlertEvent} - {"new_best"}


# -- the "since you left" banner ------------------------------------------------------------------


def sweep_log() -> Log:
    log = Log()
    log.result(0, "a", 1, 0.9)
    log.result(10, "a", 2, 0.95)  # the best before leaving
    log.result(120, "b", 1, 0.93)
    log.ended(130, "a", EndReason.COMPLETED)
    log.ended(140, "b", EndReason.COMPLETED)
    log.ended(150, "c", EndReason.SCHEDULER)
    log.ended(160, "d", EndReason.ERROR, error="boom")
    log.ended(165, "e", EndReason.COMPLETED)
    log.result(170, "f", 4, 0.987)
    log.add(171, EventKind.ALERT, "f", 4, event="new_best", delivered=False, channel="webhook")
    return log


def test_the_banner_counts_what_happened_since_the_last_visit() -> None:
    tally = AwayTally(T0 + 60, "accuracy", "max")
    tally.observe(sweep_log().events)
    banner = tally.banner(T0 + 200)
    left = time.strftime("%H:%M", time.localtime(T0 + 60))
    assert banner == (
        f"since you left at {left}: 3 completed, 1 stopped by the scheduler, 1 errored,"
        " new best 0.987 by f, 1 alert not delivered"
    )


def test_the_banner_names_the_sweeps_end_and_the_day_when_it_was_another() -> None:
    log = sweep_log()
    log.add(180, EventKind.EXPERIMENT_ENDED, status="crashed", message="RayError: gone")
    tally = AwayTally(T0 + 150, "accuracy", "max")
    tally.observe(log.events)
    banner = tally.banner(T0 + 3 * 86_400)
    left = time.strftime("%Y-%m-%d %H:%M", time.localtime(T0 + 150))
    assert banner == (
        f"since you left at {left}: 1 completed, 1 errored, new best 0.987 by f,"
        " the sweep crashed: RayError: gone, 1 alert not delivered"
    )


def test_no_banner_when_only_results_came_or_no_best_was_beaten() -> None:
    log = Log()
    log.result(0, "a", 1, 0.9)
    log.result(100, "a", 2, 0.8)
    tally = AwayTally(T0 + 50, "accuracy", "max")
    tally.observe(log.events)
    assert (tally.changed, tally.banner(T0 + 200)) == (False, None)


def test_a_banner_for_a_min_metric_counts_a_lower_value_as_a_new_best() -> None:
    log = Log()
    log.result(0, "a", 1, 0.5)
    log.result(100, "b", 1, 0.3)
    tally = AwayTally(T0 + 50, "accuracy", "min")
    tally.observe(log.events)
    assert tally.parts() == ["new best 0.3 by b"]


# -- the [alerts] table ---------------------------------------------------------------------------


class Machine:
    """A workspace where only `notify` and /usr/bin/true are found."""

    def absolute(self, path: str) -> str:
        return "/home/me/" + path.removeprefix("./")

    def command_problem(self, program: str) -> str | None:
        known = ("notify", "/usr/bin/true", "./hooks/alert.sh")
        return None if program in known else f"command {program!r} not found on PATH"


def test_a_valid_table_is_normalised() -> None:
    spec = AlertSpec(
        webhook="https://hooks.slack.com/services/T0/B0/x",
        command="./hooks/alert.sh --to 'me and you'",
        events=("sweep_finished", "trial_errored", "sweep_finished"),
        timeout_s=5,
        retries=0,
    )
    checked = checked_alerts(spec, Machine())
    assert checked.command == "/home/me/hooks/alert.sh --to 'me and you'"
    assert checked.events == ("sweep_finished", "trial_errored")
    assert checked.timeout_s == 5.0 and isinstance(checked.timeout_s, float)
    assert checked.delivers and not AlertSpec().delivers
    assert AlertSpec().chosen_events == DEFAULT_EVENTS


@pytest.mark.parametrize(
    ("spec", "key", "message"),
    [
        (AlertSpec(webhook="file:///tmp/x"), "alerts.webhook", "is not an http or https URL"),
        (AlertSpec(webhook="http://"), "alerts.webhook", "is not an http or https URL"),
        (AlertSpec(webhook="https://h:99999/x"), "alerts.webhook", "is not a URL"),
        (AlertSpec(webhook="https://h/a b"), "alerts.webhook", "contains a space"),
        (AlertSpec(command="mail -s 'x"), "alerts.command", "cannot be split into words"),
        (AlertSpec(command="  "), "alerts.command", "must not be empty"),
        (AlertSpec(command="sendmail x"), "alerts.command", "'sendmail' not found on PATH"),
        (AlertSpec(events=("sweep_done",)), "alerts.events", "unknown event 'sweep_done'"),
        (AlertSpec(timeout_s=0), "alerts.timeout_s", "must be more than 0 and at most 300"),
        (AlertSpec(retries=11), "alerts.retries", "must be from 0 to 10 (got 11)"),
    ],
)
def test_a_bad_table_names_its_key(spec: AlertSpec, key: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        checked_alerts(spec, Machine())
    assert raised.value.key == key
    assert message in raised.value.message


def test_the_banner_counts_health_flags_and_rule_stops() -> None:
    log = Log()
    log.result(0, "a", 1, 0.9)
    log.add(100, EventKind.TRIAL_HEALTH, "a", 2, health="nan", reason="nan: ...")
    log.add(101, EventKind.TRIAL_HEALTH, "b", 2, health="ok", reason="")
    log.ended(102, "a", EndReason.RULE, 2, rule="nan")
    tally = AwayTally(T0 + 50, "accuracy", "max")
    tally.observe(log.events)
    assert tally.parts() == ["1 stopped by a health rule", "1 flagged unhealthy"]
