"""Alerts in the dashboard: the "since you left" banner on attach, a notification and the bell for
news (never for the history replayed on attach), `b` and TUNETERM_BELL, and the record that a
dashboard showed the sweep."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.recorded import FROZEN_NOW, T0, RecordedSweep
from tuneterm.domain.away import SEEN_KEY
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.store import Store
from tuneterm.ui.alerts import TOGGLE_BELL
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.key_list import help_sections

RUNNING = "a1b2c_00006"
"""A trial of the recorded sweep still running at iteration 5."""


class Notes:
    """The notifications an app shows, as (title, message) (a `message_hook`)."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.shown.append((message.notification.title, message.notification.message))


def small_sweep(path: Path) -> tuple[RecordedSweep, float]:
    """Trial a completes, then (the returned time: when a dashboard was last seen) b errors after
    a new best, c completes, and the sweep finishes."""
    path.mkdir(parents=True)
    meta = {"name": "lr-sweep", "metric": "accuracy", "mode": "max", "status": "created"}
    store = Store.create(path / Store.FILENAME, meta)
    store.record_experiment_started(now=T0, address="local")
    sweep = RecordedSweep(path, store, event_count=1)
    sweep.start_trial("a", {"lr": 0.1})
    sweep.report("a", 1, 0.5)
    sweep.report("a", 2, 0.6)
    sweep.end("a", EndReason.COMPLETED, 2)
    seen_at = sweep.tick()
    sweep.start_trial("b", {"lr": 0.01})
    sweep.report("b", 1, 0.7)
    sweep.end("b", EndReason.ERROR, 1, "Traceback\nValueError: boom")
    sweep.start_trial("c", {"lr": 0.001})
    sweep.report("c", 1, 0.55)
    sweep.end("c", EndReason.COMPLETED, 1)
    store.record_experiment_ended(SweepStatus.FINISHED, now=sweep.tick())
    sweep.event_count += 1
    return sweep, seen_at


async def test_the_banner_says_what_happened_since_the_last_dashboard_left(
    tmp_path: Path, make_app
) -> None:
    sweep, seen_at = small_sweep(tmp_path / "lr-sweep")
    sweep.store.set_meta(**{SEEN_KEY: seen_at})
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await wait_until(pilot, lambda: app.away_banner is not None)
        left = time.strftime("%H:%M", time.localtime(seen_at))
        expected = (
            f"since you left at {left}: 1 completed, 1 errored, new best 0.7 by b,"
            " the sweep finished"
        )
        assert app.away_banner is not None and app.away_banner.text == expected
        shown = screen_text(app)
        assert f"Since you left at {left}: 1 completed, 1 errored" in shown
        assert shown.splitlines()[2].startswith(" Since you left"), shown  # under the header
        assert notes.shown == []  # the history is not news
        await pilot.press("escape")
        await pilot.pause()
        assert app.away_banner is None
        assert "Since you left" not in screen_text(app)
        assert not app.query("#away-banner")


@pytest.mark.parametrize("seen", [None, "after everything"])
async def test_no_banner_for_a_first_visit_or_when_nothing_happened_since(
    tmp_path: Path, make_app, seen: str | None
) -> None:
    sweep, _ = small_sweep(tmp_path / "lr-sweep")
    if seen is not None:
        sweep.store.set_meta(**{SEEN_KEY: sweep.tick()})
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.pause(0.1)
        assert app.away_banner is None
        assert "since you left" not in screen_text(app).lower()


async def test_news_is_notified_with_the_bell_and_b_silences_it(
    sweep: RecordedSweep, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = Notes()
    app: TuneTermApp = make_app(sweep.path)
    rung: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(None))
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.pause(0.1)
        assert (notes.shown, rung) == ([], [])  # errored and ended trials of the history
        error = "Traceback (most recent call last):\nValueError: lr too high"
        sweep.store.record_trial_ended(RUNNING, EndReason.ERROR, 5, error, now=FROZEN_NOW + 1)
        await wait_until(pilot, lambda: len(notes.shown) == 1)
        assert notes.shown == [
            ("Trial errored", f"trial {RUNNING} errored at iteration 5: ValueError: lr too high")
        ]
        assert len(rung) == 1 and app.bell_on
        await pilot.press("b")
        assert not app.bell_on
        sweep.store.record_experiment_ended(SweepStatus.STOPPED, "", now=FROZEN_NOW + 2)
        await wait_until(pilot, lambda: any(t == "Sweep stopped" for t, _ in notes.shown))
        assert len(rung) == 1
        assert ("Bell", "The bell for alerts is off: b turns it on again") in notes.shown


async def test_events_older_than_the_dashboard_are_history_even_when_read_late(
    sweep: RecordedSweep, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        sweep.store.record_trial_ended(RUNNING, EndReason.ERROR, 5, "old", now=FROZEN_NOW - 5)
        await wait_for_events(pilot, app, sweep.event_count + 1)
        await pilot.pause(0.1)
        assert notes.shown == []


async def test_tuneterm_bell_0_starts_with_the_bell_off(
    sweep: RecordedSweep, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNETERM_BELL", "0")
    notes = Notes()
    app = make_app(sweep.path)
    rung: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(None))
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        assert not app.bell_on
        sweep.store.record_trial_ended(RUNNING, EndReason.ERROR, 5, "x", now=FROZEN_NOW + 1)
        await wait_until(pilot, lambda: len(notes.shown) == 1)
        assert rung == []


async def test_the_dashboard_records_that_it_shows_the_sweep(
    sweep: RecordedSweep, make_app
) -> None:
    assert SEEN_KEY not in sweep.store.meta()
    now = [FROZEN_NOW]
    app = make_app(sweep.path, clock=lambda: now[0])
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_until(pilot, lambda: sweep.store.meta().get(SEEN_KEY) == FROZEN_NOW, 5.0)
        now[0] = FROZEN_NOW + 30
    # And once more on the way out.
    assert sweep.store.meta()[SEEN_KEY] == FROZEN_NOW + 30


def test_the_bell_key_is_listed_among_the_keys_that_work_everywhere() -> None:
    everywhere = dict(help_sections())["Everywhere"]
    assert TOGGLE_BELL in everywhere
    assert TOGGLE_BELL.key == "b"


async def test_a_new_best_while_watching_is_news_and_a_lesser_result_is_not(
    sweep: RecordedSweep, make_app
) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        sweep.store.record_result(RUNNING, 6, {"accuracy": 0.2}, now=FROZEN_NOW + 1)
        await wait_for_events(pilot, app, sweep.event_count + 1)
        await pilot.pause(0.1)
        assert notes.shown == []
        sweep.store.record_result(RUNNING, 7, {"accuracy": 0.999}, now=FROZEN_NOW + 2)
        await wait_until(pilot, lambda: len(notes.shown) == 1)
        assert notes.shown == [
            ("New best", f"new best accuracy 0.999 by trial {RUNNING} (iteration 7)")
        ]


def bulk_results(
    store: Store, trial_ids: list[str], values: list[float], start: float, first: int = 1
) -> None:
    """One result per value, round-robin over `trial_ids` from iteration `first`, 1 ms apart
    from `start`."""
    with store.transaction():
        for index, value in enumerate(values):
            trial_id = trial_ids[index % len(trial_ids)]
            iteration = first + index // len(trial_ids)
            now = start + index / 1000
            store.append_event(now, "result", trial_id, iteration, {"accuracy": value})


@pytest.mark.parametrize("best_after_leaving", [True, False])
async def test_the_banner_over_a_history_of_many_batches(
    tmp_path: Path, make_app, best_after_leaving: bool
) -> None:
    path = tmp_path / "long-sweep"
    path.mkdir()
    meta = {"name": "long", "metric": "accuracy", "mode": "max", "status": "created"}
    store = Store.create(path / Store.FILENAME, meta)
    store.record_experiment_started(now=T0, address="local")
    trial_ids = [f"t{n}" for n in range(4)]
    for trial_id in trial_ids:
        store.record_trial_started(trial_id, {"n": trial_id}, now=T0)
    before = [0.5 + (0.3 if not best_after_leaving and i == 7_000 else 0.0) for i in range(12_000)]
    bulk_results(store, trial_ids, before, T0 + 1)  # until T0 + 13
    seen_at = T0 + 14
    store.set_meta(**{SEEN_KEY: seen_at})
    after = [0.6 + (0.1 if i == 9_001 else 0.0) for i in range(11_000)]
    bulk_results(store, trial_ids, after, T0 + 15, first=3001)
    store.record_trial_ended("t2", EndReason.COMPLETED, 5750, now=T0 + 30)
    app = make_app(path)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_until(pilot, lambda: app.events_seen >= 23_006, 20.0)
        await wait_until(pilot, lambda: app.away_banner is not None)
        left = time.strftime("%H:%M", time.localtime(seen_at))
        news = ", new best 0.7 by t1" if best_after_leaving else ""
        assert app.away_banner.text == f"since you left at {left}: 1 completed{news}"
    store.close()


async def test_an_alert_the_driver_could_not_deliver_is_notified(
    sweep: RecordedSweep, make_app
) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        data = {"event": "trial_errored", "channel": "webhook", "delivered": False}
        with sweep.store.transaction():
            sweep.store.append_event(
                FROZEN_NOW + 1, "alert", RUNNING, 5, {**data, "error": "HTTP 500 Oops"}
            )
            sweep.store.append_event(
                FROZEN_NOW + 2, "alert", RUNNING, 5, {**data, "delivered": True, "error": ""}
            )
        await wait_until(pilot, lambda: len(notes.shown) == 1)
        await pilot.pause(0.1)
        assert notes.shown == [
            (
                "Alert not delivered",
                "The driver could not deliver trial_errored by webhook: HTTP 500 Oops",
            )
        ]
