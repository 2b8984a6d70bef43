"""What the hypotheses panel looks like, at 80x24 and 160x48: three hypotheses from the config,
H1 judged twice (the history kept), the evidence grouped by batch_norm. Seeded data, event times
fixed, clock frozen, times shown in UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.journal_recorded import write_config
from tests.ui.recorded import T0, RecordedSweep
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.ui.screens.hypotheses import HypothesesScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC while the test runs (times on screen do not depend on the machine)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def judged(sweep: RecordedSweep, utc: None) -> RecordedSweep:
    write_config(sweep.path)
    sweep.store.record_verdict("H1", Verdict.INCONCLUSIVE, "too early to say", now=T0 + 40)
    sweep.store.record_verdict(
        "H1", Verdict.CONFIRMED, "every batch-norm trial led at iteration 3", now=T0 + 90
    )
    sweep.event_count += 2
    return sweep


@pytest.mark.parametrize("size", SIZES)
def test_hypotheses_panel(snap_compare, judged, make_app, size) -> None:
    """H1 CONFIRMED (earlier INCONCLUSIVE below it), H2 and H3 with the suggested verdicts; H1's
    claim, reasoning (markup shown literally), suggestion and evidence tables."""
    app = make_app(judged.path)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for_events(pilot, app, judged.event_count)
        await pilot.press("h")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, HypothesesScreen) and app.screen.notebook is not None,
        )

    assert snap_compare(app, terminal_size=size, run_before=run_before)
