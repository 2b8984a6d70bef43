"""What the Pareto view looks like, at 80x24 and 160x48: a sweep that weighs accuracy, val_loss and
train_loss, its front marked and joined, the front's trials listed; a single-metric sweep's view.
Seeded data, clock frozen. (The header's line on the metrics is checked in test_pareto.py.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.pareto_recorded import record_pareto_sweep
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.pareto import ParetoScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def pareto_sweep(tmp_path: Path) -> RecordedSweep:
    return record_pareto_sweep(tmp_path / "digits-three-metrics")


def pareto_opened(
    app: TuneTermApp, sweep: RecordedSweep, *keys: str
) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("F", *keys)
        await wait_until(pilot, lambda: isinstance(app.screen, ParetoScreen))

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_pareto_view(snap_compare, pareto_sweep, make_app, size) -> None:
    """val_loss against accuracy: p0-p3 marked ●, the line through p2, p1 and p0 (p3 is on the
    front by train_loss), five dominated trials dimmed ·; under it p0-p3 with every metric and
    their lr, batch_size and batch_norm."""
    app = make_app(pareto_sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=pareto_opened(app, pareto_sweep))


def test_pareto_view_next_pair(snap_compare, pareto_sweep, make_app) -> None:
    """After `m`: train_loss against accuracy; the line joins p3 and p0."""
    app = make_app(pareto_sweep.path)
    run_before = pareto_opened(app, pareto_sweep, "m")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_pareto_view_of_a_single_metric(snap_compare, sweep, make_app) -> None:
    """One metric: the view says so, lists the best trial and how to weigh several."""
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=pareto_opened(app, sweep))
