"""How long a driver tries to join a cluster: 30 s, or $TUNETERM_CONNECT_TIMEOUT_S."""

from __future__ import annotations

import pytest

from tuneterm.runner.connection import RAY_CONNECT_TIMEOUT_S, connect_timeout


@pytest.mark.parametrize("value", [None, "", "soon", "0", "-3", "inf", "nan"])
def test_the_deadline_is_30_s_unless_a_positive_number_of_seconds_is_set(
    value: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("TUNETERM_CONNECT_TIMEOUT_S", raising=False)
    else:
        monkeypatch.setenv("TUNETERM_CONNECT_TIMEOUT_S", value)
    assert RAY_CONNECT_TIMEOUT_S == 30.0 and connect_timeout() == 30.0


def test_a_positive_number_of_seconds_sets_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNETERM_CONNECT_TIMEOUT_S", "7.5")
    assert connect_timeout() == 7.5
