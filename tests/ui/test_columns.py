"""The trial table's column layout: natural widths, abbreviated titles, fitting them to the
terminal and scrolling what does not fit."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests.ui.trial_rows import row
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.text import duration
from tuneterm.ui.format import number_text
from tuneterm.ui.widgets.column_titles import SHORT_TITLE, abbreviate, abbreviations
from tuneterm.ui.widgets.columns import (
    PINNED,
    RUNTIME_FLOOR,
    STATE_FLOOR,
    Layout,
    NaturalWidths,
    first_showing,
    layout,
    param_text,
)

WIDE_PARAMS = ["learning_rate", "num_layers", "weight_decay", "batch_norm", "dropout", "hidden"]
CONFIG = {
    "learning_rate": 1.2345e-5,
    "num_layers": 12,
    "weight_decay": 0.00321,
    "batch_norm": True,
    "dropout": 0.25,
    "hidden": 256,
}


def line_width(laid_out: Layout) -> int:
    return sum(c.width for c in laid_out.shown) + len(laid_out.shown) - 1


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("learning_rate", "lr"),
        ("batch_size", "bs"),
        ("weight_decay", "wd"),
        ("batch_norm", "bn"),
        ("momentum", "mom"),
        ("accuracy", "acc"),
        ("num_layers", "n_lyrs"),
        ("hidden_size", "hid_sz"),
        ("embedding_dim", "emb_dim"),
        ("gradient_clip", "grd_clp"),
        ("max_grad_norm", "m_g_nrm"),
        ("val_loss", "v_loss"),
        ("train_loss", "tr_loss"),
        ("dropout", "dropout"),
        ("lr", "lr"),
    ],
)
def test_titles_abbreviate_by_the_documented_scheme(name: str, title: str) -> None:
    assert abbreviate(name) == title


def test_abbreviations_stay_unique_and_short() -> None:
    names = ["lr", "learning_rate", "learning_rte", "iteration_count", "x" * 40, "日本語テキスト"]
    titles = abbreviations(names, taken=["iter", "trial"])
    assert titles["lr"] == "lr"  # a short name keeps itself
    assert titles["learning_rate"] == "lr2"  # "lr" is taken by the column named so
    assert len(set(titles.values())) == len(names)
    assert not {"iter", "trial"} & set(titles.values())
    assert all(cell_len(title) <= SHORT_TITLE for title in titles.values())


def test_everything_fits_a_wide_terminal_with_full_titles() -> None:
    widths = NaturalWidths(WIDE_PARAMS, [("accuracy", "max")])
    widths.grow([row(config=CONFIG)])
    laid_out = layout(widths, 200)
    assert laid_out.shown == laid_out.columns and not laid_out.marker
    titles = [c.title for c in laid_out.shown]
    assert titles[:6] == ["", "trial", "state", "iter", "accuracy", "best"]
    assert "learning_rate" in titles and "num_layers" in titles
    assert line_width(laid_out) <= 200


def test_at_80_columns_titles_shorten_and_the_rest_scrolls() -> None:
    widths = NaturalWidths(WIDE_PARAMS, [("accuracy", "max")])
    widths.grow([row(config=CONFIG)])
    laid_out = layout(widths, 80)
    assert line_width(laid_out) + 1 + len(laid_out.marker) <= 80
    by_key = {c.key: c for c in laid_out.columns}
    assert by_key["param:learning_rate"].title == "lr"
    assert by_key["param:num_layers"].title == "n_lyrs"
    assert by_key["last"].title == "acc"
    assert [c.key for c in laid_out.shown[:3]] == list(PINNED)
    assert laid_out.hidden_left == 0 and laid_out.hidden_right > 0
    assert laid_out.marker == f" {laid_out.hidden_right} more›"
    for column in laid_out.columns:  # a number's column holds its 3-digit form
        if column.key.startswith("param:"):
            name = column.key.removeprefix("param:")
            assert column.width >= len(number_text(CONFIG[name], None, 3))


def test_scrolling_keeps_the_pinned_columns_and_stops_at_the_last() -> None:
    widths = NaturalWidths(WIDE_PARAMS, [("accuracy", "max")])
    widths.grow([row(config=CONFIG)])
    scrolling = [c.key for c in layout(widths, 80).columns if c.key not in PINNED]
    seen: set[str] = set()
    first = 0
    while True:
        laid_out = layout(widths, 80, first)
        assert [c.key for c in laid_out.shown[:3]] == list(PINNED)
        assert line_width(laid_out) + 1 + len(laid_out.marker) <= 80
        seen |= {c.key for c in laid_out.shown}
        if not laid_out.hidden_right:
            break
        first += 1
    assert seen >= set(scrolling)
    assert laid_out.marker.startswith("‹") and laid_out.hidden_left == laid_out.first
    assert layout(widths, 80, first + 5).first == first  # no scrolling past the last column


def test_the_sort_column_is_scrolled_into_view() -> None:
    widths = NaturalWidths(WIDE_PARAMS, [("accuracy", "max")])
    widths.grow([row(config=CONFIG)])
    laid_out = layout(widths, 80)
    hidden = [c.key for c in laid_out.columns if c not in laid_out.shown]
    target = hidden[-1]
    first = laid_out.first
    for _ in laid_out.columns:
        first = first_showing(layout(widths, 80, first), target)
    assert target in [c.key for c in layout(widths, 80, first).shown]
    assert first_showing(layout(widths, 80, first), "iteration") == 0


def test_the_state_column_holds_pending_labels_and_rung_stops() -> None:
    widths = NaturalWidths([], [("accuracy", "max")])
    widths.grow([row()])
    assert widths.natural("state") == STATE_FLOOR == len("stopping…")
    stopped = row(status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=2)
    assert not widths.grow([stopped])  # "stopped@2" is as wide as "stopping…"
    stopped = row(status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=22)
    assert widths.grow([stopped])
    assert widths.natural("state") == len("stopped@22")
    assert layout(widths, 40).columns[2].width == len("stopped@22")


def test_several_metrics_get_a_column_each_and_the_first_is_marked() -> None:
    metrics = [("accuracy", "max"), ("val_loss", "min"), ("train_loss", "min")]
    widths = NaturalWidths(["lr"], metrics)
    widths.grow([row(others={"val_loss": 0.000123456, "train_loss": 1.5})])
    laid_out = layout(widths, 200)
    keys = [c.key for c in laid_out.columns]
    assert keys[4:8] == ["last", "best", "metric:val_loss", "metric:train_loss"]
    titles = {c.key: c.title for c in laid_out.columns}
    assert titles["last"] == "accuracy*"
    assert titles["metric:val_loss"] == "val_loss"
    short = {c.key: c.title for c in layout(widths, 60).columns}
    assert (short["last"], short["metric:train_loss"]) == ("acc*", "tr_loss")
    legend = dict(widths.legend())
    assert "drives the scheduler and the search" in legend["acc*"]
    assert legend["tr_loss"] == "train_loss: last value"
    assert legend["lr"] == "lr: hyperparameter"


def test_a_value_that_stays_narrower_than_its_title_changes_no_layout() -> None:
    widths = NaturalWidths([])
    widths.grow([row(iteration=9)])
    assert not widths.grow([row(iteration=10)])  # "iter" is wider than "10"
    assert widths.grow([row(iteration=12345)])


def test_long_text_values_are_cut_but_numbers_never() -> None:
    widths = NaturalWidths(["optimizer", "lr"])
    widths.grow([row(config={"optimizer": "sgd-with-nesterov-momentum", "lr": -0.000123456})])
    by_key = {c.key: c for c in layout(widths, 60).columns}
    assert by_key["param:optimizer"].width == 16
    text = param_text(row(config={"lr": -0.000123456}), "lr", by_key["param:lr"].width)
    assert text == "-1.23e-4"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (65, "1:05"),
        (3725, "1:02:05"),
        (36_000, "10:00:00"),
        (359_999, "99:59:59"),
        (360_000, "4d04h"),
        (26_707 * 3600 + 5, "1112d19h"),
    ],
)
def test_running_times_read_as_a_clock_then_as_days_and_hours(seconds: int, text: str) -> None:
    assert duration(seconds, clock=True) == text


def test_the_time_column_widens_for_the_longest_running_time_and_stays() -> None:
    widths = NaturalWidths([], [("accuracy", "max")])
    running, ended = row(started_at=0.0), row("done", started_at=0.0, ended_at=40_000.0)
    widths.grow([running, ended])  # no clock given: running times are not measured
    assert widths.natural("runtime") == RUNTIME_FLOOR
    assert not widths.grow([running], now=9 * 3600.0)  # 9:00:00 fits
    assert widths.grow([running, ended], now=10.0)  # 11:06:40, a trial that ended
    assert widths.natural("runtime") == len("11:06:40")
    for hours in (99.9, 100.0, 26_707.0):  # 99:54:00, 4d04h, 1112d19h
        widths.grow([running], now=hours * 3600.0)
        assert widths.natural("runtime") >= cell_len(duration(hours * 3600.0, clock=True))
    assert widths.natural("runtime") == 8
    assert layout(widths, 200).columns[-1].width == 8
