"""What the dashboard looks like, at 80x24 and 160x48: a running sweep's table, a trial's detail,
the plots and the keys. Seeded data, event times fixed, clock frozen 100 s into the sweep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_for_workers, wait_until
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.detail import TrialDetailScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def loaded(app: TuneTermApp, sweep: RecordedSweep) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_running_sweep(snap_compare, sweep, make_app, size) -> None:
    """Header with counts and the best trial; one row per trial, the best starred, the cursor on
    the third trial; sorted by trial id."""
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=loaded(app, sweep), press=["j", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_sorted_by_best_and_filtered(snap_compare, sweep, make_app, size) -> None:
    """Sorted by best metric, descending (▼ in the column title); only stopped trials."""
    app = make_app(sweep.path)
    keys = ["s"] * 4 + ["f", "f", "f"]  # state, iter, last, best
    assert snap_compare(app, terminal_size=size, run_before=loaded(app, sweep), press=keys)


@pytest.mark.parametrize("size", SIZES)
def test_trial_detail(snap_compare, sweep, make_app, size) -> None:
    """The best trial: its config, then a plot per metric (accuracy first)."""
    app = make_app(sweep.path)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("j", "j", "j", "enter")
        await wait_for_workers(pilot, app, "trial-results")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TrialDetailScreen) and bool(app.screen.metrics_shown),
        )

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_errored_trial_detail(snap_compare, sweep, make_app, size) -> None:
    """An errored trial, scrolled to its traceback, markup and escape codes shown literally."""
    app = make_app(sweep.path)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("j", "j", "j", "j", "enter")
        await wait_for_workers(pilot, app, "trial-results")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TrialDetailScreen) and bool(app.screen.metrics_shown),
        )

    assert snap_compare(app, terminal_size=size, run_before=run_before, press=["end"])


@pytest.mark.parametrize("size", SIZES)
def test_scatter_plot(snap_compare, sweep, make_app, size) -> None:
    """Each trial's best accuracy against lr (log axis), one marker per batch_norm value."""
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=loaded(app, sweep), press=["p"])


@pytest.mark.parametrize("size", SIZES)
def test_learning_curves(snap_compare, sweep, make_app, size) -> None:
    """Every trial's accuracy by iteration, coloured by state, the best on top, rungs 1 and 3."""
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=loaded(app, sweep), press=["p", "v"])


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, sweep, make_app, size) -> None:
    """Every key, by screen."""
    app = make_app(sweep.path)
    assert snap_compare(
        app, terminal_size=size, run_before=loaded(app, sweep), press=["question_mark"]
    )


@pytest.mark.parametrize("size", SIZES)
def test_stop_confirm_dialog(snap_compare, sweep, make_app, size) -> None:
    """x on a running trial asks first, naming the trial and its tuned hyperparameters."""
    app = make_app(sweep.path)
    keys = ["G", "k", "k", "k", "x"]
    assert snap_compare(app, terminal_size=size, run_before=loaded(app, sweep), press=keys)


@pytest.mark.parametrize("size", SIZES)
def test_a_trial_stopping(snap_compare, sweep, make_app, size) -> None:
    """Confirmed: a1b2c_00006 shows "stopping…" until the driver answers (the cursor moved up
    so that the row shows its own colours)."""
    app = make_app(sweep.path)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("G", "k", "k", "k", "x", "y")
        await wait_for_workers(pilot, app, "control")
        await wait_for_events(pilot, app, sweep.event_count + 1)  # the request's own event
        await pilot.press("k")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
