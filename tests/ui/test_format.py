"""Cell text: compact numbers, metric and duration text, cutting to cells, sparklines."""

from __future__ import annotations

from rich.cells import cell_len

from tuneterm.domain.text import duration
from tuneterm.ui.format import compact_value, fit, metric_text, sparkline


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
