"""What the importance view looks like, at 80x24 and 160x48: the recorded sweep and 14 more
finished trials (21 in all, lr and batch_norm made to matter), and the same sweep before enough
trials finished. Seeded data, event times fixed, clock frozen, the forest seeded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_for_workers, wait_until
from tests.ui.importance_support import add_finished_trials
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.importance import ImportanceScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def opened(app: TuneTermApp, event_count: int) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, event_count)
        await pilot.press("i")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ImportanceScreen) and app.screen.importance is not None,
            timeout=30,
        )
        await wait_for_workers(pilot, app, "importance")

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_importance_shares(
    snap_compare: Callable[..., bool],
    sweep: RecordedSweep,
    make_app: Callable[..., TuneTermApp],
    size: tuple[int, int],
) -> None:
    """lr first with the longest bar, then batch_norm and batch_size; 21 finished trials and the
    forest's out-of-bag R² under the bars, then how the shares are computed."""
    write_config(sweep.path)
    add_finished_trials(sweep, 14)
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep.event_count))


@pytest.mark.parametrize("size", SIZES)
def test_importance_too_few_trials(
    snap_compare: Callable[..., bool],
    sweep: RecordedSweep,
    make_app: Callable[..., TuneTermApp],
    size: tuple[int, int],
) -> None:
    """7 finished trials: "too few trials: 7 finished, 8 needed", and when shares will appear."""
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep.event_count))
