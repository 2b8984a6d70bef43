"""Pareto fronts on sets small enough to check by hand."""

from __future__ import annotations

import math
import random

import pytest

from tuneterm.domain.pareto import dominates, pareto_front, pareto_ranks

# accuracy (max), val_loss (min)
#
#   id   accuracy  val_loss   beaten by
#   a    0.90      0.30       -            best accuracy
#   b    0.85      0.20       -            trade-off
#   c    0.80      0.10       -            best loss
#   d    0.80      0.25       b (0.85 ≥ 0.80, 0.20 ≤ 0.25), c (same accuracy, lower loss)
#   e    0.70      0.10       c (same loss, higher accuracy): a tie on one metric is not enough
#   f    0.85      0.20       -            identical to b: neither dominates the other
#   g    0.95      None       -            missing a value: on no front
#   h    0.60      0.50       every one of a-f
POINTS = [
    ("a", (0.90, 0.30)),
    ("b", (0.85, 0.20)),
    ("c", (0.80, 0.10)),
    ("d", (0.80, 0.25)),
    ("e", (0.70, 0.10)),
    ("f", (0.85, 0.20)),
    ("g", (0.95, None)),
    ("h", (0.60, 0.50)),
]
MODES = ("max", "min")


def test_the_front_of_a_hand_computed_set() -> None:
    assert pareto_front(POINTS, MODES) == ["a", "b", "c", "f"]


def test_successive_fronts() -> None:
    # Without a, b, c, f: d and e trade off (0.80/0.25 against 0.70/0.10); h is beaten by both.
    assert pareto_ranks(POINTS, MODES) == {
        "a": 1,
        "b": 1,
        "c": 1,
        "f": 1,
        "d": 2,
        "e": 2,
        "h": 3,
    }


def test_modes_decide_which_way_is_better() -> None:
    # Both maximised, c (0.80, 0.10) and e lose to everything; a and h (highest loss) trade off.
    assert pareto_front(POINTS, ("max", "max")) == ["a", "h"]
    # Both minimised: e (0.70, 0.10) and h (lowest accuracy) are non-dominated.
    assert pareto_front(POINTS, ("min", "min")) == ["e", "h"]


def test_a_point_missing_a_value_or_holding_a_non_finite_one_is_excluded() -> None:
    points = [
        ("ok", (1.0, 1.0)),
        ("nan", (math.nan, 0.0)),
        ("inf", (math.inf, 0.0)),
        ("short", (5.0,)),
        ("none", (None, None)),
    ]
    assert pareto_front(points, MODES) == ["ok"]
    assert pareto_ranks(points, MODES) == {"ok": 1}


def test_a_single_metric_gives_the_best_trial_and_its_ties() -> None:
    assert pareto_front([("a", (0.5,)), ("b", (0.9,)), ("c", (0.7,))], ("max",)) == ["b"]
    tied = [("a", (0.9,)), ("b", (0.5,)), ("c", (0.9,))]
    assert pareto_front(tied, ("max",)) == ["a", "c"]
    assert pareto_front(tied, ("min",)) == ["b"]
    assert pareto_ranks(tied, ("max",)) == {"a": 1, "c": 1, "b": 2}


def test_three_metrics_mixed_modes() -> None:
    # accuracy max, loss min, seconds min
    points = [
        ("fast", (0.80, 0.30, 10.0)),
        ("accurate", (0.95, 0.20, 100.0)),
        ("slower_same", (0.80, 0.30, 20.0)),  # beaten by fast: equal on two, slower
        ("balanced", (0.90, 0.25, 50.0)),
        ("worse", (0.85, 0.28, 60.0)),  # beaten by balanced on all three
    ]
    assert pareto_front(points, ("max", "min", "min")) == ["fast", "accurate", "balanced"]


def test_an_empty_set_and_a_bad_mode() -> None:
    assert pareto_front([], MODES) == []
    assert pareto_ranks([], MODES) == {}
    with pytest.raises(ValueError, match="maximize"):
        pareto_front(POINTS, ("maximize", "min"))


def test_dominance_needs_one_strict_improvement() -> None:
    assert dominates((1.0, 2.0), (1.0, 1.0))
    assert not dominates((1.0, 1.0), (1.0, 1.0))
    assert not dominates((2.0, 0.0), (1.0, 1.0))


@pytest.mark.parametrize("modes", [("max", "min"), ("min", "min"), ("max", "min", "max")])
def test_the_front_agrees_with_the_definition_on_random_sets(modes: tuple[str, ...]) -> None:
    # Few distinct values: many ties and duplicates.
    rng = random.Random(7)
    signs = [1.0 if mode == "max" else -1.0 for mode in modes]
    for _ in range(50):
        points = [(str(i), tuple(float(rng.randint(0, 5)) for _ in modes)) for i in range(30)]
        signed = {tid: tuple(s * x for s, x in zip(signs, v, strict=True)) for tid, v in points}
        expected = [
            tid
            for tid, _ in points
            if not any(dominates(signed[other], signed[tid]) for other in signed)
        ]
        assert pareto_front(points, modes) == expected


def test_a_front_of_every_trial_on_a_trade_off_line() -> None:
    # Accuracy rises as val_loss rises: no trial beats another, all 5,000 are on the front.
    points = [(str(i), (i / 5000, i / 5000 + 0.1)) for i in range(5000)]
    assert pareto_front(points, ("max", "min")) == [tid for tid, _ in points]
    assert set(pareto_ranks(points, ("max", "min")).values()) == {1}
