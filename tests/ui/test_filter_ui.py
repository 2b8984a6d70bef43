"""The filter expression (`/`): it narrows the table and the plots alike, shows in the header,
refuses a bad expression in place, and an empty one shows every trial again."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.key_list import help_sections
from tuneterm.ui.modals.filter import FilterModal
from tuneterm.ui.screens.plots import PlotScreen, curves_figure, scatter_figure
from tuneterm.ui.screens.sweep import SweepScreen

EVERY_TRIAL = [f"a1b2c_{n:05d}" for n in range(10)]


async def apply_filter(pilot, app: TuneTermApp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the filter with `/`, replace what is there with `text`, press enter."""
    await pilot.press("slash")
    assert isinstance(app.screen, FilterModal)
    await pilot.press("end", "ctrl+u", *text, "enter")
    await pilot.pause()


def shown(app: TuneTermApp) -> list[str]:
    return list(app.sweep_screen.table.ordered_trial_ids)


async def plotted(pilot, app: TuneTermApp) -> tuple[list[str], int, set[str]]:  # type: ignore[no-untyped-def]
    """Open the plots: the trials they hold, the scatter's points and the curves' trials."""
    await pilot.press("p")
    screen = app.screen
    assert isinstance(screen, PlotScreen)
    assert screen.x_param is not None
    scatter = scatter_figure(screen.data, screen.x_param, screen.group_param)
    points = sum(len(series.xs) for series in scatter.series)
    curves = set(screen.data.curves)
    drawn = len(curves_figure(screen.data).series)
    assert drawn == len([ys for _, ys in screen.data.curves.values() if ys])
    await pilot.press("escape")
    return [row.trial_id for row in screen.data.rows], points, curves


async def test_an_expression_narrows_the_table_and_the_plots_alike(
    sweep: RecordedSweep, make_app
) -> None:
    wanted = [
        trial_id
        for trial_id, config in sweep.configs.items()
        if config["batch_norm"] and float(config["lr"]) < 1e-2  # type: ignore[arg-type]
    ]
    assert 0 < len(wanted) < len(EVERY_TRIAL)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        assert shown(app) == EVERY_TRIAL
        assert await plotted(pilot, app) == (EVERY_TRIAL, 10, set(EVERY_TRIAL))

        await apply_filter(pilot, app, "batch_norm and lr < 1e-2")
        assert isinstance(app.screen, SweepScreen)
        assert shown(app) == wanted
        header = app.sweep_screen.header.plain
        assert f"where batch_norm and lr < 1e-2  {len(wanted)} of 10 trials shown" in header
        assert "where batch_norm and lr < 1e-2" in screen_text(app)
        assert await plotted(pilot, app) == (wanted, len(wanted), set(wanted))

        await apply_filter(pilot, app, 'state == "stopped" or iter > 8')
        stopped_or_long = ["a1b2c_00000", "a1b2c_00001", "a1b2c_00002", "a1b2c_00003"]
        stopped_or_long += ["a1b2c_00005", "a1b2c_00007"]
        assert shown(app) == stopped_or_long
        assert (await plotted(pilot, app))[0] == stopped_or_long

        await pilot.press("slash")
        assert app.screen.query_one("#filter-input", Input).value == (
            'state == "stopped" or iter > 8'
        )
        await pilot.press("ctrl+u", "enter")  # an empty line clears the filter
        await pilot.pause()
        assert shown(app) == EVERY_TRIAL
        assert "where" not in app.sweep_screen.header.plain
        assert await plotted(pilot, app) == (EVERY_TRIAL, 10, set(EVERY_TRIAL))


async def test_the_expression_adds_to_the_state_filter(sweep: RecordedSweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await apply_filter(pilot, app, "iter >= 3")
        long_ones = ["a1b2c_00000", "a1b2c_00002", "a1b2c_00003", "a1b2c_00006"]
        assert shown(app) == [*long_ones, "a1b2c_00007", "a1b2c_00008"]
        await pilot.press("f")  # running
        assert shown(app) == ["a1b2c_00006", "a1b2c_00008"]
        header = app.sweep_screen.header.plain
        assert "where iter >= 3  2 of 10 trials shown: 2 running" in header
        assert (await plotted(pilot, app))[0] == ["a1b2c_00006", "a1b2c_00008"]


async def test_an_invalid_expression_shows_its_error_and_changes_nothing(
    sweep: RecordedSweep, make_app, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await apply_filter(pilot, app, 'state == "stopped"')
        stopped = shown(app)
        assert len(stopped) == 4

        await apply_filter(pilot, app, "batch_norm and lrr < 1e-3")
        assert isinstance(app.screen, FilterModal)  # still open, to fix the expression
        text = screen_text(app)
        assert "column 16: unknown name 'lrr' (did you mean 'lr'?)" in text
        assert app.screen.query_one("#filter-input", Input).cursor_position == 15
        hostile = f"__import__('os').system('touch {marker}')"
        await pilot.press("end", "ctrl+u", *hostile, "enter")
        await pilot.pause()
        assert "column 1: calls are not allowed" in screen_text(app)
        assert not marker.exists()

        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)
        assert shown(app) == stopped
        assert 'where state == "stopped"' in app.sweep_screen.header.plain


async def test_typing_after_an_error_brings_the_hint_back(sweep: RecordedSweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await apply_filter(pilot, app, "lr <")
        assert "column 5: the expression ends too soon" in screen_text(app)
        await pilot.press("space", "1")
        assert "the expression ends too soon" not in screen_text(app)
        assert "enter applies" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SweepScreen)
        assert app.sweep_screen.where_text == "lr < 1"


async def test_the_filter_follows_new_results(sweep: RecordedSweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await apply_filter(pilot, app, "iter == 6 and accuracy > 0.6")
        assert shown(app) == []
        sweep.report("a1b2c_00006", 6, 0.61)
        await wait_until(pilot, lambda: shown(app) == ["a1b2c_00006"])
        sweep.report("a1b2c_00006", 7, 0.55)
        await wait_until(pilot, lambda: shown(app) == [])


async def test_the_palette_and_the_help_offer_the_filter(sweep: RecordedSweep, make_app) -> None:
    table_keys = dict(help_sections())["Trial table"]
    assert any(getattr(binding, "id", None) == "edit-filter" for binding in table_keys)
    assert "Typing a filter expression" in dict(help_sections())
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        commands["Filter by expression (/)"].callback()
        await pilot.pause()
        assert isinstance(app.screen, FilterModal)
        await pilot.press(*"trial", "enter")
        await pilot.pause()
        assert shown(app) == EVERY_TRIAL  # every id is a non-empty string
        assert app.sweep_screen.where_text == "trial"


async def test_a_filter_chosen_over_the_plots_narrows_them(sweep: RecordedSweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("p")
        plots = app.screen
        assert isinstance(plots, PlotScreen) and len(plots.data.rows) == 10
        commands = {command.title: command for command in app.get_system_commands(plots)}
        commands["Filter by expression (/)"].callback()
        await pilot.pause()
        await pilot.press(*'state == "running"', "enter")
        await wait_until(pilot, lambda: len(plots.data.rows) == 2)
        assert app.screen is plots
        assert [row.trial_id for row in plots.data.rows] == ["a1b2c_00006", "a1b2c_00008"]


async def test_a_reported_metric_the_sweep_does_not_weigh_is_refused_with_the_fix(
    sweep: RecordedSweep, make_app
) -> None:
    # The sweep's metric is accuracy; its trials report val_loss too, which the rows do not carry.
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("slash")
        modal = app.screen
        assert isinstance(modal, FilterModal)
        await wait_for_workers(pilot, app, "filter-names")
        assert {"val_loss", "train_loss"} <= modal.reported
        await pilot.press(*"val_loss < 1", "enter")
        await pilot.pause()
        assert app.screen is modal and modal.error is not None
        assert str(modal.error) == (
            "column 1: val_loss is reported but is not one of the sweep's metrics: name it in"
            " [experiment] metrics to filter on it"
        )
        assert "val_loss is reported but is not one of the sweep's" in screen_text(app)
        await pilot.press("end", "ctrl+u", *"val_los < 1", "enter")  # never reported: unknown
        await pilot.pause()
        assert "unknown name 'val_los'" in str(modal.error)
