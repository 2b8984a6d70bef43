"""Parallel coordinates: `v` opens them, the search space shapes the axes, the top trials stand
out, the axes page at 80 columns, and the table's filter applies."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.journal_recorded import write_config
from tests.ui.plot_support import WIDE_SPACE, open_with_space, record_wide_sweep
from tuneterm.domain.plots.axis import AxisKind
from tuneterm.domain.plots.parallel import PlotPoint, parallel_plot
from tuneterm.domain.plots.raster import DOT_BITS, rasterize
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.ui.screens.parallel import ParallelScreen
from tuneterm.ui.screens.sweep import SweepScreen
from tuneterm.ui.widgets.parallel_chart import TOP_STYLE, cell_row, pixel_row, render_parallel


def top_five(rows: list[TrialRow]) -> list[str]:
    scored = [row for row in rows if row.best_metric is not None]
    scored.sort(key=lambda row: (-(row.best_metric or 0.0), row.trial_id))
    return [row.trial_id for row in scored[:5]]


def styled_cells(text: Text, style: str) -> str:
    """The characters of `text` drawn in exactly `style`."""
    return "".join(text.plain[span.start : span.end] for span in text.spans if span.style == style)


async def test_v_opens_parallel_coordinates_shaped_by_the_search_space(sweep, make_app) -> None:
    write_config(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "v")
        assert isinstance(screen, ParallelScreen)
        assert screen.chart.shown_axis_names == ["lr", "batch_size", "batch_norm", "accuracy"]
        kinds = [axis.kind for axis in screen.plot.axes]
        assert kinds == [AxisKind.LOG, AxisKind.CATEGORICAL, AxisKind.CATEGORICAL, AxisKind.LINEAR]
        text = screen_text(app)
        assert "lr (log)" in text
        for label in ("├32", "├64", "├128", "├True", "├False"):
            assert label in text  # each category written beside its axis, at its slot
        assert len(screen.plot.lines) == 10
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)


async def test_the_top_five_trials_are_highlighted_and_drawn_last(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, ParallelScreen)
        with app.state.lock:
            expected = top_five(app.state.rows())
        assert [line.trial_id for line in screen.plot.top()] == expected
        assert [line.trial_id for line in screen.plot.lines[-5:]] == expected[::-1]
        rendered = screen.chart.render()
        assert any(0x2800 < ord(char) <= 0x28FF for char in styled_cells(rendered, TOP_STYLE))
        assert "#1" in styled_cells(rendered, TOP_STYLE)
        assert "│#1" in screen_text(app)  # beside the metric's axis, at the best value: the top


async def test_axes_that_do_not_fit_80_columns_are_paged(tmp_path: Path, make_app) -> None:
    sweep = record_wide_sweep(tmp_path / "wide")
    app = make_app(sweep.path)
    names = list(WIDE_SPACE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "v")
        assert isinstance(screen, ParallelScreen)
        # Seven fit beside the metric's axis: ten go on two even pages, not seven and three.
        assert screen.chart.shown_axis_names == [*names[:5], "accuracy"]
        assert "axes 1–5 of 10" in screen_text(app)
        await pilot.press("right_square_bracket")
        assert screen.chart.shown_axis_names == [*names[5:], "accuracy"]
        text = screen_text(app)
        assert "axes 6–10 of 10" in text and "momentum" in text and "optimizer" not in text
        await pilot.press("right_square_bracket")
        assert screen.chart.shown_axis_names == [*names[:5], "accuracy"]  # round again
        await pilot.press("left_square_bracket")
        assert screen.chart.shown_axis_names[0] == "weight_decay"


async def test_at_200_columns_every_axis_shows(tmp_path: Path, make_app) -> None:
    sweep = record_wide_sweep(tmp_path / "wide")
    app = make_app(sweep.path)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_with_space(pilot, app, sweep, "v")
        assert isinstance(screen, ParallelScreen)
        assert screen.chart.shown_axis_names == [*WIDE_SPACE, "accuracy"]
        text = screen_text(app)
        assert "axes" not in text.splitlines()[-2]
        for label in ("├adam", "├adamw", "├sgd", "lr (log)", "weight_decay", "├256"):
            assert label in text


async def test_only_the_trials_the_table_shows_are_drawn(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        for _ in range(10):
            if app.sweep_screen.state_filter == "completed":
                break
            await pilot.press("f")
        assert app.sweep_screen.state_filter == "completed"
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, ParallelScreen)
        drawn = {line.trial_id for line in screen.plot.lines}
        assert drawn == {"a1b2c_00000", "a1b2c_00003"}
        assert "2 trials" in screen_text(app)


async def test_the_plot_follows_the_sweep(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, ParallelScreen)
        sweep.start_trial("a1b2c_00010", {"lr": 3e-3, "batch_size": 64, "batch_norm": True})
        sweep.report("a1b2c_00010", 1, 0.99)
        await wait_until(pilot, lambda: len(screen.plot.lines) == 11, timeout=4.0)
        assert screen.plot.top()[0].trial_id == "a1b2c_00010"


async def test_a_filter_expression_narrows_the_lines_as_it_does_the_table(sweep, make_app) -> None:
    wanted = {
        trial_id
        for trial_id, config in sweep.configs.items()
        if config["batch_norm"] and float(config["lr"]) < 1e-2  # type: ignore[arg-type]
    }
    assert 0 < len(wanted) < 10
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("slash", "end", "ctrl+u", *"batch_norm and lr < 1e-2", "enter")
        await wait_until(pilot, lambda: len(app.sweep_screen.table.ordered_trial_ids) < 10)
        assert set(app.sweep_screen.table.ordered_trial_ids) == wanted
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, ParallelScreen)
        assert {line.trial_id for line in screen.plot.lines} == wanted


def test_nothing_to_draw_says_why() -> None:
    empty = parallel_plot([], ["lr"], "accuracy", maximize=True)
    lines = render_parallel(empty, 0, 80, 20, "no trial has reported the metric yet")
    assert [line.plain.strip() for line in lines] == ["no trial has reported the metric yet"]
    plot = parallel_plot([PlotPoint("a", {"lr": 0.1}, 0.5)], ["lr"], "accuracy", maximize=True)
    assert len(render_parallel(plot, 0, 80, 20, "")) == 20
    assert render_parallel(plot, 0, 80, 4, "too small")[0].plain.strip() == "too small"


def test_a_label_sits_on_the_row_its_line_ends_in() -> None:
    """#1.. and the category labels go on the row where the raster draws the vertex: rounded as
    it rounds, not truncated."""
    rows = 16
    for step in range(401):
        share = step / 400
        height = pixel_row(share, rows)
        raster = rasterize([0, 9], [[height, height]], columns=5, rows=rows)
        ends = [
            row
            for row in range(rows)
            if any(raster.bits[row, 4] & DOT_BITS[r][1] for r in range(4))
        ]
        assert ends == [cell_row(share, rows)], share


def test_the_top_labels_follow_their_lines_end() -> None:
    # On 10 rows, 0.4974 of the axis is dot row 19.6: drawn in dot row 20, the sixth cell row.
    values = [0.0, 0.4974, 1.0]
    points = [PlotPoint(f"t{i}", {"lr": 0.1}, value) for i, value in enumerate(values)]
    plot = parallel_plot(points, ["lr"], "accuracy", maximize=True, top=3)
    lines = render_parallel(plot, 0, 60, 14, "")
    body = [line.plain for line in lines if line.plain[:1] in "│├"]  # the rows of the plot
    assert len(body) == 10
    marked = {int(text.split("#")[1][0]): row for row, text in enumerate(body) if "#" in text}
    assert marked == {1: 0, 2: 5, 3: 9}
    for line in plot.top():
        assert marked[line.rank or 0] == cell_row(line.shares[-1] or 0.0, len(body))
