"""Trial health in the dashboard: a flagged trial is marked ⚠ in the table, the filter's `health`
name and the `f` state cycle narrow to it, its detail says why, and a trial stopped by a rule is
counted apart in the header; a stall is found by the clock while the driver runs."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.recorded import RecordedSweep, record_sweep
from tests.ui.test_filter_ui import apply_filter, shown
from tuneterm.domain.events import EventKind
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.rows import FLAGGED
from tuneterm.storage.liveness import driver_identity
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.detail import TrialDetailScreen

NAN_TRIAL = "a1b2c_00006"
"""Running at iteration 5: the driver flagged a NaN of its accuracy there."""
RULE_TRIAL = "a1b2c_00008"
"""Running at iteration 4 in the recorded sweep; here the driver stopped it for diverging."""
NAN_REASON = "nan: accuracy was nan at iteration 5"
DIVERGED_REASON = "diverged: accuracy worse than its first report for 3 reports in a row"


def flag(sweep: RecordedSweep, trial_id: str, iteration: int, health: str, reason: str) -> None:
    """Record a change of a trial's health as the driver does."""
    with sweep.store.transaction():
        data = {"health": health, "reason": reason}
        sweep.store.append_event(sweep.tick(), EventKind.TRIAL_HEALTH, trial_id, iteration, data)
    sweep.event_count += 1


def flagged_sweep(path: Path) -> RecordedSweep:
    sweep = record_sweep(path)
    flag(sweep, NAN_TRIAL, 5, "nan", NAN_REASON)
    flag(sweep, RULE_TRIAL, 4, "diverged", DIVERGED_REASON)
    sweep.store.record_trial_ended(RULE_TRIAL, EndReason.RULE, 4, now=sweep.tick(), rule="diverged")
    sweep.event_count += 1
    return sweep


def table_line(app: TuneTermApp, trial_id: str) -> str:
    return next(line for line in screen_text(app).splitlines() if trial_id in line)


async def test_a_flagged_trial_is_marked_filtered_and_explained(tmp_path: Path, make_app) -> None:
    sweep = flagged_sweep(tmp_path / "mnist-20231114-221320")
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        assert table_line(app, NAN_TRIAL).startswith(f"⚠ {NAN_TRIAL} running")
        assert table_line(app, RULE_TRIAL).startswith(f"⚠ {RULE_TRIAL} rule:diverged")
        assert table_line(app, "a1b2c_00007").startswith("  a1b2c_00007")
        assert "1 by rule" in app.sweep_screen.header.plain

        await apply_filter(pilot, app, 'health == "nan"')
        assert shown(app) == [NAN_TRIAL]
        await apply_filter(pilot, app, 'health != "ok"')
        assert shown(app) == [NAN_TRIAL, RULE_TRIAL]
        await pilot.press("slash", "ctrl+u", "enter")
        assert len(shown(app)) == 10

        # `f` cycles through the states trials are in: those stopped by a rule, then every
        # flagged trial whatever its state, then all again.
        cycled = []
        for _ in range(10):
            await pilot.press("f")
            flagged_only = "(⚠ flagged only)" in app.sweep_screen.header.plain
            cycled.append((app.sweep_screen.state_filter, shown(app), flagged_only))
            if app.sweep_screen.state_filter is None:
                break
        assert (EndReason.RULE, [RULE_TRIAL], False) in cycled
        every_trial = shown(app)
        assert cycled[-2:] == [(FLAGGED, [NAN_TRIAL, RULE_TRIAL], True), (None, every_trial, False)]
        while app.sweep_screen.state_filter != EndReason.RULE:
            await pilot.press("f")
        assert shown(app) == [RULE_TRIAL]

        await pilot.press("enter")
        assert isinstance(app.screen, TrialDetailScreen)
        await wait_for_workers(pilot, app, "trial-results")
        text = screen_text(app)
        assert f"Trial {RULE_TRIAL}   rule:diverged   iteration 4" in text
        words = " ".join(text.split())  # the reason wraps at 80 columns
        assert f"⚠ {DIVERGED_REASON} (stopped by rule: diverged)" in words
        await pilot.press("escape", "f")  # back to every state
        while app.sweep_screen.state_filter is not None:
            await pilot.press("f")
        app.sweep_screen.table.cursor_to(shown(app).index(NAN_TRIAL))
        await pilot.press("enter")
        await wait_for_workers(pilot, app, "trial-results")
        assert f"⚠ {NAN_REASON}" in " ".join(screen_text(app).split())


async def test_a_silent_trial_is_found_stalled_by_the_clock(tmp_path: Path, make_app) -> None:
    sweep = record_sweep(tmp_path / "mnist-20231114-221320")
    sweep.store.set_meta(**driver_identity())  # a driver that runs: the dashboard's clock counts
    last_report = sweep.clock  # the running trials reported 0.25 s apart until now
    now = [last_report + 1.0]
    app = make_app(sweep.path, clock=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        with app.state.lock:
            assert app.state.check_health(now[0]) == set()  # 1 s of silence is no stall
        assert not table_line(app, NAN_TRIAL).startswith("⚠")
        now[0] = last_report + 40.0  # past the 30 s floor
        await wait_until(pilot, lambda: table_line(app, NAN_TRIAL).startswith("⚠"), timeout=5)
        assert table_line(app, "a1b2c_00008").startswith("⚠")
        assert table_line(app, "a1b2c_00007").startswith("  ")  # it ended
        with app.state.lock:
            reason = app.state.row(NAN_TRIAL).health or ""
        assert reason.startswith("stalled: no report for ")

        sweep.report(NAN_TRIAL, 6, 0.61)  # it reports again: healthy
        await wait_until(pilot, lambda: not table_line(app, NAN_TRIAL).startswith("⚠"), timeout=5)
        assert table_line(app, "a1b2c_00008").startswith("⚠")
