"""What importance rests on and how it reads: the trials counted, the encoding of each
hyperparameter, the shares and the bars."""

from __future__ import annotations

import math

import pytest

from tuneterm.domain.config.space import Param
from tuneterm.domain.importance import (
    CATEGORY,
    LOG,
    NUMBER,
    RELIABLE_FIT,
    Column,
    Importance,
    bar,
    columns,
    design,
    finished_samples,
    percent,
    shares_of,
    summary,
    too_few,
)
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rows import TrialRow


def row(trial_id: str, config: dict[str, object], best: float | None, **extra: object) -> TrialRow:
    fields: dict[str, object] = {
        "status": TrialStatus.ENDED,
        "reason": EndReason.COMPLETED,
        "stop_iteration": 3,
        "config": config,
        "iteration": 3,
        "last_metric": best,
        "best_metric": best,
        "started_at": 0.0,
        "ended_at": 1.0,
        "last_seen": 1.0,
        "error": None,
    }
    fields.update(extra)
    return TrialRow(trial_id, **fields)


def test_only_ended_trials_that_did_not_error_and_have_a_finite_best_count() -> None:
    rows = [
        row("a", {"lr": 0.1}, 0.5),
        row("b", {"lr": 0.2}, 0.6, reason=EndReason.SCHEDULER),
        row("c", {"lr": 0.3}, 0.7, reason=EndReason.ERROR),
        row("d", {"lr": 0.4}, 0.8, status=TrialStatus.RUNNING, reason=None),
        row("e", {"lr": 0.5}, None),
        row("f", {"lr": 0.6}, math.inf),
        row("g", {"lr": 0.7}, 0.9, reason=EndReason.USER),
    ]
    assert finished_samples(rows) == [({"lr": 0.1}, 0.5), ({"lr": 0.2}, 0.6), ({"lr": 0.7}, 0.9)]


SPACE = (
    Param("lr", "loguniform", (1e-4, 1.0)),
    Param("momentum", "uniform", (0.0, 1.0)),
    Param("batch_size", "choice", (128, 32, 64)),
    Param("optimizer", "grid", ("sgd", "adam")),
    Param("batch_norm", "choice", (True, False)),
    Param("seed", "constant", (0,)),
)
SAMPLES = [
    ({"lr": 1e-3, "momentum": 0.5, "batch_size": 64, "optimizer": "adam", "batch_norm": True}, 1.0),
    ({"lr": 1e-1, "momentum": 0.9, "batch_size": 32, "optimizer": "sgd", "batch_norm": False}, 2.0),
]


def test_each_kind_of_search_space_entry_gets_its_encoding() -> None:
    found = {column.name: column for column in columns(SPACE, (), SAMPLES)}
    assert list(found) == ["lr", "momentum", "batch_size", "optimizer", "batch_norm"]
    assert found["lr"] == Column("lr", LOG)
    assert found["momentum"] == Column("momentum", NUMBER)
    # Numbers in order, whatever order the config lists them in; names as listed.
    assert found["batch_size"] == Column("batch_size", CATEGORY, (32, 64, 128))
    assert found["optimizer"] == Column("optimizer", CATEGORY, ("sgd", "adam"))
    assert found["batch_norm"].categories == (True, False)
    rows, values = design(SAMPLES, list(found.values()))
    assert rows == [[-3.0, 0.5, 1.0, 1.0, 0.0], [-1.0, 0.9, 0.0, 0.0, 1.0]]
    assert values == [1.0, 2.0]


def test_a_value_the_space_does_not_admit_makes_the_column_categorical() -> None:
    samples = [({"lr": 0.1}, 1.0), ({"lr": "auto"}, 2.0), ({}, 3.0)]
    (column,) = columns(SPACE[:1], (), samples)
    assert column.scale == CATEGORY
    assert [column.encode(config) for config, _ in samples] == [0.0, 1.0, 2.0]


def test_without_a_space_numbers_stay_numbers_and_the_rest_are_categories() -> None:
    samples = [
        ({"lr": 0.1, "act": "relu", "bn": True, "fixed": 1}, 1.0),
        ({"lr": 0.01, "act": "gelu", "bn": False, "fixed": 1}, 2.0),
        ({"lr": 1, "act": "relu", "bn": 1, "fixed": 1}, 3.0),
    ]
    found = {column.name: column for column in columns(None, (), samples)}
    assert list(found) == ["lr", "act", "bn"]  # `fixed` never differs
    assert found["lr"].scale == NUMBER
    assert found["act"].categories == ("gelu", "relu")
    # True is not 1: booleans first, then numbers.
    assert found["bn"].categories == (False, True, 1)
    named = columns(None, ("act",), samples)
    assert [column.name for column in named] == ["act"]


def test_shares_are_the_positive_drops_normalised_largest_first() -> None:
    shares = shares_of(["a", "b", "c", "d"], [0.1, -0.05, 0.3, math.nan])
    assert [name for name, _ in shares] == ["c", "a", "b", "d"]
    assert [round(share, 6) for _, share in shares] == [0.75, 0.25, 0.0, 0.0]
    assert shares_of(["a", "b"], [-0.1, 0.0]) == (("a", 0.0), ("b", 0.0))


def test_bars_have_eighths_and_never_overflow() -> None:
    assert bar(1.0, 10) == "█" * 10
    assert bar(0.5, 10) == "█" * 5
    assert bar(0.05, 10) == "▌"  # half a cell
    assert bar(0.0625, 10) == "▋"
    assert bar(0.0, 10) == ""
    assert bar(1.7, 4) == "████"
    assert percent(0.7243) == "72.4 %"


def test_the_summary_says_what_the_shares_rest_on_or_why_there_are_none() -> None:
    result = Importance("acc", (("lr", 1.0),), 12, 0.83)
    assert summary(result) == "from 12 finished trials; out-of-bag R² 0.83"
    assert result.top == "lr"
    poor = Importance("acc", (("lr", 1.0),), 12, 0.05)
    assert summary(poor) == (
        "the hyperparameters explain little of acc so far (fit 0.05): shares are unreliable;"
        " from 12 finished trials"
    )
    assert summary(too_few("acc", 3)) == "too few trials: 3 finished, 8 needed"
    assert too_few("acc", 3).top is None


@pytest.mark.parametrize(
    ("fit", "warning"),
    [
        (0.83, ""),
        (RELIABLE_FIT, ""),
        (0.19, "the hyperparameters explain little of accuracy so far (fit 0.19)"),
        (-0.17, "the hyperparameters explain little of accuracy so far (fit -0.17)"),
        (None, "the fit is unknown (too few trials out of bag)"),
    ],
)
def test_shares_on_a_poor_fit_carry_a_warning(fit: float | None, warning: str) -> None:
    result = Importance("accuracy", (("lr", 0.969), ("batch_norm", 0.031)), 8, fit)
    assert result.warning == (warning and f"{warning}: shares are unreliable")
    assert result.reliable is not bool(warning)
    assert result.top == "lr"  # the shares are still there, to show as unreliable


def test_no_shares_no_warning_and_the_method_says_how_early_stops_count() -> None:
    assert too_few("accuracy", 5).warning == "" and not too_few("accuracy", 5).reliable
    method = Importance("accuracy", (("lr", 1.0),), 12, 0.8).method
    assert "permutation importance" in method
    assert "the scheduler stopped early counts with its best value before the stop" in method
