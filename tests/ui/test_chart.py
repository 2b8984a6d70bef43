"""Braille plots: axes, ticks, legend, scatter markers, guide lines, the empty figure."""

from __future__ import annotations

from tuneterm.ui.widgets.chart import BRAILLE_BASE, Figure, Series, render_figure


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
