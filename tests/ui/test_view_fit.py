"""The views fit 80 columns without cutting anything silently: titles reworded to fit, the list of
the Pareto front scrolled sideways with a count of the columns out of view, the header's counts
left out from the end with "…"; their numbers written as the table writes them; and the keys of
the two filters named apart."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.importance_support import add_finished_trials
from tests.ui.pareto_recorded import record_pareto_sweep
from tests.ui.plot_support import open_with_space, record_edge_sweep
from tuneterm.domain.importance import finished_samples
from tuneterm.domain.plots.parallel import PlotPoint, parallel_plot
from tuneterm.ui.screens.importance import ImportanceScreen
from tuneterm.ui.screens.pareto import ParetoScreen
from tuneterm.ui.widgets.chart import Figure, Series, render_figure
from tuneterm.ui.widgets.front_table import table_lines
from tuneterm.ui.widgets.header import SweepFacts, second_line
from tuneterm.ui.widgets.parallel_chart import render_parallel
from tuneterm.ui.widgets.plot_title import fitted


def title_line(text: str) -> str:
    return text.splitlines()[0]


async def test_the_views_titles_fit_80_columns(tmp_path: Path, make_app) -> None:
    sweep = record_edge_sweep(tmp_path / "edge")
    for index in range(5):  # running, nothing reported yet
        sweep.start_trial(f"r{index}", {"lr": 1e-3, "opt": "adam", "extra": 0.5})
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_with_space(pilot, app, sweep, "p")
        title = title_line(screen_text(app))
        assert title.strip() == "best accuracy vs lr"
        await pilot.press("v", "v", "y")
        title = title_line(screen_text(app))
        assert title.strip() == "mean accuracy by lr × opt"  # no key hints: the footer has them
        await pilot.press("escape", "v")
        title = title_line(screen_text(app))
        assert "…" not in title and "30 of 35 trials (5 have no accuracy yet)" in title


async def test_importance_says_first_metric_at_80_columns(tmp_path: Path, make_app) -> None:
    sweep = record_pareto_sweep(tmp_path / "three")
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ImportanceScreen))
        title = title_line(screen_text(app))
        assert "(the first metric)" in title and "…" not in title


def test_a_title_takes_the_longest_wording_that_fits() -> None:
    from rich.text import Text

    wordings = [Text(" a long title, with more"), Text(" a long title"), Text(" short")]
    assert fitted(wordings, 80).plain == " a long title, with more"
    assert fitted(wordings, 14).plain == " a long title"
    assert fitted(wordings, 4).plain == " sh…"


def test_the_front_list_scrolls_instead_of_cutting_columns() -> None:
    titles = ["trial", "accuracy↑", "val_loss↓", "train_loss↓"]
    titles += ["learning_rate", "batch_size", "batch_norm", "weight_decay", "optimizer"]
    rows = [["p0", "0.95", "0.4", "0.05", "0.003", "32", "True", "1e-4", "adamw"]]
    right = [False, True, True, True, False, False, False, False, False]
    lines = table_lines(titles, rows, right, 80)
    assert all(line.cell_len <= 80 for line in lines)
    header = lines[0].plain
    shown = [title for title in titles if title in header]
    hidden = len(titles) - len(shown)
    assert hidden > 0 and header.rstrip().endswith(f"‹{hidden} more: ←→›")
    assert "…" not in header  # what is shown is whole
    assert "optimizer" not in header
    last = table_lines(titles, rows, right, 80, first=len(titles) - 2)[0].plain
    assert "trial" in last and "optimizer" in last  # the trial stays, the rest scrolled
    assert table_lines(titles, rows, right, 200)[0].plain.rstrip().endswith("optimizer")


async def test_right_shows_the_front_list_columns_out_of_view(tmp_path: Path, make_app) -> None:
    sweep = record_pareto_sweep(tmp_path / "three")
    app = make_app(sweep.path)
    async with app.run_test(size=(60, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, ParetoScreen)
        listed = str(screen.query_one("#pareto-list").render())
        assert listed.splitlines()[0].rstrip().endswith("more: ←→›")
        assert "batch_norm" not in listed
        await pilot.press("right", "right", "right")
        listed = str(screen.query_one("#pareto-list").render())
        assert "batch_norm" in listed and listed.splitlines()[1].split()[0] == "p0"
        await pilot.press("left", "left", "left")
        assert "accuracy↑" in str(screen.query_one("#pareto-list").render())


def test_the_header_fits_80_columns_and_counts_the_trials_shown() -> None:
    counts = {"pending": 0, "running": 2, "completed": 2, "scheduler": 4, "user": 1, "error": 1}
    facts = SweepFacts(
        "demo", "running", "accuracy", 1.0, counts=counts, where="batch_size == 16", shown=5
    )
    line = second_line(facts, 80)
    assert line.plain.startswith(" where batch_size == 16  5 of 10 trials shown: 2 running")
    assert cell_len(line.plain) <= 80 and line.plain.endswith(", …")
    assert "0 pending" not in line.plain  # the zero counts go first
    assert second_line(facts).plain.endswith("1 by user, 1 error")  # no width: all of them
    unfiltered = SweepFacts("demo", "running", "accuracy", 1.0, counts=counts, shown=10)
    assert second_line(unfiltered, 80).plain.startswith(" 10 trials: 0 pending, 2 running")


def test_plots_write_numbers_as_the_table_does() -> None:
    figure = Figure([Series("acc", [1e-4, 2e-4, 3e-4], [1.12e-4, 5e-4, 9e-4])], x_label="lr")
    text = "\n".join(line.plain for line in render_figure(figure, 60, 12))
    assert "1.12e-4" in text and "9e-4" in text and "3e-4" in text
    assert "0.000112" not in text and "0.0009" not in text
    points = [PlotPoint("a", {"lr": 0.1}, 1.12e-4), PlotPoint("b", {"lr": 0.2}, 9e-4)]
    plot = parallel_plot(points, ["lr"], "loss", maximize=False)
    legend = render_parallel(plot, 0, 80, 20, "")[-1].plain
    assert "9e-4" in legend and "1.12e-4" in legend and "0.0009" not in legend


async def test_the_footer_and_the_palette_name_the_two_filters_apart(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        footer = screen_text(app).splitlines()[-1]
        assert "f State" in footer and "/ Where" in footer and "Filter" not in footer
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Filter by expression (/)" in commands
        commands["Filter by state (f)"].callback()
        await pilot.pause()
        assert app.sweep_screen.state_filter == "running"


async def test_importance_follows_the_tables_filter(sweep, make_app) -> None:
    add_finished_trials(sweep, 14)
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("slash", "end", "ctrl+u", *"batch_norm", "enter")
        await pilot.pause()
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, ImportanceScreen)
        await wait_until(pilot, lambda: screen.importance is not None, timeout=30)
        with app.state.lock:
            rows = app.state.rows()
        everyone = len(finished_samples(rows))
        kept = len(finished_samples([row for row in rows if row.config["batch_norm"]]))
        assert screen.finished_shown == kept < everyone
        assert f"{kept} of {everyone} finished trials (filter: batch_norm)" in screen_text(app)
