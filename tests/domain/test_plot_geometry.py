"""The plots' geometry without drawing: log and categorical axes, jitter, heat-grid bins, trials
ranked, axes paged to a width, and the braille raster."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import pytest

from tuneterm.domain.config.space import Param
from tuneterm.domain.plots.axis import JITTER, AxisKind, axis_for, jitter
from tuneterm.domain.plots.grid import PairPoints, Statistic, bins_for, heat_grid
from tuneterm.domain.plots.parallel import (
    PlotPoint,
    axis_columns,
    axis_pages,
    parallel_plot,
    params_per_page,
    ranked,
)
from tuneterm.domain.plots.raster import DOT_BITS, rasterize

LR = Param("lr", "loguniform", (1e-5, 1e-1))
BATCH = Param("batch_size", "choice", (128, 32, 64))


# -- axes ------------------------------------------------------------------------------------


def test_a_log_uniform_parameter_gets_a_log_axis_from_the_search_space() -> None:
    axis = axis_for("lr", [1e-4, 1e-3, 1e-2], LR)
    assert axis.kind is AxisKind.LOG
    assert axis.share(1e-3) == pytest.approx(0.5)  # the middle decade, not 1e-3 near the bottom
    assert axis.value_at(0.0) == pytest.approx(1e-4) and axis.value_at(1.0) == pytest.approx(1e-2)
    assert axis.share(0.0) is None  # no place for zero on a log axis


def test_the_search_space_overrides_what_the_values_suggest() -> None:
    # Spread over one decade only: without the space it would be linear.
    assert axis_for("lr", [1e-3, 5e-3], None).kind is AxisKind.LINEAR
    assert axis_for("lr", [1e-3, 5e-3], LR).kind is AxisKind.LOG
    uniform = Param("lr", "uniform", (1e-5, 1.0))
    assert axis_for("lr", [1e-5, 1e-1], uniform).kind is AxisKind.LINEAR


def test_without_a_space_the_values_decide() -> None:
    assert axis_for("lr", [1e-5, 3e-4, 1e-2], None).kind is AxisKind.LOG
    assert axis_for("momentum", [0.8, 0.9, 0.95], None).kind is AxisKind.LINEAR
    assert axis_for("layers", [1, 2, 3, 2], None).kind is AxisKind.CATEGORICAL
    assert axis_for("optimizer", ["adam", "sgd"], None).kind is AxisKind.CATEGORICAL
    # Few distinct floats, each seen twice: a grid of values.
    assert axis_for("dropout", [0.1, 0.3, 0.1, 0.3], None).kind is AxisKind.CATEGORICAL


def test_categories_are_ordered_and_every_possible_value_has_a_slot() -> None:
    axis = axis_for("batch_size", [64, 64, 32], BATCH)
    assert axis.categories == (32, 64, 128)  # 128 was never seen, but the space allows it
    assert [axis.share(v) for v in (32, 64, 128)] == pytest.approx([1 / 6, 3 / 6, 5 / 6])
    assert axis.share(256) is None


def test_booleans_numbers_and_names_are_told_apart() -> None:
    axis = axis_for("mixed", [True, 1, 1.0, "1", False], None)
    assert axis.categories == (False, True, 1, 1.0, "1")
    assert len({axis.slot(value) for value in axis.categories}) == 5


def test_a_narrow_randint_gets_a_slot_per_integer() -> None:
    axis = axis_for("layers", [2], Param("layers", "randint", (1, 4)))
    assert axis.categories == (1, 2, 3, 4)
    wide = axis_for("units", [16, 900], Param("units", "randint", (1, 1000)))
    assert wide.kind is AxisKind.LINEAR


# -- jitter ----------------------------------------------------------------------------------


def test_jitter_stays_inside_its_slot() -> None:
    axis = axis_for("batch_norm", [True, False], None)
    assert JITTER < 0.5
    for index in range(500):
        trial_id = f"a1b2c_{index:05d}"
        assert -JITTER <= jitter(trial_id) <= JITTER
        share = axis.share(True, trial_id)
        assert share is not None and 0.5 < share < 1.0  # True's slot is the upper half


def test_jitter_spreads_trials_of_one_value_apart() -> None:
    offsets = {round(jitter(f"t{index}"), 6) for index in range(50)}
    assert len(offsets) == 50
    assert max(offsets) - min(offsets) > JITTER  # spread over more than half the room


def test_jitter_is_the_same_on_every_run() -> None:
    code = "from tuneterm.domain.plots.axis import jitter; print(repr(jitter('a1b2c_00003')))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert runs == {repr(jitter("a1b2c_00003"))}


# -- bins and the heat grid ------------------------------------------------------------------


def test_log_bins_have_equal_widths_in_decades() -> None:
    axis = axis_for("lr", [1e-5, 1e-1], LR)
    bins = bins_for(axis, [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], most=4)
    assert bins.count == 4
    assert [bins.edges(i)[0] for i in range(4)] == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2])
    assert [bins.index(v) for v in (1e-5, 3e-5, 2e-4, 5e-2, 1e-1)] == [0, 0, 1, 3, 3]


def test_categorical_bins_are_one_per_value() -> None:
    bins = bins_for(axis_for("batch_size", [32], BATCH), [32])
    assert bins.count == 3
    assert [bins.index(v) for v in (32, 64, 128, 16)] == [0, 1, 2, None]


def test_a_numeric_axis_gets_no_more_bins_than_distinct_values() -> None:
    axis = axis_for("lr", [1e-4, 1e-2], LR)
    assert bins_for(axis, [1e-4, 1e-2, 1e-2]).count == 2


def test_a_choice_of_more_values_than_bins_groups_the_rarest_in_other() -> None:
    names = [f"n{index:02d}" for index in range(30)]
    axis = axis_for("opt", [], Param("opt", "choice", tuple(names)))
    seen = ["n05"] * 3 + ["n20"] * 2 + ["n07", "n01"]
    bins = bins_for(axis, seen, most=4)
    assert bins.count == 4 and bins.grouped == 27
    assert [bins.category(i) for i in range(3)] == ["n01", "n05", "n20"]  # in the axis's order
    assert [bins.index(v) for v in ("n05", "n20", "n01", "n07", "n29", "x")] == [
        1,
        2,
        0,
        3,
        3,
        None,
    ]
    assert bins_for(axis, seen, most=30).grouped == 0  # room for every value: a bin each


def test_pair_points_are_binned_to_the_room_given() -> None:
    names = tuple(f"n{index:02d}" for index in range(30))
    x = axis_for("lr", [1e-4, 1e-1], LR)
    y = axis_for("opt", [], Param("opt", "choice", names))
    points = tuple((10 ** -(1 + i % 4), name, 0.5) for i, name in enumerate(names))
    pairs = PairPoints(x, y, points, maximize=True)
    assert (pairs.grid().x.count, pairs.grid().y.count) == (4, 8)
    roomy = pairs.grid(20, 40)
    assert (roomy.x.count, roomy.y.count) == (4, 30)  # a numeric axis: no more than seen
    assert sum(cell.count for cell in pairs.grid(2, 5).cells.values()) == 30


def test_heat_grid_cells_count_average_and_keep_the_best() -> None:
    x = bins_for(axis_for("bn", [True, False], None), [])
    y = bins_for(axis_for("bs", [32, 64], None), [])
    points = [(True, 32, 0.9), (True, 32, 0.7), (False, 64, 0.5), (False, 32, math.nan)]
    grid = heat_grid(points, x, y, maximize=True)
    assert set(grid.cells) == {(1, 0), (0, 1)}  # (x bin, y bin); the NaN is left out
    cell = grid.cells[(1, 0)]
    assert (cell.count, cell.mean, cell.best) == (2, pytest.approx(0.8), 0.9)
    assert grid.span(Statistic.MEAN) == (0.5, pytest.approx(0.8))
    assert grid.level(0.8, Statistic.MEAN, 4) == 3
    minimizing = heat_grid(points, x, y, maximize=False)
    assert minimizing.cells[(1, 0)].best == 0.7
    assert minimizing.level(0.5, Statistic.MEAN, 4) == 3  # the lowest loss is the best


# -- ranking and parallel coordinates ----------------------------------------------------------


def points() -> list[PlotPoint]:
    values = [0.5, 0.9, 0.7, 0.9, 0.1, 0.8, 0.6]
    return [
        PlotPoint(f"t{i}", {"lr": 10 ** -(i + 1), "bn": i % 2 == 0}, value)
        for i, value in enumerate(values)
    ]


def test_ranking_puts_the_best_first_and_breaks_ties_by_trial_id() -> None:
    assert [p.trial_id for p in ranked(points(), maximize=True)][:4] == ["t1", "t3", "t5", "t2"]
    assert ranked(points(), maximize=False)[0].trial_id == "t4"


def test_the_top_five_are_drawn_last_the_best_the_very_last() -> None:
    plot = parallel_plot(points(), ["lr", "bn"], "accuracy", maximize=True, space={"lr": LR})
    assert [axis.name for axis in plot.axes] == ["lr", "bn", "accuracy"]
    assert plot.axes[0].kind is AxisKind.LOG
    assert [line.trial_id for line in plot.lines][-5:] == ["t6", "t2", "t5", "t3", "t1"]
    assert [line.trial_id for line in plot.top()] == ["t1", "t3", "t5", "t2", "t6"]
    assert [line.rank for line in plot.lines[:2]] == [None, None]
    worst, best = plot.lines[0], plot.lines[-1]
    assert (worst.quality, best.quality) == (0.0, 1.0)
    assert best.shares[-1] == pytest.approx(1.0)  # the metric's axis, last


def test_a_trial_without_a_value_has_no_place_on_that_axis() -> None:
    pts = [PlotPoint("a", {"lr": 0.1}, 0.5), PlotPoint("b", {}, 0.7)]
    plot = parallel_plot(pts, ["lr"], "accuracy", maximize=True)
    by_id = {line.trial_id: line for line in plot.lines}
    assert by_id["b"].shares[0] is None and by_id["a"].shares[0] is not None


# -- paging and columns ------------------------------------------------------------------------


def test_at_80_columns_seven_hyperparameters_fit_beside_the_metric() -> None:
    assert params_per_page(80) == 7
    assert axis_pages(7, 80) == [range(0, 7)]
    # More than fit go on as few pages as they need, as even as can be: never 7 and 1.
    assert axis_pages(8, 80) == [range(0, 4), range(4, 8)]
    assert axis_pages(10, 80) == [range(0, 5), range(5, 10)]
    assert axis_pages(15, 80) == [range(0, 5), range(5, 10), range(10, 15)]
    assert axis_pages(9, 80) == [range(0, 4), range(4, 9)]
    columns = axis_columns(8, 80)
    assert columns[0] == 0 and min(b - a for a, b in itertools.pairwise(columns)) >= 10
    assert 80 - columns[-1] >= 10  # room for the metric's labels


def test_at_200_columns_every_axis_fits() -> None:
    assert axis_pages(8, 200) == [range(0, 8)]
    assert axis_pages(0, 80) == [range(0)]


# -- the raster --------------------------------------------------------------------------------


def test_a_flat_line_sets_the_top_dots_of_each_cell_it_crosses() -> None:
    raster = rasterize([0, 7], [[0.0, 0.0]], columns=4, rows=2)
    assert raster.bits[0].tolist() == [0x09] * 4  # both top dots of every cell
    assert not raster.bits[1].any()
    assert raster.owner[0].tolist() == [0] * 4 and raster.owner[1].tolist() == [-1] * 4


def test_a_cell_belongs_to_the_line_with_most_of_its_dots_the_later_on_a_tie() -> None:
    # Line 0 runs flat through every cell; line 1 starts at x=1, so grazes cell 0 with one dot.
    raster = rasterize([0, 1, 7], [[1.0, 1.0, 1.0], [math.nan, 3.0, 3.0]], columns=4, rows=1)
    assert raster.owner[0].tolist() == [0, 1, 1, 1]
    assert raster.bits[0, 0] == 0x02 | 0x10 | 0x80  # line 0's two dots and line 1's one


def test_a_steep_segment_leaves_no_gap_and_a_missing_value_no_segment() -> None:
    raster = rasterize([0, 1], [[0.0, 15.0]], columns=1, rows=4)
    for dot_row in range(16):
        left, right = DOT_BITS[dot_row % 4]
        assert raster.bits[dot_row // 4, 0] & (left | right), dot_row
    empty = rasterize([0, 4, 7], [[0.0, math.nan, 7.0]], columns=4, rows=2)
    assert not empty.bits.any() and (empty.owner == -1).all()
