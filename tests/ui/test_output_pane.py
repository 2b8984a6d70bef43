"""The detail screen's output pane, on real output files under the experiment directory: both
streams in arrival order, stderr marked; follows new lines; scrolls back into a large file
reading only what it shows; searches; text shown literally."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui.helpers import screen_text, wait_until
from tests.ui.output_support import (
    RUNNING,
    epochs,
    open_output,
    some_output,
    write_output,
)
from tests.ui.recorded import RecordedSweep
from tuneterm.storage.trial_output import STDERR, STDOUT
from tuneterm.ui.output_buffer import LIMIT
from tuneterm.ui.screens.detail import TrialDetailScreen
from tuneterm.ui.widgets.output_view import OutputView


def view_rows(view: OutputView) -> list[str]:
    """The view's lines as drawn, stripped."""
    return [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]


async def test_o_shows_both_streams_in_arrival_order_stderr_marked(sweep, make_app) -> None:
    some_output(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: "checkpoint saved" in screen_text(app))
        rows = view_rows(pane.view)
        assert rows[-4:] == [
            "   │epoch 299 loss 0.0033",
            "err│warning: \\x1b[31mred\\x1b[0m [bold]x[/] \\u202eevil",
            "   │checkpoint saved",
            "   │ 50%|#####",  # unfinished: shown as it stands
        ]
        assert "stdout and stderr (err│ marks stderr) · following" in screen_text(app)
        assert not app.screen.query_one("#detail-body").display

        await pilot.press("escape")  # back to the overview, then to the table
        assert app.screen.query_one("#detail-body").display
        await pilot.press("escape")
        assert not isinstance(app.screen, TrialDetailScreen)


async def test_text_is_shown_literally_never_interpreted(sweep, make_app) -> None:
    some_output(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: "[bold]x[/]" in screen_text(app))
        text = screen_text(app)
        assert "\\x1b[31mred\\x1b[0m [bold]x[/] \\u202eevil" in text
        assert "\x1b" not in text and "\u202e" not in text


async def test_the_pane_follows_lines_as_the_trial_prints_them(sweep, make_app) -> None:
    some_output(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        write_output(sweep.path, [(STDOUT, b" 100%|##########\n"), (STDERR, b"done at last\n")])
        await wait_until(pilot, lambda: view_rows(pane.view)[-1] == "err│done at last")
        assert view_rows(pane.view)[-2] == "   │ 50%|##### 100%|##########"
        assert pane.following


async def test_s_shows_stdout_only_then_stderr_only(sweep, make_app) -> None:
    some_output(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        await pilot.press("s")
        rows = view_rows(pane.view)
        assert rows[-2:] == ["checkpoint saved", " 50%|#####"]
        assert not any("warning" in row for row in rows)
        assert "stdout only" in screen_text(app)
        await pilot.press("s")
        assert view_rows(pane.view)[0] == "warning: \\x1b[31mred\\x1b[0m [bold]x[/] \\u202eevil"
        assert view_rows(pane.view)[1] == ""
        assert "stderr only" in screen_text(app)
        await pilot.press("s")  # both again, still following
        write_output(sweep.path, [(STDOUT, b"\nafter the switch\n")])
        await wait_until(pilot, lambda: view_rows(pane.view)[-1] == "   │after the switch")
        assert pane.following


def bytes_read() -> int:
    """What this process has read through read(2) so far (all of it, sqlite's too)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def big_output(path: Path, megabytes: int) -> None:
    """`megabytes` MB of numbered stdout lines (100 bytes each), a stderr line every 10,000."""
    batches = []
    for block in range(megabytes * 10):
        lines = b"".join(
            b"line %09d " % (block * 1000 + n) + b"." * 84 + b"\n" for n in range(1000)
        )
        batches.append((STDOUT, lines))
        if block % 10 == 0:
            batches.append((STDERR, b"needle %d\n" % block))
    write_output(path, batches)


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="counts reads in /proc")
async def test_scrolling_back_into_100_mb_reads_a_few_mb_and_holds_a_bounded_window(
    sweep: RecordedSweep, make_app
) -> None:
    big_output(sweep.path, 100)
    assert (sweep.path / "logs" / RUNNING / "stdout").stat().st_size >= 100_000_000
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        before = bytes_read()
        pane = await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: "line 000999999" in screen_text(app))
        for _ in range(4):  # to the oldest line held, each time reading further back
            oldest = pane.buffer.lines[0].text
            await pilot.press("g")
            await wait_until(pilot, lambda o=oldest: pane.buffer.lines[0].text != o)  # type: ignore[misc]
        assert len(pane.buffer.lines) <= LIMIT
        assert not pane.following, "lines were dropped at the bottom: not the tail any more"
        top = int(view_rows(pane.view)[0].split()[1])
        assert top < 1_000_000 - 3 * LIMIT // 2
        assert bytes_read() - before < 12_000_000, "a few MB read, not the 100 MB file"

        await pilot.press("G")  # the tail again, read afresh
        await wait_until(pilot, lambda: "line 000999999" in screen_text(app))
        assert pane.following


async def test_slash_finds_the_nearest_match_up_highlights_it_and_n_goes_on(
    sweep, make_app
) -> None:
    write_output(sweep.path, [(STDOUT, epochs(0, 999))])
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        await pilot.press("slash", *"loss 0.0012", "enter")
        matching = [n for n in range(1000) if f"{1 / (n + 1):.4f}" == "0.0012"]
        view = pane.view
        assert view.current is not None
        assert pane.buffer.lines[view.current - pane.buffer.base].text == (
            f"epoch {matching[-1]} loss 0.0012"
        )
        row = pane.buffer.row_of(view.current)
        assert row is not None and view.top_row <= row < view.top_row + view.body_height
        strip = view.render_line(row - view.top_row)
        current_style = view.get_component_rich_style("output-view--current", partial=True)
        marked = [
            seg.text for seg in strip if seg.style and seg.style.bgcolor == current_style.bgcolor
        ]
        assert marked == ["loss 0.0012"]

        await pilot.press("n", "n")  # further up
        assert pane.buffer.lines[view.current - pane.buffer.base].text.startswith(
            f"epoch {matching[-3]} "
        )
        await pilot.press("N")  # back down
        assert pane.buffer.lines[view.current - pane.buffer.base].text.startswith(
            f"epoch {matching[-2]} "
        )
        await pilot.press("escape")  # the search ends; `n` writes a note again
        assert view.pattern is None
        await pilot.press("escape")
        assert app.screen.query_one("#detail-body").display


async def test_a_search_reads_back_through_the_file_for_an_old_match(sweep, make_app) -> None:
    big_output(sweep.path, 10)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        await pilot.press("slash", *"needle 0", "enter")
        await wait_until(pilot, lambda: pane.view.current is not None, timeout=15.0)
        assert pane.buffer.line(pane.buffer.row_of(pane.view.current) or 0).text == "needle 0"
        assert "err│needle 0" in screen_text(app)


async def test_a_trial_without_output_says_so(sweep, make_app) -> None:
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: "no output yet" in screen_text(app))
        write_output(sweep.path, [(STDOUT, b"hello\n")])
        await wait_until(pilot, lambda: "   │hello" in screen_text(app))


async def test_a_busy_link_holds_back_following_but_never_a_key(sweep, make_app) -> None:
    some_output(sweep.path)
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        app.meter.record(10 * app.meter.budget)  # as if the last second's frames filled the link
        write_output(sweep.path, [(STDOUT, b"\nwhile the link is busy\n")])
        await wait_until(pilot, lambda: pane.buffer.lines[-1].text == "while the link is busy")
        assert "while the link is busy" not in screen_text(app), "held back for the budget"
        await pilot.press("s")  # a key's frame goes at once, with what it shows
        assert view_rows(pane.view)[-1] == "while the link is busy"
        await pilot.press("s", "s")
        write_output(sweep.path, [(STDOUT, b"once the link is free\n")])
        await wait_until(pilot, lambda: "once the link is free" in screen_text(app), timeout=3.0)


async def test_a_long_line_ends_in_a_mark_and_scrolls_sideways(sweep, make_app) -> None:
    write_output(sweep.path, [(STDOUT, b"short\n" + b"0123456789" * 30 + b"<end>\n")])
    app = make_app(sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_output(pilot, app, sweep)
        await wait_until(pilot, lambda: pane.buffer.row_count == 2)
        rows = view_rows(pane.view)
        assert rows[1].endswith("›") and rows[0] == "   │short"
        for _ in range(32):
            await pilot.press("right")
        assert view_rows(pane.view)[1].endswith("<end>")
