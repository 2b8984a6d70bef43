"""What parallel coordinates and the heat grid look like, at 80x24 and 160x48: the recorded sweep
with its config (lr log-uniform, batch size and batch norm choices), and a sweep of ten tuned
hyperparameters, more than fit at 80 columns. Seeded data, event times fixed, clock frozen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.journal_recorded import write_config
from tests.ui.plot_support import open_with_space, record_wide_sweep
from tests.ui.recorded import RecordedSweep
from tuneterm.ui.app import TuneTermApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def opened(
    app: TuneTermApp, sweep: RecordedSweep, *keys: str
) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await open_with_space(pilot, app, sweep, *keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_parallel_coordinates(snap_compare, sweep, make_app, size) -> None:
    """An axis per hyperparameter (lr on a log axis; batch sizes and batch norm labelled at
    their slots) and accuracy's (each trial's best) last; the top five bright, #1.. beside
    accuracy's axis on the rows their lines end in."""
    write_config(sweep.path)
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep, "v"))


@pytest.mark.parametrize("size", SIZES)
def test_parallel_coordinates_of_ten_hyperparameters(
    snap_compare, tmp_path: Path, make_app, size
) -> None:
    """At 80 columns the first five axes and accuracy's, on two even pages ("axes 1–5 of 10:
    [ ]"); at 160, all."""
    sweep = record_wide_sweep(tmp_path / "wide")
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep, "v"))


def test_parallel_coordinates_next_page(snap_compare, tmp_path: Path, make_app) -> None:
    """`]` at 80 columns: the last five hyperparameters and accuracy's axis."""
    sweep = record_wide_sweep(tmp_path / "wide")
    app = make_app(sweep.path)
    run_before = opened(app, sweep, "v", "right_square_bracket")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_heat_grid(snap_compare, sweep, make_app, size) -> None:
    """Mean accuracy by lr (log bins) x batch_norm: a shade, the value and the count per cell,
    the shades' ranges below."""
    write_config(sweep.path)
    app = make_app(sweep.path)
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep, "p", "v", "v"))


@pytest.mark.parametrize("size", SIZES)
def test_heat_grid_of_ten_hyperparameters(snap_compare, tmp_path: Path, make_app, size) -> None:
    """Best accuracy by lr x optimizer (`m`, then `y`): eight log bins by three names."""
    sweep = record_wide_sweep(tmp_path / "wide")
    app = make_app(sweep.path)
    keys = ("p", "v", "v", "m", "y")
    assert snap_compare(app, terminal_size=size, run_before=opened(app, sweep, *keys))
