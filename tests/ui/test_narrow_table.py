"""The trial table at 80x24 on a realistic sweep: numbers whole, titles abbreviated as documented,
the state apart from the iteration, every column reachable; and a sweep with several metrics."""

from __future__ import annotations

import random
import re
from pathlib import Path

from textual.binding import Binding
from textual.pilot import Pilot

from tests.ui.helpers import screen_text, wait_for_events, wait_for_workers
from tests.ui.recorded import T0
from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store
from tuneterm.ui.app import TuneTermApp
from tuneterm.ui.format import ELLIPSIS
from tuneterm.ui.modals.confirm import ConfirmModal
from tuneterm.ui.screens.help import HelpScreen
from tuneterm.ui.widgets.column_titles import abbreviate

TUNED = ["lr", "num_layers", "weight_decay", "batch_norm", "dropout", "hidden_size", "optimizer"]
STOPPED = "a1b2c_00001"
"""Stopped by the scheduler at iteration 2, after reporting 22 iterations."""
RUNNING = "a1b2c_00002"
NUMERIC = ("iteration", "last", "best", "runtime")


def record_wide_sweep(path: Path, metrics: list[list[str]] | None = None) -> tuple[Store, int]:
    """Twelve trials of a sweep with long hyperparameter names, lr log-uniform down to 1e-5."""
    path.mkdir(parents=True)
    meta: dict[str, object] = {"name": "wide", "metric": "accuracy", "mode": "max"}
    meta |= {"status": "created", "created_at": T0, "tuned": TUNED}
    if metrics:
        meta["metrics"] = metrics
    store = Store.create(path / Store.FILENAME, meta)
    store.record_experiment_started(now=T0, address="local")
    rng, clock, events = random.Random(3), T0, 1
    for index in range(12):
        trial_id = f"a1b2c_{index:05d}"
        lr = 1e-5 if index == 0 else 10 ** rng.uniform(-5, -1)
        config = {
            "lr": round(lr, 12),
            "num_layers": rng.choice([2, 4, 8, 16]),
            "weight_decay": 10 ** rng.uniform(-6, -2),
            "batch_norm": rng.choice([True, False]),
            "dropout": rng.uniform(0.0, 0.5),
            "hidden_size": rng.choice([64, 128, 256, 1024]),
            "optimizer": rng.choice(["adam", "sgd", "adamw"]),
        }
        clock += 0.25
        store.record_trial_started(trial_id, config, now=clock)
        iterations = 22 if trial_id == STOPPED else 1 + index % 5
        for iteration in range(1, iterations + 1):
            clock += 0.25
            accuracy = 0.1 + 0.8 * iteration / 22 - lr
            metrics_now = {"accuracy": accuracy, "val_loss": 2.3 * (1 - accuracy) + 1e-4 * index}
            store.record_result(trial_id, iteration, metrics_now, now=clock)
        events += 1 + iterations
        if trial_id == STOPPED:
            clock += 0.25
            store.record_trial_ended(trial_id, EndReason.SCHEDULER, 2, now=clock)
            events += 1
    return store, events


def title_line(app: TuneTermApp) -> str:
    return next(line for line in screen_text(app).splitlines() if line.startswith("  trial"))


def table_lines(app: TuneTermApp) -> list[str]:
    lines = screen_text(app).splitlines()
    top = next(index for index, line in enumerate(lines) if line.startswith("  trial"))
    return [line for line in lines[top:] if re.match(r"[ ★] a1b2c_", line)]


def assert_numbers_whole(app: TuneTermApp) -> None:
    """No cell shown is cut with …, and every number cell reads back as a number."""
    table = app.sweep_screen.table
    assert all(ELLIPSIS not in line for line in [title_line(app), *table_lines(app)])
    for column in table.shown_columns:
        if column.key.startswith(("param:", "metric:")) or column.key in NUMERIC:
            for trial_id in table.ordered_trial_ids:
                text = table.cell_text(trial_id, column.key)
                if text not in ("-", "True", "False", "adam", "sgd", "adamw", "0:00"):
                    float(re.sub(r"^(\d+)d(\d\d)h$", r"\1\2", text).replace(":", ""))


async def scroll_through(pilot: Pilot[object], app: TuneTermApp) -> tuple[set[str], set[str]]:
    """Every column key and title shown while scrolling right to the last column."""
    table = app.sweep_screen.table
    keys: set[str] = set()
    titles: set[str] = set()
    for _ in table.columns:
        keys |= {column.key for column in table.shown_columns}
        titles |= set(title_line(app).split())
        assert_numbers_whole(app)
        if not table.hidden_columns[1]:
            break
        await pilot.press("right")
    return keys, titles


async def test_at_80x24_numbers_are_whole_titles_short_and_every_column_reachable(
    tmp_path: Path, make_app
) -> None:
    store, events = record_wide_sweep(tmp_path / "wide")
    app = make_app(tmp_path / "wide")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        table = app.sweep_screen.table
        assert table.cell_text("a1b2c_00000", "param:lr") == "1e-5"
        assert re.search(r"more›$", title_line(app).rstrip())
        stopped_line = next(line for line in table_lines(app) if STOPPED in line)
        assert re.search(r" stopped@2 +22 ", stopped_line), stopped_line
        assert "stopped@22" not in screen_text(app)

        keys, titles = await scroll_through(pilot, app)
        assert keys == {column.key for column in table.columns}
        expected = {abbreviate(name) for name in TUNED} | {"acc", "best", "iter", "time"}
        assert expected <= titles
        assert {"n_lyrs", "wd", "bn", "hid_sz", "opt", "lr"} <= titles
        assert table.hidden_columns[0] > 0 and title_line(app).rstrip().endswith("more")
        for _ in table.columns:
            await pilot.press("left")
        assert table.hidden_columns[0] == 0
        await pilot.press("greater_than_sign")
        assert table.hidden_columns[0] == 1 and title_line(app).rstrip().endswith("‹6 more›")
        await pilot.press("less_than_sign")
        assert table.hidden_columns[0] == 0
        assert [column.key for column in table.shown_columns[:4]] == [
            "mark",
            "trial_id",
            "state",
            "iteration",
        ]
    store.close()


async def test_the_time_column_widens_as_trials_run_for_hours_then_days(
    tmp_path: Path, make_app
) -> None:
    store, events = record_wide_sweep(tmp_path / "wide")
    now = [T0 + 100.0]
    app = make_app(tmp_path / "wide", clock=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        table = app.sweep_screen.table
        for hours, shown in ((26, r"25:59:\d\d"), (26_707, r"1112d18h")):  # started at T0 + 7 s
            now[0] = T0 + hours * 3600.0
            store.record_result(RUNNING, 100 + hours, {"accuracy": 0.5}, now=now[0])
            events += 1
            await wait_for_events(pilot, app, events)
            assert re.fullmatch(shown, table.cell_text(RUNNING, "runtime"))
            [runtime] = [column for column in table.columns if column.key == "runtime"]
            assert runtime.width == 8  # "26:00:00"; then as wide, for "1112d19h"
            await scroll_through(pilot, app)  # the time column drawn whole, every number too
            assert "runtime" in {column.key for column in table.shown_columns}
            for _ in table.columns:
                await pilot.press("left")
    store.close()


async def test_sorting_by_a_column_out_of_view_scrolls_to_it(tmp_path: Path, make_app) -> None:
    store, events = record_wide_sweep(tmp_path / "wide")
    app = make_app(tmp_path / "wide")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        table = app.sweep_screen.table
        assert "param:optimizer" not in {column.key for column in table.shown_columns}
        while table.sort_key != "param:optimizer":
            await pilot.press("s")
        assert "param:optimizer" in {column.key for column in table.shown_columns}
        assert "opt▲" in title_line(app)
    store.close()


async def test_a_pending_stop_fits_the_state_column(tmp_path: Path, make_app) -> None:
    store, events = record_wide_sweep(tmp_path / "wide")
    app = make_app(tmp_path / "wide")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        table = app.sweep_screen.table
        widths = [column.width for column in table.columns]
        await pilot.press("j", "j", "x")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await wait_for_workers(pilot, app, "control")
        await pilot.pause()
        assert table.cell_text(RUNNING, "state") == "stopping…"
        assert [column.width for column in table.columns] == widths  # nothing moved
        line = next(line for line in table_lines(app) if RUNNING in line)
        assert re.search(r" stopping… +\d+ ", line), line
    store.close()


async def test_help_lists_each_column_with_its_full_name(tmp_path: Path, make_app) -> None:
    store, events = record_wide_sweep(tmp_path / "wide")
    app = make_app(tmp_path / "wide")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        legend = dict(app.screen.columns)
        assert legend["n_lyrs"] == "num_layers: hyperparameter"
        assert legend["wd"] == "weight_decay: hyperparameter"
        assert legend["acc"] == "accuracy: last value"
        table_keys = [b.key for b in app.screen.sections[0][1] if isinstance(b, Binding)]
        assert "right,greater_than_sign" in table_keys and "left,less_than_sign" in table_keys
    store.close()


async def test_several_metrics_get_a_column_each_sortable_best_first(
    tmp_path: Path, make_app
) -> None:
    store, events = record_wide_sweep(tmp_path / "two", [["accuracy", "max"], ["val_loss", "min"]])
    app = make_app(tmp_path / "two")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, events)
        table = app.sweep_screen.table
        titles = title_line(app).split()
        assert titles[titles.index("iter") + 1 : titles.index("iter") + 4] == [
            "acc*",
            "best",
            "v_loss",
        ]
        losses = {t: float(table.cell_text(t, "metric:val_loss")) for t in table.ordered_trial_ids}
        with app.state.lock:
            expected = {row.trial_id: row.others["val_loss"] for row in app.state.rows()}
        assert losses == {t: round(v, 4) for t, v in losses.items()}  # 4 digits shown
        assert all(abs(losses[t] - expected[t]) <= 5e-4 * expected[t] for t in expected)
        while table.sort_key != "metric:val_loss":
            await pilot.press("s")
        shown = [losses[t] for t in table.ordered_trial_ids]
        assert shown == sorted(shown)  # a metric to minimize sorts lowest, best, first
        assert "v_loss▲" in title_line(app)
        assert_numbers_whole(app)
    store.close()
