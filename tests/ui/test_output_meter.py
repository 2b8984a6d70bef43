"""The output byte meter: bytes written in the last second, and the share left for data frames."""

from __future__ import annotations

from tuneterm.ui.budget import OutputMeter, counting_writer


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
