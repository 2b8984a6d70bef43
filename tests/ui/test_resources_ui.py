"""Trials' resource use on screen, from samples in a real store: the detail screen's panel (latest
values, sparklines, "-" without a GPU, new samples within ~2 s) and the table's optional columns
(off at 80 columns until `u`, on at 160 once there are samples)."""

from __future__ import annotations

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.output_support import RUNNING, TO_RUNNING, record_usage
from tests.ui.recorded import FROZEN_NOW
from tuneterm.domain.resources import ResourceSample, TrialSample
from tuneterm.storage.samples import record_samples
from tuneterm.ui.format import SPARK_BLOCKS
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.screens.sweep import SweepScreen
from tuneterm.ui.widgets.resource_panel import ResourcePanel

OTHER_RUNNING = "a1b2c_00008"


def panel_lines(app) -> list[str]:
    text = screen_text(app).splitlines()
    start = next(n for n, line in enumerate(text) if "resources" in line)
    return [line.strip("│ ") for line in text[start + 1 : start + 3]]


async def open_detail(pilot, app, sweep) -> ResourcePanel:
    await wait_for_events(pilot, app, sweep.event_count)
    await pilot.press(*TO_RUNNING, "enter")
    assert isinstance(app.screen, TrialDetailScreen)
    return app.screen.query_one(ResourcePanel)


async def test_the_panel_shows_the_latest_values_with_sparklines_and_dashes_without_a_gpu(
    sweep, make_app
) -> None:
    record_usage(sweep)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_detail(pilot, app, sweep)
        await wait_until(pilot, lambda: panel.display and len(panel.samples) == 12)
        cpu_line, gpu_line = panel_lines(app)
        assert cpu_line.startswith("cpu           95% ▁▂▂▃▄▄▅▅▆▇▇█")
        assert "rss       620 MiB ▁▂▂▃▄▄▅▅▆▇▇█" in cpu_line
        assert gpu_line.split() == ["gpu", "mem", "-", "gpu", "util", "-"]

        record_samples(
            sweep.store,
            [TrialSample(RUNNING, ResourceSample(FROZEN_NOW + 2, 12.0, 300 << 20))],
        )
        await wait_until(pilot, lambda: panel_lines(app)[0].startswith("cpu           12%"), 5.0)
        assert "300 MiB" in panel_lines(app)[0]


async def test_a_trial_with_a_gpu_shows_its_memory_and_utilisation(sweep, make_app) -> None:
    record_usage(sweep, gpu=True)
    app = make_app(sweep.path)
    async with app.run_test(size=(160, 48)) as pilot:
        panel = await open_detail(pilot, app, sweep)
        await wait_until(pilot, lambda: bool(panel.display))
        (line, _) = panel_lines(app)
        assert "gpu mem  2.69 GiB " in line and "gpu util      71% " in line
        assert sum(char in SPARK_BLOCKS for char in line) > 4 * 10


async def test_a_trial_without_samples_has_no_panel(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_detail(pilot, app, sweep)
        await wait_until(pilot, lambda: bool(app.screen.query_one("#detail-summary")))
        await pilot.pause(0.2)
        assert not panel.display
        assert "resources" not in screen_text(app)


def titles(app) -> list[str]:
    screen = app.screen
    assert isinstance(screen, SweepScreen)
    return [column.key for column in screen.table.shown_columns]


async def test_u_shows_the_resource_columns_at_80_columns_and_hides_them(sweep, make_app) -> None:
    record_usage(sweep)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.pause(0.3)
        assert "cpu" not in titles(app)
        await pilot.press("u")
        table = app.sweep_screen.table
        await wait_until(pilot, lambda: table.cell_text(RUNNING, "cpu") == "95%")
        assert table.cell_text(RUNNING, "rss") == "620 MiB"
        assert table.cell_text(OTHER_RUNNING, "cpu") == "-", "no sample"
        assert table.cell_text("a1b2c_00000", "rss") == "-", "not running"
        assert {"cpu", "rss"} <= set(titles(app)) and "gpu" not in titles(app)
        header = screen_text(app).splitlines()[2]
        assert "cpu" in header and "rss" in header
        assert all(column.key not in ("cpu", "rss") for column in table.columns if column.sortable)

        await pilot.press("u")
        assert "cpu" not in titles(app)


async def test_wide_terminals_show_them_once_a_trial_has_samples_and_follow_new_ones(
    sweep, make_app
) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.pause(0.3)
        assert "cpu" not in titles(app), "no samples yet"
        record_usage(sweep, OTHER_RUNNING, gpu=True)
        await wait_until(pilot, lambda: "gpu" in titles(app), 5.0)
        table = app.sweep_screen.table
        assert table.cell_text(OTHER_RUNNING, "gpu") == "2.69 GiB"
        assert table.cell_text(RUNNING, "gpu") == "-"
        record_samples(
            sweep.store,
            [TrialSample(OTHER_RUNNING, ResourceSample(FROZEN_NOW + 2, 310.0, 1 << 30, 0, 0.0))],
        )
        await wait_until(pilot, lambda: "310%" in screen_text(app), 5.0)
        assert table.cell_text(OTHER_RUNNING, "rss") == "1 GiB"

        await pilot.press("u")
        assert "cpu" not in titles(app)
