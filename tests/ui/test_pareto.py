"""The Pareto view: `F` opens it on the trials the table shows; the front is marked and listed,
`m` and `s` change the metrics plotted, new results move the front; the header names the metric
that drives the search. A single-metric sweep says so and shows its best trial."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import wait_for_events, wait_until
from tests.ui.pareto_recorded import FRONT, record_pareto_sweep, report
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.screens.pareto import ParetoScreen
from tuneterm.ui.widgets.chart import Chart, Series


@pytest.fixture
def pareto_sweep(tmp_path: Path) -> RecordedSweep:
    return record_pareto_sweep(tmp_path / "digits-three-metrics")


def series(screen: ParetoScreen, label: str) -> Series:
    figure = screen.query_one("#pareto-chart", Chart).figure
    assert figure is not None
    return next(s for s in figure.series if s.label == label)


def points(screen: ParetoScreen, label: str) -> set[tuple[float, float]]:
    shown = series(screen, label)
    return set(zip(shown.xs, shown.ys, strict=True))


def title(screen: ParetoScreen) -> str:
    return screen.title_bar.plain


def listed(screen: ParetoScreen) -> str:
    return str(screen.query_one("#pareto-list").render())


async def opened(pilot: Pilot[object], app: TuneTermApp, sweep: RecordedSweep) -> ParetoScreen:
    await wait_for_events(pilot, app, sweep.event_count)
    await pilot.press("F")
    await wait_until(pilot, lambda: isinstance(app.screen, ParetoScreen))
    screen = app.screen
    assert isinstance(screen, ParetoScreen)
    return screen


async def test_the_front_is_marked_joined_and_listed(pareto_sweep, make_app) -> None:
    app = make_app(pareto_sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, pareto_sweep)
        assert screen.data.front == FRONT
        assert screen.keep == app.sweep_screen.keeps
        assert "val_loss↓ against accuracy↑" in title(screen)
        assert "4 of 10 trials on it" in title(screen)
        # x accuracy, y val_loss: every trial on the front over all three metrics is marked ...
        assert points(screen, "on the front") == {
            (0.95, 0.4),
            (0.92, 0.22),
            (0.88, 0.18),
            (0.85, 0.3),
        }
        # ... the line joins the front of these two (p3 is beaten by p1 on them), along x ...
        line = series(screen, "front")
        assert list(zip(line.xs, line.ys, strict=True)) == [(0.88, 0.18), (0.92, 0.22), (0.95, 0.4)]
        # ... and the rest is dimmed; p8 has not reported yet and is not drawn.
        assert len(points(screen, "dominated")) == 5
        text = listed(screen)
        assert [line.split()[0] for line in text.splitlines()[1:]] == ["p0", "p1", "p2", "p3"]
        assert "train_loss↓" in text.splitlines()[0] and "batch_norm" in text.splitlines()[0]
        assert "0.003" in text.splitlines()[1]
        # Its values are each trial's last report (the other views plot each trial's best).
        figure = screen.query_one("#pareto-chart", Chart).figure
        assert figure is not None and ("values: last reports", "dim") in figure.legend


async def test_keys_cycle_the_metric_pairs_and_swap_the_axes(pareto_sweep, make_app) -> None:
    app = make_app(pareto_sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, pareto_sweep)
        await pilot.press("m")
        assert "train_loss↓ against accuracy↑" in title(screen)
        # Accuracy against train_loss: p0 and p3 trade off, p1 and p2 lose to p0 on both.
        line = series(screen, "front")
        assert list(zip(line.xs, line.ys, strict=True)) == [(0.85, 0.02), (0.95, 0.05)]
        await pilot.press("m")
        assert "train_loss↓ against val_loss↓" in title(screen)
        await pilot.press("s")
        assert "val_loss↓ against train_loss↓" in title(screen)
        assert points(screen, "on the front") == {
            (0.05, 0.4),
            (0.15, 0.22),
            (0.2, 0.18),
            (0.02, 0.3),
        }
        await pilot.press("m")
        assert "val_loss↓ against accuracy↑" in title(screen)
        await pilot.press("escape")
        assert app.screen is app.sweep_screen


async def test_it_shows_the_trials_the_filter_keeps(pareto_sweep, make_app) -> None:
    app = make_app(pareto_sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, pareto_sweep.event_count)
        # Without p0 (say, filtered out), nothing beats p1..p3, and p5 is still beaten by p1.
        screen = ParetoScreen(app.state, keep=lambda row: row.trial_id != "p0")
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.data.front == FRONT - {"p0"}
        assert "3 of 9 trials on it (filtered from 10)" in title(screen)


async def test_new_results_move_the_front(pareto_sweep, make_app) -> None:
    app = make_app(pareto_sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, pareto_sweep)
        report(pareto_sweep, "p8", 1, (0.99, 0.1, 0.01))  # better than every trial on all three
        await wait_until(pilot, lambda: screen.data.front == {"p8"})
        assert "1 of 10 trials on it" in title(screen)
        assert listed(screen).splitlines()[1].split()[0] == "p8"


async def test_the_header_names_the_metric_that_drives_the_search(pareto_sweep, make_app) -> None:
    app = make_app(pareto_sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, pareto_sweep.event_count)
        third = app.sweep_screen.header.plain.splitlines()[2]
        assert (
            third == " accuracy↑ drives scheduler & search · also val_loss↓ train_loss↓ · F: Pareto"
        )
        assert app.sweep_screen.header.size.height == 3


async def test_a_single_metric_sweep_says_so_and_shows_its_best_trial(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, sweep)
        best = app.state.best()
        assert best is not None
        assert "One metric, accuracy↑" in title(screen)
        assert not screen.query_one("#pareto-chart").display
        assert screen.data.front == {best.trial_id}
        assert listed(screen).splitlines()[1].split()[0] == best.trial_id
        assert "[experiment] metrics" in listed(screen)
        assert len(app.sweep_screen.header.plain.splitlines()) == 2
        await pilot.press("m", "s")  # nothing to cycle or swap: no error, nothing changes
        assert "One metric" in title(screen)
