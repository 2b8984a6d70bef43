"""Cell text: numbers in the width they have, metric and duration text, cutting to cells,
sparklines."""

from __future__ import annotations

import math
import re

import pytest
from rich.cells import cell_len

from tuneterm.domain.text import duration
from tuneterm.ui.format import (
    ELLIPSIS,
    compact_value,
    fit,
    fit_middle,
    metric_text,
    number_text,
    sparkline,
)

WIDTHS = range(4, 11)
VALUES = [
    0.0,
    1.0,
    -1.0,
    0.5,
    0.912345,
    3.14159,
    -2.71828,
    0.00321,
    0.000123456,
    -0.000123456,
    1e-5,
    1.23456e-5,
    9.99996e-4,
    1e-12,
    -7.5e-300,
    123.456,
    99999.5,
    123456.789,
    -123456.789,
    1.5e7,
    6.02e23,
    -1e300,
    5,
    128,
    -42,
    1234567,
    12345678901,
]
_SIGNIFICANT = re.compile(r"^-?(\d+)(?:\.(\d+))?(?:e-?\d+)?$")


def significant_digits(text: str) -> int:
    """Significant digits of a number's text (trailing zeros of an integer count)."""
    match = _SIGNIFICANT.match(text)
    assert match, text
    digits = (match.group(1) + (match.group(2) or "")).lstrip("0")
    return max(1, len(digits))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_number_fits_its_width_with_as_many_digits_as_it_can(value: float, width: int) -> None:
    text = number_text(value, width)
    assert ELLIPSIS not in text
    assert len(text) <= width
    if set(text) == {"#"}:  # not even one digit fits: said so, never a wrong number
        assert len(text) == width and len(number_text(value, None, 1)) > width
        return
    digits = significant_digits(text)
    assert float(text) == pytest.approx(value, rel=0.5 * 10 ** (1 - min(digits, 4)) + 1e-12)
    if width >= 7 + (value < 0) and 1e-99 < abs(value) < 1e99:
        assert float(text) == pytest.approx(value, rel=5e-3), text  # 3 significant digits


def test_numbers_pick_plain_decimals_or_the_exponent_form() -> None:
    assert number_text(0.000123456, 7) == "1.23e-4"
    assert number_text(0.000123456, 8) == "1.235e-4"
    assert number_text(0.000123456, 6) == "1.2e-4"
    assert number_text(0.000123456, 4) == "1e-4"
    assert number_text(0.00321, 7) == "0.00321"
    assert number_text(0.00321, 6) == "0.0032"
    assert number_text(0.00321, 4) == "3e-3"  # "0.00…" never: the exponent keeps a digit
    assert number_text(-0.000123456, 5) == "-1e-4"
    assert number_text(-0.000123456, 4) == "####"
    assert number_text(123456789.0, 6) == "1.23e8"
    assert number_text(1e300, 5) == "1e300"
    assert number_text(0.912345, 6) == "0.9123"
    assert number_text(0.5, 10) == "0.5"
    assert number_text(-0.0, 4) == "0"


def test_integers_show_whole_wherever_they_fit() -> None:
    assert number_text(128, 4) == "128"
    assert number_text(12345, 5) == "12345"
    assert number_text(12345, 4) == "1e4"
    assert number_text(12345, 6) == "12345"
    assert number_text(1234567, 7) == "1234567"
    assert number_text(12345678901) == "1.235e10"


def test_not_a_number_and_infinities() -> None:
    assert number_text(math.nan, 4) == "nan"
    assert number_text(math.inf, 4) == "inf"
    assert number_text(-math.inf, 4) == "-inf"
    assert number_text(-math.inf, 3) == "###"
    assert metric_text(math.nan) == "nan"


def test_hyperparameter_and_metric_values_are_compact() -> None:
    assert compact_value(0.000123) == "1.23e-4"
    assert compact_value(0.00123) == "0.00123"
    assert compact_value(3.14159) == "3.14"
    assert compact_value(1.5e-5) == "1.5e-5"
    assert compact_value(2.5e7) == "2.5e7"
    assert compact_value(128) == "128"
    assert compact_value(True) == "True"
    assert compact_value("a\x1b[31m b") == "a\\x1b[31m b"
    assert metric_text(0.912345) == "0.9123"
    assert metric_text(0.000123456) == "1.235e-4"
    assert metric_text(None) == "-"
    assert duration(3725, clock=True) == "1:02:05"
    assert duration(65, clock=True) == "1:05"


def test_fit_pads_and_cuts_to_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, right=True) == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert cell_len(fit("日本語テキスト", 5)) == 5


def test_an_id_too_wide_keeps_its_start_and_its_end() -> None:
    assert fit_middle("a1b2c_00007", 11) == "a1b2c_00007"
    assert fit_middle("a1b2c_00007", 8) == "a1…00007"
    assert fit_middle("a1b2c_00007", 12) == "a1b2c_00007 "
    for width in range(3, 12):
        assert cell_len(fit_middle("日本語テキストです", width)) == width


def test_a_sparkline_scales_to_its_own_range() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([2.0, 2.0]) == "▄▄"
    assert sparkline([]) == ""
