"""The trial table as a sweep runs: live rows, sort, filter, cursor, and what repaints cost."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import screen_text, wait_for_events, wait_until
from tests.ui.recorded import PLAN, RecordedSweep, record_sweep
from tuneterm.domain.status import EndReason
from tuneterm.storage.store import Store
from tuneterm.ui.widgets.header import WAITING_TEXT

RUNNING = ["a1b2c_00006", "a1b2c_00008"]


async def test_rows_appear_and_update_as_the_driver_writes(sweep: RecordedSweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        assert table.ordered_trial_ids == tuple(sweep.trial_ids)
        assert table.cell_text("a1b2c_00006", "iteration") == "5"
        assert table.cell_text("a1b2c_00002", "state") == "stopped@3"
        assert table.cell_text("a1b2c_00004", "state") == "error"

        sweep.report("a1b2c_00006", 6, 0.6543)
        sweep.end("a1b2c_00006", EndReason.COMPLETED, 6)
        sweep.start_trial("a1b2c_00010", {"lr": 0.01, "batch_size": 64, "batch_norm": True})
        await wait_for_events(pilot, app, sweep.event_count)

        assert table.ordered_trial_ids[-1] == "a1b2c_00010"
        assert table.cell_text("a1b2c_00006", "iteration") == "6"
        assert table.cell_text("a1b2c_00006", "last") == "0.6543"
        assert table.cell_text("a1b2c_00006", "state") == "completed"
        assert table.cell_text("a1b2c_00010", "state") == "running"
        text = screen_text(app)
        assert "11 trials: 0 pending, 2 running, 3 completed" in text
        assert "a1b2c_00010 running" in text


async def test_the_best_trial_is_marked_and_named_in_the_header(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        assert table.row_text("a1b2c_00003").startswith("★ a1b2c_00003")
        assert "best accuracy 0.7264 ★ a1b2c_00003" in app.sweep_screen.header.plain

        sweep.report("a1b2c_00008", 5, 0.91)
        await wait_for_events(pilot, app, sweep.event_count)
        assert table.row_text("a1b2c_00008").startswith("★")
        assert not table.row_text("a1b2c_00003").startswith("★")
        assert "best accuracy 0.91 ★ a1b2c_00008" in app.sweep_screen.header.plain


async def test_a_status_line_shows_until_the_driver_writes_its_first_event(
    tmp_path: Path, make_app
) -> None:
    path = tmp_path / "fresh"
    path.mkdir()
    store = Store.create(
        path / Store.FILENAME,
        {"name": "fresh", "metric": "accuracy", "mode": "max", "status": "created"},
    )
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert WAITING_TEXT in screen_text(app)
        store.record_experiment_started(now=1_700_000_000.0)
        await wait_for_events(pilot, app, 1)
        text = screen_text(app)
        assert WAITING_TEXT not in text
        assert "fresh  running  elapsed 1:40" in text
    store.close()


async def test_s_cycles_the_sort_column_and_S_reverses_it(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        await pilot.press("s")  # state: running first, errors last
        assert table.sort_key == "state"
        assert list(table.ordered_trial_ids[:2]) == RUNNING
        assert table.ordered_trial_ids[-1] == "a1b2c_00004"

        await pilot.press("s", "s")  # iteration, the metric's last value
        assert table.sort_key == "last"
        lasts = [float(table.cell_text(t, "last")) for t in table.ordered_trial_ids]
        assert lasts == sorted(lasts, reverse=True)  # a metric to maximize sorts best first
        assert "acc▼" in screen_text(app)

        await pilot.press("S")
        lasts = [float(table.cell_text(t, "last")) for t in table.ordered_trial_ids]
        assert lasts == sorted(lasts)
        assert "acc▲" in screen_text(app)

        await pilot.press("s", "s", "s", "s", "s")  # best, lr, batch_size, batch_norm, time
        await pilot.press("s")  # back to the trial id
        assert table.sort_key == "trial_id"
        assert table.ordered_trial_ids == tuple(sweep.trial_ids)


async def test_sort_by_a_hyperparameter(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.press("s", "s", "s", "s", "s")  # state, iteration, last, best, lr
        table = app.sweep_screen.table
        assert table.sort_key == "param:lr"
        lrs = [sweep.configs[t]["lr"] for t in table.ordered_trial_ids]
        assert lrs == sorted(lrs)  # type: ignore[type-var]


async def test_f_filters_by_state_and_skips_empty_states(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        await pilot.press("f")
        assert list(table.ordered_trial_ids) == RUNNING
        assert f"{len(RUNNING)} of 10 trials shown" in app.sweep_screen.header.plain
        await pilot.press("f")
        assert set(table.ordered_trial_ids) == {"a1b2c_00000", "a1b2c_00003"}
        await pilot.press("f")
        stopped = [f"a1b2c_{i:05d}" for i, (r, _) in enumerate(PLAN) if r is EndReason.SCHEDULER]
        assert list(table.ordered_trial_ids) == stopped
        await pilot.press("f", "f")  # by user, error
        assert table.ordered_trial_ids == ("a1b2c_00004",)
        await pilot.press("f")  # nothing paused, interrupted or pending: back to all
        assert table.ordered_trial_ids == tuple(sweep.trial_ids)
        assert "shown" not in app.sweep_screen.header.plain


async def test_the_cursor_follows_its_trial_when_rows_reorder(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 12)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        await pilot.press("s", "s", "s")  # last, best first
        await pilot.press("G")
        cursor_trial = table.cursor_trial_id
        scroll = table.scroll_offset.y
        assert scroll > 0
        assert cursor_trial == table.ordered_trial_ids[-1]

        sweep.report(cursor_trial, 9, 0.95)  # jumps to the top of the order
        await wait_for_events(pilot, app, sweep.event_count)
        assert table.ordered_trial_ids[0] == cursor_trial
        assert table.cursor_trial_id == cursor_trial
        assert table.scroll_offset.y == scroll


async def test_keys_move_the_cursor(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        assert table.cursor_index == 0
        await pilot.press("j", "j", "down")
        assert table.cursor_index == 3
        await pilot.press("k", "up")
        assert table.cursor_index == 1
        await pilot.press("G")
        assert table.cursor_index == len(sweep.trial_ids) - 1
        await pilot.press("g")
        assert table.cursor_index == 0


async def test_one_new_result_repaints_one_row(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        await pilot.pause(0.05)
        painted = table.rows_painted
        sweep.report("a1b2c_00008", 5, 0.5)
        await wait_for_events(pilot, app, sweep.event_count)
        await pilot.pause(0.05)
        assert table.rows_painted == painted + 1


async def test_an_idle_sweep_draws_nothing(tmp_path: Path, make_app) -> None:
    finished = record_sweep(tmp_path / "done")
    finished.store.record_experiment_ended("finished", now=finished.tick())
    app = make_app(finished.path)
    frames: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, finished.event_count + 1)
        await pilot.pause(0.1)
        display = app._display
        app._display = lambda screen, renderable: (
            frames.append(renderable),  # type: ignore[method-assign]
            display(screen, renderable),
        )
        await pilot.pause(0.5)
        assert frames == []
        assert app._clock_timer is None  # a finished sweep's elapsed time does not tick
        assert "finished" in app.sweep_screen.header.plain


async def test_data_refreshes_wait_for_the_output_budget_but_keys_do_not(sweep, make_app) -> None:
    app = make_app(sweep.path, output_budget=4096)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        app.meter.record(100_000)  # as if the last frames went out over a slow link
        sweep.report("a1b2c_00008", 5, 0.5)
        await wait_until(pilot, lambda: app.deferred_refreshes > 0)
        assert table.cell_text("a1b2c_00008", "iteration") == "4"

        await pilot.press("j")
        assert table.cursor_index == 1  # the key press was answered at once

        await wait_until(
            pilot, lambda: table.cell_text("a1b2c_00008", "iteration") == "5", timeout=3.0
        )
        assert not app.meter.over_budget()


async def test_a_data_update_paints_only_what_one_frame_may_cost(sweep, make_app) -> None:
    app = make_app(sweep.path, output_budget=3_000)  # 300 bytes a data frame: one row at a time
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for_events(pilot, app, sweep.event_count)
        table = app.sweep_screen.table
        await pilot.pause(1.1)  # what earlier frames cost ages out
        for trial_id in ("a1b2c_00006", "a1b2c_00008"):
            sweep.report(trial_id, 9, 0.93)
        await wait_for_events(pilot, app, sweep.event_count)
        assert table.cell_text("a1b2c_00008", "last") == "0.93"
        assert table.has_stale_lines  # the other row goes out in a later frame
        await wait_until(pilot, lambda: not table.has_stale_lines, timeout=3.0)


async def test_arrow_keys_move_the_cursor_through_a_long_table(tmp_path: Path, make_app) -> None:
    many = record_sweep(tmp_path / "many")
    for index in range(10, 60):
        many.start_trial(f"a1b2c_{index:05d}", {"lr": 0.001, "batch_size": 32, "batch_norm": True})
    app = make_app(many.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, many.event_count)
        table = app.sweep_screen.table
        await pilot.press(*["down"] * 30)
        assert table.cursor_index == 30
        assert table.scroll_offset.y == 30 - (24 - 2 - 1 - 1) + 1  # the cursor's line is the last
        await pilot.press("pagedown", "end")
        assert table.cursor_trial_id == "a1b2c_00059"
        await pilot.press("home", "up")
        assert (table.cursor_index, table.scroll_offset.y) == (0, 0)


async def test_without_a_declared_search_space_the_differing_params_are_shown(
    tmp_path: Path, make_app
) -> None:
    path = tmp_path / "undeclared"
    path.mkdir()
    store = Store.create(path / Store.FILENAME, {"name": "ray", "metric": "acc", "mode": "max"})
    store.record_experiment_started(now=1_700_000_000.0)
    store.record_trial_started("t1", {"lr": 0.1, "epochs": 10}, now=1_700_000_001.0)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_events(pilot, app, 2)
        table = app.sweep_screen.table
        assert [c.key for c in table.columns if c.key.startswith("param:")] == [
            "param:lr",
            "param:epochs",
        ]
        store.record_trial_started("t2", {"lr": 0.01, "epochs": 10}, now=1_700_000_002.0)
        await wait_for_events(pilot, app, 3)
        assert [c.key for c in table.columns if c.key.startswith("param:")] == ["param:lr"]
        assert table.cell_text("t2", "param:lr") == "0.01"
    store.close()
