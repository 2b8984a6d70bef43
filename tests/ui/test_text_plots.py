"""The pure parts: number formats, sparklines, column layout, braille plots, the byte meter."""

from __future__ import annotations

from rich.cells import cell_len

from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.state import TrialRow
from tuneterm.domain.text import duration
from tuneterm.ui.budget import OutputMeter, counting_writer
from tuneterm.ui.format import compact_value, fit, metric_text, sparkline
from tuneterm.ui.screens.plots import rung_iterations, wants_log
from tuneterm.ui.widgets.chart import BRAILLE_BASE, Figure, Series, render_figure
from tuneterm.ui.widgets.columns import NaturalWidths, layout


def row(trial_id: str = "a1b2c_00001", **changes: object) -> TrialRow:
    values: dict[str, object] = dict(
        trial_id=trial_id,
        status=TrialStatus.RUNNING,
        reason=None,
        stop_iteration=None,
        config={"learning_rate": 0.000123, "optimizer": "adamw", "weight_decay": 0.01},
        iteration=12,
        last_metric=0.91234,
        best_metric=0.92,
        started_at=0.0,
        ended_at=None,
        last_seen=1.0,
        error=None,
    )
    values.update(changes)
    return TrialRow(**values)  # type: ignore[arg-type]


def test_numbers_are_compact() -> None:
    assert compact_value(0.000123) == "1.23e-4"
    assert compact_value(0.00123) == "0.00123"
    assert compact_value(3.14159) == "3.14"
    assert compact_value(128) == "128"
    assert compact_value(True) == "True"
    assert compact_value("a\x1b[31m b") == "a\\x1b[31m b"
    assert metric_text(0.912345) == "0.9123"
    assert metric_text(None) == "-"
    assert duration(3725, clock=True) == "1:02:05"
    assert duration(65, clock=True) == "1:05"


def test_fit_pads_and_cuts_to_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, right=True) == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert cell_len(fit("日本語テキスト", 5)) == 5


def test_a_sparkline_scales_to_its_own_range() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([2.0, 2.0]) == "▄▄"
    assert sparkline([]) == ""


def test_columns_fit_80_cells_cutting_titles_before_values() -> None:
    widths = NaturalWidths(["learning_rate", "optimizer", "weight_decay"])
    widths.grow([row()])
    columns = layout(widths, 79)
    assert sum(c.width for c in columns) + len(columns) - 1 <= 79
    by_key = {c.key: c for c in columns}
    assert by_key["param:learning_rate"].width >= len("1.23e-4")
    assert by_key["param:optimizer"].width >= len("adamw")
    assert by_key["curve"].width >= 4
    wide = {c.key: c.width for c in layout(widths, 159)}
    assert wide["param:learning_rate"] == len("learning_rate")


def test_a_braille_plot_has_axes_ticks_and_a_legend() -> None:
    figure = Figure([Series("acc", [1, 2, 3, 4], [0.1, 0.4, 0.6, 0.7])], x_label="iteration")
    lines = render_figure(figure, 40, 10)
    assert len(lines) == 10
    assert all(line.cell_len <= 40 for line in lines)
    text = "\n".join(line.plain for line in lines)
    assert lines[0].plain.startswith("0.7 ┤")
    assert "└" in text and "iteration" in text and "━ acc" in text
    assert any(BRAILLE_BASE < ord(char) <= BRAILLE_BASE + 0xFF for char in text)


def test_scatter_markers_and_rung_guides() -> None:
    figure = Figure(
        [
            Series("bn=True", [1e-4, 1e-2], [0.5, 0.9], marker="●"),
            Series("bn=False", [1e-3], [0.7], marker="▲"),
        ],
        x_label="lr",
        log_x=True,
        x_marks=[1e-3],
        x_marks_label="rung",
    )
    text = "\n".join(line.plain for line in render_figure(figure, 60, 14))
    assert text.count("●") == 3 and text.count("▲") == 2  # points plus legend entries
    assert "┊" in text and "lr (log)" in text


def test_an_empty_figure_says_so() -> None:
    lines = render_figure(Figure([], empty_text="no data yet"), 40, 10)
    assert lines[0].plain.strip() == "no data yet"


def test_log_axis_for_parameters_spanning_more_than_two_decades() -> None:
    assert wants_log([1e-5, 1e-2])
    assert not wants_log([16, 32, 64, 128])


def test_rungs_are_where_the_scheduler_stopped_trials() -> None:
    rows = [
        row("a", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=3),
        row("b", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=1),
        row("c", status=TrialStatus.ENDED, reason=EndReason.COMPLETED, stop_iteration=9),
        row("d", status=TrialStatus.ENDED, reason=EndReason.SCHEDULER, stop_iteration=3),
    ]
    assert rung_iterations(rows) == [1, 3]


def test_the_meter_sums_the_last_second() -> None:
    now = [100.0]
    meter = OutputMeter(1000, clock=lambda: now[0])
    written: list[str] = []
    write = counting_writer(written.append, meter)
    write("x" * 600)
    write("é" * 300)  # two bytes each in UTF-8
    assert meter.recent() == 1200 and meter.over_budget()
    assert written == ["x" * 600, "é" * 300]
    now[0] += 0.5
    assert 0.4 < meter.seconds_until_under() <= 0.5
    now[0] += 0.6
    assert meter.recent() == 0 and not meter.over_budget()
    assert meter.total == 1200


def test_key_frames_do_not_use_up_the_data_budget_and_data_frames_stay_small() -> None:
    now = [100.0]
    meter = OutputMeter(16_000, clock=lambda: now[0])
    meter.record(15_000)  # key frames: more than most of the budget
    assert meter.data_allowance() == 1_600  # one data frame: a tenth of the budget
    meter.spend_data(15_500)
    assert meter.data_allowance() == 500
    meter.spend_data(600)
    assert meter.data_allowance() == -100
    assert 0.9 < meter.seconds_until_data() <= 1.0
    now[0] += 1.1
    meter.record(33_000)  # all output together over twice the budget: data waits too
    assert meter.data_allowance() == -1_000
    assert OutputMeter(0).data_allowance() is None


def test_a_value_that_stays_narrower_than_its_title_changes_no_layout() -> None:
    widths = NaturalWidths([])
    widths.grow([row(iteration=9)])
    assert not widths.grow([row(iteration=10)])  # "iter" is wider than "10"
    assert widths.grow([row(iteration=12345)])
