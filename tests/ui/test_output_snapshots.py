"""What a running trial's detail looks like with its resources and its output, at 80x24 and
160x48: the resource panel over the overview; the output pane (`o`) following both streams,
stderr marked, escapes and markup shown literally, the unfinished progress bar last."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.output_support import TO_RUNNING, open_output, record_usage, some_output
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.widgets.resource_panel import ResourcePanel

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_running_trial_with_its_resources(snap_compare, sweep, make_app, size) -> None:
    """CPU and memory rising, a GPU in use: latest values and sparklines above the summary."""
    record_usage(sweep, gpu=True)
    app = make_app(sweep.path)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press(*TO_RUNNING, "enter")
        screen = app.screen
        assert isinstance(screen, TrialDetailScreen)
        panel = screen.query_one(ResourcePanel)
        await wait_until(pilot, lambda: len(panel.samples) == 12 and bool(screen.metrics_shown))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_running_trial_output(snap_compare, sweep, make_app, size) -> None:
    """The output pane following the tail: stdout, a stderr line marked err│ with its escape
    codes, markup and bidi override shown as text, the progress bar still being written."""
    record_usage(sweep)
    some_output(sweep.path)
    app = make_app(sweep.path)

    async def run_before(pilot: Pilot[object]) -> None:
        pane = await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: bool(pane.view.unfinished))
        panel = app.screen.query_one(ResourcePanel)
        await wait_until(pilot, lambda: len(panel.samples) == 12)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
