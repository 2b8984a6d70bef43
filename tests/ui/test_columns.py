"""The trial table's column layout: natural widths, and fitting them to the terminal."""

from __future__ import annotations

from tests.ui.trial_rows import row
from tuneterm.ui.widgets.columns import NaturalWidths, layout


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


def test_a_value_that_stays_narrower_than_its_title_changes_no_layout() -> None:
    widths = NaturalWidths([])
    widths.grow([row(iteration=9)])
    assert not widths.grow([row(iteration=10)])  # "iter" is wider than "10"
    assert widths.grow([row(iteration=12345)])
