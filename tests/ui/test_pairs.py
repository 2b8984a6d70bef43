"""The plots screen's slices and pairs: discrete values jittered in their slot, the search space's
log axis, and the heat grid of the metric over two hyperparameters."""

from __future__ import annotations

import statistics

import pytest

from tests.ui.helpers import screen_text
from tests.ui.journal_recorded import write_config
from tests.ui.plot_support import open_with_space
from tuneterm.domain.plots.axis import JITTER, AxisKind
from tuneterm.domain.plots.grid import Statistic
from tuneterm.ui.format import number_text
from tuneterm.ui.plot_figures import pair_grid, scatter_figure
from tuneterm.ui.screens.plots import PlotScreen
from tuneterm.ui.widgets.chart import Figure, Series, render_figure
from tuneterm.ui.widgets.heat_grid import PairGrid


async def test_discrete_values_spread_within_their_slot(sweep, make_app) -> None:
    write_config(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p")
        assert isinstance(screen, PlotScreen)
        await pilot.press("x")
        assert screen.x_param == "batch_size"
        figure = scatter_figure(screen.data, "batch_size", None, screen.space)
        assert list(figure.x_categories) == ["32", "64", "128"]
        xs = sorted(x for series in figure.series for x in series.xs)
        assert len(xs) == 10 and len(set(xs)) == 10  # no two trials on one spot
        by_slot = {round(x): x for x in xs}
        assert set(by_slot) <= {0, 1, 2}
        assert all(abs(x - round(x)) <= JITTER for x in xs)
        assert scatter_figure(screen.data, "batch_size", None, screen.space) == figure  # stable
        text = screen_text(app)
        assert "32" in text and "128" in text and "batch_size" in text
        await pilot.press("x")
        assert screen.x_param == "batch_norm"  # a flag gets slots too
        assert "False" in screen_text(app) and "True" in screen_text(app)


async def test_log_uniform_comes_from_the_search_space(sweep, make_app) -> None:
    write_config(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p")
        assert isinstance(screen, PlotScreen)
        assert screen.space["lr"].kind == "loguniform"
        assert scatter_figure(screen.data, "lr", None, screen.space).log_x
        assert "lr (log)" in screen_text(app)


async def test_the_heat_grid_of_the_metric_over_two_hyperparameters(sweep, make_app) -> None:
    write_config(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p", "v", "v")
        assert isinstance(screen, PlotScreen)
        assert screen.view == "pairs"
        assert (screen.x_param, screen.y_param) == ("lr", "batch_norm")
        assert screen.query_one(PairGrid).display
        grid = pair_grid(screen.data, "lr", "batch_norm", screen.space)
        assert grid.x.axis.kind is AxisKind.LOG and grid.y.count == 2
        assert sum(cell.count for cell in grid.cells.values()) == 10
        text = screen_text(app)
        assert "mean accuracy by lr × batch_norm" in text
        assert "lr (log)" in text and "True" in text and "False" in text
        assert "mean of each trial's best accuracy" in text
        for cell in grid.cells.values():
            assert number_text(cell.mean, None, 3) in text and f"n={cell.count}" in text
        # The fullest cell holds each of its trials' best metric, averaged.
        (column, row), cell = max(grid.cells.items(), key=lambda item: item[1].count)
        flag = grid.y.axis.categories[row]
        members = [
            trial.best_metric or 0.0
            for trial in screen.data.rows
            if trial.config["batch_norm"] is flag and grid.x.index(trial.config["lr"]) == column
        ]
        assert cell.count == len(members) >= 2
        assert cell.mean == pytest.approx(statistics.fmean(members))

        await pilot.press("m")
        assert screen.statistic is Statistic.BEST
        assert "best accuracy by lr × batch_norm" in screen_text(app)
        await pilot.press("y")
        assert screen.y_param == "batch_size"
        text = screen_text(app)
        assert "batch_size" in text and "128" in text
        await pilot.press("x")
        assert screen.x_param == "batch_norm"  # the rows' parameter is skipped
        await pilot.press("v")
        assert screen.view == "scatter" and not screen.query_one(PairGrid).display


async def test_keys_of_other_views_are_left_out_of_the_footer(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert screen.check_action("cycle_y", ()) is False
        assert screen.check_action("cycle_group", ()) is True
        await pilot.press("y")
        assert screen.y_param == "batch_norm"  # unchanged: y is for the heat grid
        footer = screen_text(app).splitlines()[-1]
        assert "Colour by" in footer and "Y param" not in footer and "Help" in footer
        await pilot.press("v", "v")
        assert screen.check_action("cycle_y", ()) is True
        assert screen.check_action("cycle_group", ()) is False
        footer = screen_text(app).splitlines()[-1]
        assert "Y param" in footer and "Colour by" not in footer and "Help" in footer


def test_a_categorical_x_axis_labels_each_slot_under_its_tick() -> None:
    figure = Figure(
        [Series("trials", [-0.2, 0.1, 1.25, 2.0], [0.1, 0.2, 0.3, 0.4], marker="●")],
        x_label="batch_size",
        x_categories=("32", "64", "128"),
    )
    lines = render_figure(figure, 60, 12)
    axis, ticks = lines[-3].plain, lines[-2].plain
    assert axis.count("┴") == 3
    for label in ("32", "64", "128"):
        centre = ticks.index(label) + len(label) // 2
        assert axis[centre - 1 : centre + 2].count("┴") == 1  # the label sits under its slot
    assert sum(line.plain.count("●") for line in lines[:-3]) == 4
