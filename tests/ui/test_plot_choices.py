"""What the plots can be drawn against: every tuned hyperparameter (one some trials lack, a choice
of thirty values), never the same one on both axes of the heat grid; each trial's best value of
the metric; and what the views say when the filter, or the sweep, leaves no trial."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.plot_support import OPTIMIZERS, open_with_space, record_edge_sweep
from tests.ui.recorded import T0, RecordedSweep
from tests.ui.trial_rows import row
from tuneterm.storage.store import Store
from tuneterm.ui.plot_figures import PlotData, colour_candidates, scatter_figure, x_candidates
from tuneterm.ui.screens.parallel import ParallelScreen
from tuneterm.ui.screens.plots import PlotScreen
from tuneterm.ui.widgets.heat_grid import PairGrid

LACK_EXTRA = 10
"""Trials 0, 3, ..., 27 of the edge sweep lack `extra`."""


async def test_every_hyperparameter_is_offered_for_x(tmp_path: Path, make_app) -> None:
    sweep = record_edge_sweep(tmp_path / "edge")
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p")
        assert isinstance(screen, PlotScreen)
        assert screen.x_param == "lr"
        await pilot.press("x")
        assert screen.x_param == "extra"  # some trials lack it: offered all the same
        figure = scatter_figure(screen.data, "extra", None, screen.space)
        assert sum(len(series.xs) for series in figure.series) == 30 - LACK_EXTRA
        assert f"{LACK_EXTRA} trials lack extra" in screen_text(app)
        await pilot.press("x")
        assert screen.x_param == "opt"  # thirty values: a slot each
        figure = scatter_figure(screen.data, "opt", None, screen.space)
        assert len(figure.x_categories) == len(OPTIMIZERS)
        assert sum(len(series.xs) for series in figure.series) == 30
        await pilot.press("x")
        assert screen.x_param == "lr"
        # Colour only by a hyperparameter of few values: none here.
        assert list(screen.data.groups) == []
        await pilot.press("c")
        assert screen.group_param is None


def test_colour_is_only_by_few_values_and_x_by_any() -> None:
    rows = [
        row(f"t{i}", config={"lr": 10.0**-i, "opt": f"o{i}", "bn": i % 2 == 0, "bs": 2**i % 3})
        for i in range(12)
    ]
    rows.append(row("t12", config={"lr": 0.5, "opt": "o1", "bn": True}))  # lacks bs
    names = ["lr", "opt", "bn", "bs"]
    assert x_candidates(names, rows) == ["lr", "bs", "opt", "bn"]  # numbers first
    assert colour_candidates(names, rows) == ["bn", "bs"]  # opt has twelve values


async def test_a_heat_grid_of_thirty_values_groups_the_rarest(tmp_path: Path, make_app) -> None:
    sweep = record_edge_sweep(tmp_path / "edge")
    sweep.start_trial("e900", {"lr": 1e-3, "opt": "sgd", "extra": 0.5})
    sweep.report("e900", 1, 0.5)  # sgd: the one value two trials have
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p", "v", "v")
        assert isinstance(screen, PlotScreen) and screen.view == "pairs"
        while screen.y_param != "opt":
            await pilot.press("y")
        text = screen_text(app)
        assert "too many bins" not in text and "too small" not in text
        assert "other" in text and "rarer values of opt" in text
        assert "sgd" in text  # the most frequent keeps a row of its own
    app = make_app(sweep.path)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "p", "v", "v")
        assert isinstance(screen, PlotScreen)
        while screen.y_param != "opt":
            await pilot.press("y")
        text = screen_text(app)
        assert all(name in text for name in OPTIMIZERS)  # room for every value
        assert "rarer values" not in text
        assert screen.query_one(PairGrid).display


async def test_the_heat_grid_never_has_one_hyperparameter_on_both_axes(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert (screen.x_param, screen.y_param) == ("lr", "batch_norm")
        await pilot.press("x", "x")  # the scatter against batch_norm, the heat grid's rows
        assert screen.x_param == "batch_norm"
        await pilot.press("v", "v")
        assert screen.view == "pairs"
        assert screen.y_param not in (None, "batch_norm")
        assert "batch_norm × batch_norm" not in screen_text(app)
        for _ in range(6):
            await pilot.press("x")
            assert screen.x_param != screen.y_param
            await pilot.press("y")
            assert screen.x_param != screen.y_param


def test_the_scatter_plots_each_trials_best_value() -> None:
    rows = [
        row("a", config={"lr": 0.1}, last_metric=0.2, best_metric=0.9),
        row("b", config={"lr": 0.01}, last_metric=0.5, best_metric=0.6),
    ]
    data = PlotData("accuracy", rows, {}, None, ["lr"], params=["lr"])
    (series,) = scatter_figure(data, "lr", None).series
    assert sorted(series.ys) == [0.6, 0.9]


async def apply_filter(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", "end", "ctrl+u", *text, "enter")
    await pilot.pause()


async def test_a_filter_that_keeps_no_trial_says_so_in_every_view(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await apply_filter(pilot, 'state == "paused"')
        assert app.sweep_screen.table.ordered_trial_ids == ()
        wanted = 'no trial matches the filter state == "paused"'
        table_lines = screen_text(app).splitlines()
        assert wanted in table_lines[3]  # under the table's titles, not a blank table
        await pilot.press("p")
        text = screen_text(app)
        assert "best accuracy vs lr" in text  # the axis of the whole sweep
        assert wanted in text and "no hyperparameter" not in text
        assert "has reported" not in text
        await pilot.press("v")  # the learning curves
        assert wanted in screen_text(app)
        await pilot.press("escape", "v")
        assert isinstance(app.screen, ParallelScreen)
        text = screen_text(app)
        assert wanted in text and "has reported" not in text
        await pilot.press("escape", "F")
        text = screen_text(app)
        assert wanted.capitalize() in text and "has reported" not in text
        await pilot.press("escape", "i")
        await wait_until(pilot, lambda: "too few trials" in screen_text(app), timeout=20)
        words = " ".join(screen_text(app).split())
        kept = '0 of 7 finished trials (filter: state == "paused")'
        assert f"too few trials: 0 finished, 8 needed ({kept})" in words
        await pilot.press("escape")
        await apply_filter(pilot, "")
        assert len(app.sweep_screen.table.ordered_trial_ids) == 10
        assert "no trial matches" not in screen_text(app)


def record_empty_sweep(path: Path) -> RecordedSweep:
    path.mkdir(parents=True)
    meta = {
        "name": "empty",
        "metric": "accuracy",
        "mode": "max",
        "status": "created",
        "created_at": T0,
        "tuned": ["lr", "bn"],
    }
    sweep = RecordedSweep(path, Store.create(path / Store.FILENAME, meta))
    sweep.store.record_experiment_started(now=T0, address="local")
    sweep.event_count += 1
    return sweep


async def test_a_sweep_without_trials_says_no_trial_yet(tmp_path: Path, make_app) -> None:
    sweep = record_empty_sweep(tmp_path / "empty")
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PlotScreen))
        text = screen_text(app)
        assert "best accuracy vs lr" in text and "no trial yet" in text
        assert "no hyperparameter to plot against" not in text
        await pilot.press("escape", "v")
        assert "no trial yet" in screen_text(app)
