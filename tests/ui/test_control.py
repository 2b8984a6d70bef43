"""Stopping, pausing and resuming trials from the keyboard: what is asked, what is written into the
store, what the rows show until the driver answers, and what is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.recorded import FROZEN_NOW, RecordedSweep
from tuneterm.domain.control import ControlAction, ControlRequest
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.storage.sources import open_source
from tuneterm.storage.store import Store
from tuneterm.ui.app import TuneTermApp, create_app
from tuneterm.ui.modals.confirm import READ_ONLY_TEXT, ConfirmModal, short_config
from tuneterm.ui.screens.sweep import SweepScreen

RUNNING = "a1b2c_00006"
"""Running at iteration 5: lr 5.50e-4, batch size 128, batch norm; the cursor reaches it with
G k k k."""
OTHER_RUNNING = "a1b2c_00008"
"""Running at iteration 4; the cursor reaches it with G k."""
COMPLETED = "a1b2c_00000"
TO_RUNNING = ("G", "k", "k", "k")
TO_OTHER_RUNNING = ("G", "k")


class Notes:
    """Collects the notifications an app shows (a `message_hook`)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def __contains__(self, text: object) -> bool:
        return any(str(text) in message for message in self.messages)


def requests(sweep: RecordedSweep) -> list[tuple[ControlAction, str | None]]:
    return [(r.action, r.trial_id) for r in sweep.store.pending_controls()]


def state_cell(app: TuneTermApp, trial_id: str) -> str:
    return app.sweep_screen.table.cell_text(trial_id, "state")


async def loaded(pilot: Pilot[object], app: TuneTermApp, sweep: RecordedSweep) -> None:
    await wait_for_events(pilot, app, sweep.event_count)


async def confirm_stop(pilot: Pilot[object], app: TuneTermApp) -> None:
    await pilot.press(*TO_RUNNING, "x")
    assert isinstance(app.screen, ConfirmModal)
    await pilot.press("y")
    await wait_for_workers(pilot, app, "control")


def only_request(sweep: RecordedSweep) -> ControlRequest:
    pending = sweep.store.pending_controls()
    assert len(pending) == 1
    return pending[0]


# -- stop -----------------------------------------------------------------------------------------


async def test_x_asks_before_stopping_naming_the_trial_and_its_config(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_RUNNING, "x")
        assert isinstance(app.screen, ConfirmModal)
        question = app.screen.question
        assert question.title == (
            f"Stop trial {RUNNING} (lr=5.5e-4, batch_size=128, batch_norm=True)?"
        )
        text = screen_text(app)
        assert f"Stop trial {RUNNING} (lr=5.5e-4, batch_size=128," in text
        assert "Stop (y)" in text and "Cancel (n)" in text


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_cancelling_writes_nothing(sweep, make_app, key: str) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_RUNNING, "x", key)
        assert isinstance(app.screen, SweepScreen)
        await wait_for_workers(pilot, app, "control")
        await pilot.pause(0.05)
        assert sweep.store.pending_controls() == []
        assert state_cell(app, RUNNING) == "running"


@pytest.mark.parametrize("key", ["y", "enter"])
async def test_confirming_writes_one_stop_request_and_the_row_shows_stopping(
    sweep, make_app, key: str
) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_RUNNING, "x", key)
        assert isinstance(app.screen, SweepScreen)
        assert state_cell(app, RUNNING) == "stopping…"
        await wait_for_workers(pilot, app, "control")
        assert requests(sweep) == [(ControlAction.STOP, RUNNING)]
        assert state_cell(app, RUNNING) == "stopping…"

        # The driver stops it and says so, as it would.
        sweep.end(RUNNING, EndReason.USER, 5)
        await wait_until(pilot, lambda: state_cell(app, RUNNING) == "user")
        assert "2 by user" in app.sweep_screen.header.plain


class SlowWrites:
    """A store source whose control writes wait (like a database the driver holds locked)."""

    read_only = False

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.path = inner.path
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        self.release.wait(5.0)
        return int(self._inner.request_control(action, trial_id))


async def test_the_row_shows_stopping_before_the_write_and_the_ui_does_not_wait_for_it(
    sweep: RecordedSweep,
) -> None:
    source = SlowWrites(open_source(sweep.path))
    app = create_app(source, clock=lambda: FROZEN_NOW, poll_interval=0.01)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot, app, sweep)
            await pilot.press(*TO_RUNNING, "x", "y")
            assert state_cell(app, RUNNING) == "stopping…"
            await pilot.press("k")  # the UI still answers keys while the write waits
            assert app.sweep_screen.table.cursor_trial_id == "a1b2c_00005"
            assert sweep.store.pending_controls() == []
            source.release.set()
            await wait_for_workers(pilot, app, "control")
            assert requests(sweep) == [(ControlAction.STOP, RUNNING)]
    finally:
        source.release.set()
        source.close()


class LockedStore(SlowWrites):
    def request_control(self, action: ControlAction, trial_id: str | None) -> int:
        raise OSError("database is locked")


async def test_a_failed_write_is_shown_and_the_row_goes_back(sweep: RecordedSweep) -> None:
    source = LockedStore(open_source(sweep.path))
    notes = Notes()
    app = create_app(source, clock=lambda: FROZEN_NOW, poll_interval=0.01)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_RUNNING, "x", "y")
        await wait_for_workers(pilot, app, "control")
        await wait_until(pilot, lambda: state_cell(app, RUNNING) == "running")
        assert "Could not send the request: OSError: database is locked" in notes
    source.close()


async def test_a_refusal_from_the_driver_is_notified_and_the_row_goes_back(sweep, make_app) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await confirm_stop(pilot, app)
        request = only_request(sweep)
        sweep.store.resolve_control(
            request.request_id, False, "Ray has no live trial a1b2c_00006 [bold]", now=FROZEN_NOW
        )
        await wait_until(pilot, lambda: state_cell(app, RUNNING) == "running")
        await wait_until(pilot, lambda: "Could not stop trial a1b2c_00006" in notes)
        assert "Could not stop trial a1b2c_00006: Ray has no live trial a1b2c_00006 [bold]" in notes
        assert app.state.last_message.startswith("Could not stop trial a1b2c_00006")


async def test_refusals_older_than_the_dashboard_are_not_notified(sweep, make_app) -> None:
    request_id = sweep.store.request_control(ControlAction.STOP, RUNNING, now=FROZEN_NOW - 3600)
    sweep.store.resolve_control(request_id, False, "an old story", now=FROZEN_NOW - 3600)
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count + 2)
        assert "an old story" not in notes
        assert state_cell(app, RUNNING) == "running"


# -- pause and resume -----------------------------------------------------------------------------


async def test_pause_and_resume_round_trip(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_OTHER_RUNNING, "space")
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question.title.startswith(f"Pause trial {OTHER_RUNNING} (lr=")
        await pilot.press("y")
        assert state_cell(app, OTHER_RUNNING) == "pausing…"
        await wait_for_workers(pilot, app, "control")
        pause = only_request(sweep)
        assert (pause.action, pause.trial_id) == (ControlAction.PAUSE, OTHER_RUNNING)

        sweep.store.record_trial_paused(OTHER_RUNNING, 4)
        sweep.store.resolve_control(pause.request_id, True, "paused")
        await wait_until(pilot, lambda: state_cell(app, OTHER_RUNNING) == "paused")
        assert "1 running, 1 paused" in app.sweep_screen.header.plain

        await pilot.press("space")  # already paused: nothing is asked
        assert isinstance(app.screen, SweepScreen)
        await pilot.press("r")  # resuming asks nothing
        assert isinstance(app.screen, SweepScreen)
        assert state_cell(app, OTHER_RUNNING) == "resuming…"
        await wait_for_workers(pilot, app, "control")
        resume = only_request(sweep)
        assert (resume.action, resume.trial_id) == (ControlAction.RESUME, OTHER_RUNNING)

        sweep.store.record_trial_resumed(OTHER_RUNNING)
        sweep.store.resolve_control(resume.request_id, True, "resumed")
        await wait_until(pilot, lambda: state_cell(app, OTHER_RUNNING) == "running")
        assert "2 running" in app.sweep_screen.header.plain


async def test_capital_p_pauses_too_and_r_on_a_running_trial_is_refused(sweep, make_app) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_OTHER_RUNNING, "r")
        assert f"Trial {OTHER_RUNNING} is not paused (it is running)." in notes
        await pilot.press("P")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert sweep.store.pending_controls() == []


# -- the whole sweep ------------------------------------------------------------------------------


async def test_X_stops_the_whole_sweep_after_asking(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press("X")
        assert isinstance(app.screen, ConfirmModal)
        question = app.screen.question
        assert f"{question.title} {question.detail}" == (
            "Stop the whole sweep? Running trials end now; quitting (q) would leave it running."
        )
        assert "Stop the whole sweep?" in screen_text(app)
        await pilot.press("y")
        assert "running  stopping sweep…" in app.sweep_screen.header.plain
        await wait_for_workers(pilot, app, "control")
        assert requests(sweep) == [(ControlAction.STOP_ALL, None)]

        sweep.store.record_experiment_ended("stopped", "stopped from tuneterm")
        await wait_until(pilot, lambda: "stopping sweep" not in app.sweep_screen.header.plain)
        assert "mnist-asha  stopped: stopped from tuneterm" in app.sweep_screen.header.plain


# -- refused at once ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["x", "space", "r"])
async def test_keys_on_an_ended_trial_say_so_instead_of_asking(sweep, make_app, key: str) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(key)  # the cursor starts on a1b2c_00000, completed at iteration 9
        assert isinstance(app.screen, SweepScreen)
        assert f"Trial {COMPLETED} already ended (completed at iteration 9)." in notes
        await wait_for_workers(pilot, app, "control")
        assert sweep.store.pending_controls() == []


async def test_a_second_stop_of_a_stopping_trial_is_refused(sweep, make_app) -> None:
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await confirm_stop(pilot, app)
        await pilot.press("x")
        assert isinstance(app.screen, SweepScreen)
        assert f"Trial {RUNNING} is already stopping… (waiting for the driver)." in notes
        assert len(sweep.store.pending_controls()) == 1


async def test_nothing_is_asked_of_a_sweep_that_ended(sweep, make_app) -> None:
    sweep.store.record_experiment_ended("finished")
    notes = Notes()
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await wait_for_events(pilot, app, sweep.event_count + 1)
        await pilot.press("X")
        assert isinstance(app.screen, SweepScreen)
        assert "The sweep is finished: there is no driver to ask." in notes


class ReadOnly:
    """A source that behaves like a plain Ray Tune directory (its writes would go through)."""

    read_only = True

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.path = inner.path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize("key", ["x", "X", "space", "P", "r"])
async def test_a_read_only_source_refuses_every_control_key(sweep: RecordedSweep, key: str) -> None:
    source = open_source(sweep.path)
    notes = Notes()
    app = create_app(ReadOnly(source), clock=lambda: FROZEN_NOW, poll_interval=0.01)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await loaded(pilot, app, sweep)
        await pilot.press(*TO_RUNNING)
        assert not app.screen.active_bindings["x"].enabled  # shown dimmed in the footer
        await pilot.press(key)
        assert isinstance(app.screen, SweepScreen)
        assert notes.messages == [READ_ONLY_TEXT]
        await wait_for_workers(pilot, app, "control")
        assert sweep.store.pending_controls() == []
        assert state_cell(app, RUNNING) == "running"
    source.close()


# -- two dashboards -------------------------------------------------------------------------------


async def test_two_dashboards_on_one_store_see_and_send_the_same_requests(sweep, make_app) -> None:
    first, second = make_app(sweep.path), make_app(sweep.path)
    first_notes, second_notes = Notes(), Notes()
    async with (
        first.run_test(size=(80, 24), message_hook=first_notes) as one,
        second.run_test(size=(80, 24), message_hook=second_notes) as two,
    ):
        await loaded(one, first, sweep)
        await loaded(two, second, sweep)

        await confirm_stop(one, first)
        await wait_until(two, lambda: state_cell(second, RUNNING) == "stopping…")

        await two.press(*TO_OTHER_RUNNING, "space", "y")
        await wait_for_workers(two, second, "control")
        await wait_until(one, lambda: state_cell(first, OTHER_RUNNING) == "pausing…")
        assert requests(sweep) == [
            (ControlAction.STOP, RUNNING),
            (ControlAction.PAUSE, OTHER_RUNNING),
        ]

        stop, pause = sweep.store.pending_controls()
        sweep.end(RUNNING, EndReason.USER, 5)
        sweep.store.resolve_control(stop.request_id, True, "stopped")
        sweep.store.resolve_control(pause.request_id, False, "it finished first")
        for pilot, app, notes in ((one, first, first_notes), (two, second, second_notes)):
            await wait_until(pilot, shows(app, RUNNING, "user"))
            await wait_until(pilot, shows(app, OTHER_RUNNING, "running"))
            await wait_until(pilot, noted(notes, "Could not pause trial a1b2c_00008"))


def shows(app: TuneTermApp, trial_id: str, state: str) -> Callable[[], bool]:
    return lambda: state_cell(app, trial_id) == state


def noted(notes: Notes, text: str) -> Callable[[], bool]:
    return lambda: text in notes


def test_a_store_written_by_the_ui_reads_back_through_the_store_api(sweep) -> None:
    """The request a dashboard writes is the driver's to read: same store, same table."""
    source = open_source(sweep.path)
    request_id = source.request_control(ControlAction.STOP, RUNNING)
    source.close()
    with Store.open(sweep.path / Store.FILENAME) as store:
        request = store.control(request_id)
    assert (request.action, request.trial_id, request.state) == (
        ControlAction.STOP,
        RUNNING,
        "requested",
    )


async def test_the_footer_shows_every_control_key_only_where_it_fits(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, sweep)
        footer = screen_text(app).splitlines()[-1]
        assert "x Stop" in footer and "q Quit" in footer and "Move" in footer
        assert "Pause" not in footer
        await pilot.resize_terminal(159, 30)  # the full set needs 160 columns: still narrow
        await pilot.pause()
        assert "Pause" not in screen_text(app).splitlines()[-1]
        await pilot.resize_terminal(160, 30)
        await wait_until(pilot, lambda: "Pause" in screen_text(app).splitlines()[-1])
        footer = screen_text(app).splitlines()[-1]
        assert "x Stop space Pause r Resume X Stop sweep" in footer
        assert "q Quit" in footer and "C Compare" in footer and footer.rstrip().endswith("Move")


def test_the_short_config_is_the_tuned_hyperparameters_cut_to_fit() -> None:
    config = {"learning_rate": 0.001234, "optimizer": "adamw-" * 8, "layers": 2, "net": {"a": 1}}
    row = TrialRow("t1", TrialStatus.RUNNING, None, None, config, 0, *[None] * 6)
    assert short_config(row, ["layers", "learning_rate"]) == "layers=2, learning_rate=0.00123"
    untuned = short_config(row, [])  # no tuned list: the scalar config values, cut with …
    assert untuned.startswith("learning_rate=0.00123, optimizer=adamw-adamw-")
    assert untuned.endswith("…") and len(untuned) == 48
