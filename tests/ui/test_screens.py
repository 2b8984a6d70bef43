"""Detail, plots and help screens; leaving; hostile text; read-only and broken sources."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers, wait_until
from tests.ui.recorded import RecordedSweep, record_sweep
from tuneterm.domain.status import EndReason
from tuneterm.storage.sources import open_source
from tuneterm.ui.app import create_app
from tuneterm.ui.key_list import help_sections
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.screens.help import HelpScreen
from tuneterm.ui.screens.hypotheses import HypothesesScreen
from tuneterm.ui.screens.journal import JournalScreen
from tuneterm.ui.screens.plots import PlotScreen, curves_figure, scatter_figure
from tuneterm.ui.screens.role import LiveScreen, NotebookScreen, NoteSubjectScreen
from tuneterm.ui.screens.sweep import SweepScreen

HOSTILE = "[bold]x[/] \x1b[31mred"


async def test_enter_opens_the_highlighted_trial_with_every_metric(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("j", "j", "j", "enter")
        assert isinstance(app.screen, TrialDetailScreen)
        assert app.screen.trial_id == "a1b2c_00003"
        await wait_for_workers(pilot, app, "trial-results")
        await wait_until(pilot, lambda: bool(app.screen.metrics_shown))
        assert app.screen.metrics_shown == [
            "accuracy",
            "train_loss",
            "val_loss",
            "time_this_iter_s",
            "time_total_s",
        ]
        text = screen_text(app)
        assert "Trial a1b2c_00003   completed   iteration 9" in text
        assert "lr         = 0.00085546" in text
        assert "━ accuracy  last 0.7264" in text
        assert "traceback" not in text

        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)


async def test_an_errored_trial_shows_its_traceback_literally(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 40)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("j", "j", "j", "j", "enter")
        await wait_for_workers(pilot, app, "trial-results")
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        assert "RuntimeError: CUDA out of memory [bold]not markup[/] \\x1b[31mnot" in text
        assert "\x1b" not in text


async def test_the_detail_screen_follows_a_running_trial(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("G", "k", "k", "k", "enter")  # a1b2c_00006, running at iteration 5
        await wait_for_workers(pilot, app, "trial-results")
        assert "iteration 5" in screen_text(app)
        sweep.report("a1b2c_00006", 6, 0.61)
        await wait_until(pilot, lambda: "iteration 6" in screen_text(app), timeout=4.0)


async def test_p_plots_the_metric_against_hyperparameters_and_the_curves(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PlotScreen)
        assert (screen.x_param, screen.group_param) == ("lr", "batch_norm")
        figure = scatter_figure(screen.data, "lr", "batch_norm")
        assert figure.log_x  # lr spans more than two decades
        assert [s.label for s in figure.series] == ["batch_norm=False", "batch_norm=True"]
        assert "best accuracy vs lr, by batch_norm" in screen_text(app)
        assert "lr (log)" in screen_text(app)

        await pilot.press("x")
        assert screen.x_param == "batch_size"
        await pilot.press("c")
        assert screen.group_param == "batch_size"  # after batch_norm come the other few-valued
        await pilot.press("c")
        assert screen.group_param is None

        await pilot.press("v")
        assert screen.view == "curves"
        curves = curves_figure(screen.data)
        assert list(curves.x_marks) == [1.0, 3.0]  # the scheduler's rungs
        text = screen_text(app)
        assert "rungs 1, 3" in text
        assert "★ best a1b2c_00003" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)


async def test_question_mark_lists_every_key(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(120, 160)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for heading, bindings in help_sections():
            assert heading in text
            for binding in bindings:
                assert isinstance(binding, Binding)
                assert binding.description in text
                assert binding.tooltip[:30] in text
        for keys in ("↓ j", "↑ k", "g home", "G end", "⏎", "^p"):
            assert keys in text
        await pilot.press("escape")
        assert isinstance(app.screen, SweepScreen)


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    for _, bindings in help_sections():
        for binding in bindings:
            assert isinstance(binding, Binding)
            assert binding.id and binding.tooltip, binding


def test_the_keys_that_work_everywhere_have_one_id_each() -> None:
    ids_by_action: dict[str, set[str | None]] = {}
    for _, bindings in help_sections():
        for binding in bindings:
            assert isinstance(binding, Binding)
            ids_by_action.setdefault(binding.action.removeprefix("app."), set()).add(binding.id)
    assert ids_by_action["detach"] == {"detach"}
    assert ids_by_action["show_help"] == {"show-help"}


def test_screens_declare_the_parts_they_play_for_the_app() -> None:
    live = (SweepScreen, TrialDetailScreen, PlotScreen, HypothesesScreen, JournalScreen)
    assert all(issubclass(screen, LiveScreen) for screen in live)
    notebook = (TrialDetailScreen, HypothesesScreen, JournalScreen)
    assert all(issubclass(screen, NotebookScreen) for screen in notebook)
    assert all(issubclass(screen, NoteSubjectScreen) for screen in (SweepScreen, TrialDetailScreen))
    assert not issubclass(HelpScreen, LiveScreen)
    assert not issubclass(PlotScreen, NoteSubjectScreen)


async def test_q_leaves_the_sweep_running_and_says_how_to_reattach(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("q")
    assert app.return_value == (
        f"The sweep keeps running. Reattach with: tuneterm attach {sweep.path}"
    )
    assert app._feed.finished.is_set()


async def test_names_configs_and_errors_are_never_markup(tmp_path: Path, make_app) -> None:
    hostile = record_sweep(tmp_path / "hostile", name=HOSTILE)
    hostile.start_trial(HOSTILE, {"lr": 0.01, "batch_size": "[/]", "batch_norm": HOSTILE})
    hostile.report(HOSTILE, 1, 0.5)
    hostile.end(HOSTILE, EndReason.ERROR, 1, error=f"Traceback\n{HOSTILE}\n[/]")
    app = make_app(hostile.path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_events(pilot, app, hostile.event_count)
        text = screen_text(app)
        literal = "[bold]x[/] \\x1b[31mred"
        assert literal in text.splitlines()[0]  # the sweep's name
        table = app.sweep_screen.table
        assert table.cell_text(HOSTILE, "trial_id").startswith("[bold]x[/]")
        assert table.cell_text(HOSTILE, "param:batch_size") == "[/]"
        assert table.ordered_trial_ids[0] == HOSTILE  # "[" sorts before letters
        await pilot.press("g", "enter")
        await wait_for_workers(pilot, app, "trial-results")
        text = screen_text(app)
        assert f"batch_norm = {literal}" in text
        assert f"Trial {literal}" in text
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        lines = [line.strip(" │") for line in text.splitlines()]
        assert lines.index("Traceback") + 1 == lines.index(literal) == lines.index("[/]") - 1
        assert "\x1b" not in text
        await pilot.press("escape", "p")
        assert "\x1b" not in screen_text(app)


class ReadOnly:
    """A source that behaves like a plain Ray Tune directory."""

    read_only = True

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.path = inner.path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_a_plain_ray_directory_is_shown_read_only(sweep: RecordedSweep) -> None:
    source = open_source(sweep.path)
    app = create_app(ReadOnly(source), clock=lambda: 1_700_000_100.0, poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        assert "mnist-asha  read-only" in app.sweep_screen.header.plain
        assert app._clock_timer is None
        await pilot.press("q")
    assert app.return_value == f"Reopen with: tuneterm attach {sweep.path}"
    source.close()


class Failing(ReadOnly):
    read_only = False

    def poll(self, limit: int = 50_000) -> list[Any]:
        raise OSError("disk I/O error [bold]")


async def test_a_failing_feed_is_shown_not_lost(sweep: RecordedSweep) -> None:
    source = open_source(sweep.path)
    app = create_app(Failing(source), poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "feed stopped" in app.sweep_screen.header.plain)
        assert "OSError: disk I/O error [bold]" in app.sweep_screen.header.plain
    source.close()


@pytest.mark.parametrize("term", ["xterm-256color", "screen"])
async def test_no_color_and_plain_terminals(
    sweep: RecordedSweep, make_app, monkeypatch: pytest.MonkeyPatch, term: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", term)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        assert app.no_color
        await pilot.press("j", "enter")
        await wait_for_workers(pilot, app, "trial-results")
        await pilot.press("escape", "p", "v", "escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert "a1b2c_00001" in screen_text(app)


async def test_the_command_palette_offers_the_dashboards_commands(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Plots", "Keys", "Detach"} <= set(titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"


class NoResults(ReadOnly):
    read_only = False

    def trial_results(self, trial_id: str) -> list[Any]:
        raise OSError("database is locked")


async def test_a_failing_detail_load_is_shown(sweep: RecordedSweep) -> None:
    source = open_source(sweep.path)
    app = create_app(NoResults(source), poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "could not read results" in screen_text(app))
        assert "OSError: database is locked" in screen_text(app)
    source.close()


async def test_a_real_plain_ray_tune_directory_opens_read_only(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(Path(__file__).parents[1] / "data" / "ray_plain" / "plain", plain)
    source = open_source(plain)
    app = create_app(source, clock=lambda: 1_700_000_100.0, poll_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "43340_00001" in screen_text(app))
        text = screen_text(app)
        assert "read-only" in text and "43340_00000" in text
        assert "error" in text and "completed" in text
        await pilot.press("q")
    source.close()
