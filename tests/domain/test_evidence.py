"""Evidence for hypotheses, checked against small sweeps whose numbers were worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.hypotheses.bucket import Bucket, bucketer
from tuneterm.domain.hypotheses.evidence import (
    Distribution,
    Evidence,
    GroupStats,
    TrialCurve,
    distribution,
    hypothesis_evidence,
)
from tuneterm.domain.hypotheses.verdict import Verdict


def approx(expected: Any) -> Any:
    """Hand-computed numbers are written to 6 decimals."""
    return pytest.approx(expected, abs=1e-6)


# The main fixture: mode "max", metric accuracy. t4 and t5 were stopped by the scheduler after
# iteration 2; the others ran 4 iterations, so the common iteration is 2 and the last is not.
LR = Param("lr", "loguniform", (1e-4, 1e-1))
OPTIMIZER = Param("optimizer", "choice", ("sgd", "adam"))
BATCH = Param("batch_size", "choice", (64, 16, 32))


def curve(trial_id: str, config: dict[str, Any], values: list[float]) -> TrialCurve:
    return TrialCurve(trial_id, config, list(range(1, len(values) + 1)), values)


SWEEP = [
    curve("t1", {"lr": 2e-4, "optimizer": "adam", "batch_size": 16}, [0.40, 0.60, 0.70, 0.80]),
    curve("t2", {"lr": 5e-4, "optimizer": "adam", "batch_size": 32}, [0.42, 0.62, 0.72, 0.84]),
    curve("t3", {"lr": 3e-3, "optimizer": "adam", "batch_size": 64}, [0.44, 0.64, 0.74, 0.86]),
    curve("t4", {"lr": 2e-2, "optimizer": "sgd", "batch_size": 16}, [0.30, 0.40]),
    curve("t5", {"lr": 5e-2, "optimizer": "sgd", "batch_size": 32}, [0.20, 0.30]),
    curve("t6", {"lr": 4e-3, "optimizer": "sgd", "batch_size": 64}, [0.35, 0.50, 0.55, 0.60]),
    # Pending, so no results: left out everywhere.
    TrialCurve("t7", {"lr": 1e-3, "optimizer": "adam", "batch_size": 16}, [], []),
    # Lacks the parameters (and would drag the common iteration down to 1): left out.
    curve("t8", {"momentum": 0.9}, [0.99]),
]


def judge(
    parameter: str,
    expected: Any,
    param: Param | None,
    curves: list[TrialCurve],
    mode: str = "max",
    metric: str = "accuracy",
) -> Evidence:
    hypothesis = Hypothesis("H", "a claim", parameter, expected)
    return hypothesis_evidence(hypothesis, param, curves, metric, mode)


Row = tuple[str, int, tuple[float, float, float, float, float], tuple[str, ...]]


def assert_groups(groups: tuple[GroupStats, ...], expected: list[Row]) -> None:
    """Each group is (label, n, (best, mean, std, median, worst), trial ids) as expected."""
    assert [(g.label, g.stats.n, g.trial_ids) for g in groups] == [
        (label, n, ids) for label, n, _, ids in expected
    ]
    for group, (_, _, numbers, _) in zip(groups, expected, strict=True):
        s = group.stats
        assert (s.best, s.mean, s.std, s.median, s.worst) == approx(numbers), group.label


# distribution -----------------------------------------------------------------------------------


def test_distribution_of_nothing_is_none() -> None:
    assert distribution([], "max") is None


def test_distribution_max_mode() -> None:
    # mean (0.3 + 0.5 + 0.4 + 0.8) / 4 = 0.5; deviations -0.2, 0, -0.1, 0.3: squares sum to
    # 0.04 + 0 + 0.01 + 0.09 = 0.14, / 3 = 0.046667, sqrt = 0.216025; median (0.4 + 0.5) / 2.
    result = distribution([0.3, 0.5, 0.4, 0.8], "max")
    assert result == Distribution(4, approx(0.8), approx(0.5), approx(0.216025), approx(0.45), 0.3)


def test_distribution_min_mode_best_is_lowest() -> None:
    result = distribution([2.0, 1.0, 4.0], "min")
    # mean 7/3 = 2.333333; deviations -0.3333, -1.3333, 1.6667: squares sum 4.6667, / 2 = 2.3333,
    # sqrt = 1.527525.
    assert result == Distribution(3, 1.0, approx(2.333333), approx(1.527525), 2.0, 4.0)


def test_distribution_of_one_value_has_no_spread() -> None:
    assert distribution([0.7], "max") == Distribution(1, 0.7, 0.7, 0.0, 0.7, 0.7)


# The main fixture: groups, common iteration, suggestion ------------------------------------------


def test_common_iteration_is_the_last_one_every_trial_reached() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP)
    assert evidence.common_iteration == 2
    assert (evidence.hypothesis_id, evidence.parameter) == ("H", "optimizer")
    assert (evidence.metric, evidence.mode) == ("accuracy", "max")


def test_groups_at_the_common_iteration_in_the_configs_order() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP)
    # sgd at iteration 2: 0.40, 0.30, 0.50: mean 0.40, deviations 0, -0.1, 0.1, squares 0.02 / 2
    # = 0.01, std 0.1. adam: 0.60, 0.62, 0.64: mean 0.62, squares 0.0008 / 2, std 0.02.
    assert_groups(
        evidence.at_common,
        [
            ("sgd", 3, (0.50, 0.40, 0.10, 0.40, 0.30), ("t4", "t5", "t6")),
            ("adam", 3, (0.64, 0.62, 0.02, 0.62, 0.60), ("t1", "t2", "t3")),
        ],
    )
    assert [group.key for group in evidence.at_common] == [0.0, 1.0]


def test_groups_at_each_trials_last_iteration() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP)
    # sgd last: 0.40 (t4, iteration 2), 0.30 (t5, 2), 0.60 (t6, 4): mean 0.433333, deviations
    # -0.03333, -0.13333, 0.16667, squares 0.046667 / 2 = 0.023333, std 0.152753.
    # adam last: 0.80, 0.84, 0.86: mean 0.833333, squares 0.0018667 / 2 = 0.00093333, std 0.030551.
    assert_groups(
        evidence.at_last,
        [
            ("sgd", 3, (0.60, 0.433333, 0.152753, 0.40, 0.30), ("t4", "t5", "t6")),
            ("adam", 3, (0.86, 0.833333, 0.030551, 0.84, 0.80), ("t1", "t2", "t3")),
        ],
    )


def test_expected_value_better_by_more_than_the_spread_is_confirmed() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP)
    # adam 0.62 vs sgd 0.40 (the only other group): 0.22 better; spread max(0.02, 0.1) = 0.1.
    assert evidence.suggestion is Verdict.CONFIRMED
    assert not evidence.thin
    assert evidence.reason == (
        "supports the claim: at iteration 2, expected optimizer adam (n=3, mean 0.62 ± 0.02) "
        "vs best other optimizer sgd (n=3, mean 0.4 ± 0.1); "
        "claimed side better by 0.22, more than the spread 0.1"
    )


def test_loguniform_by_decade_and_thin_with_two_trials_a_group() -> None:
    evidence = judge("lr", "higher", LR, SWEEP)
    # At iteration 2: 1e-4..1e-3: t1 0.60, t2 0.62 (mean 0.61, std 0.02/sqrt(2) = 0.014142);
    # 1e-3..1e-2: t3 0.64, t6 0.50 (mean 0.57, std 0.14/sqrt(2) = 0.098995);
    # 1e-2..1e-1: t4 0.40, t5 0.30 (mean 0.35, std 0.1/sqrt(2) = 0.070711).
    assert_groups(
        evidence.at_common,
        [
            ("1e-4 to 1e-3", 2, (0.62, 0.61, 0.014142, 0.61, 0.60), ("t1", "t2")),
            ("1e-3 to 1e-2", 2, (0.64, 0.57, 0.098995, 0.57, 0.50), ("t3", "t6")),
            ("1e-2 to 1e-1", 2, (0.40, 0.35, 0.070711, 0.35, 0.30), ("t4", "t5")),
        ],
    )
    assert [group.key for group in evidence.at_common] == approx([1e-4, 1e-3, 1e-2])
    # Highest 0.35 vs lowest 0.61: 0.26 worse, but 2 trials a group is too few to say.
    assert evidence.suggestion is Verdict.INCONCLUSIVE
    assert evidence.thin
    assert evidence.reason == (
        "evidence is thin (fewer than 3 trials in a group): at iteration 2, "
        "highest lr 1e-2 to 1e-1 (n=2, mean 0.35 ± 0.07071) vs "
        "lowest lr 1e-4 to 1e-3 (n=2, mean 0.61 ± 0.01414); claimed side worse by 0.26 "
        "(spread 0.07071)"
    )


def test_loguniform_at_last_iteration() -> None:
    evidence = judge("lr", "higher", LR, SWEEP)
    # Last: 0.80, 0.84 (mean 0.82, std 0.028284); 0.86, 0.60 (mean 0.73, std 0.183848);
    # 0.40, 0.30 (mean 0.35, std 0.070711).
    assert_groups(
        evidence.at_last,
        [
            ("1e-4 to 1e-3", 2, (0.84, 0.82, 0.028284, 0.82, 0.80), ("t1", "t2")),
            ("1e-3 to 1e-2", 2, (0.86, 0.73, 0.183848, 0.73, 0.60), ("t3", "t6")),
            ("1e-2 to 1e-1", 2, (0.40, 0.35, 0.070711, 0.35, 0.30), ("t4", "t5")),
        ],
    )


def test_numeric_choice_groups_ascending_and_best_other_group() -> None:
    evidence = judge("batch_size", 32, BATCH, SWEEP)
    # At iteration 2: 16: 0.60, 0.40 (mean 0.5); 32: 0.62, 0.30 (mean 0.46, std 0.32/sqrt(2)
    # = 0.226274); 64: 0.64, 0.50 (mean 0.57, std 0.14/sqrt(2) = 0.098995). Best other: 64.
    assert [(g.label, g.key, g.stats.mean) for g in evidence.at_common] == [
        ("16", 16.0, approx(0.5)),
        ("32", 32.0, approx(0.46)),
        ("64", 64.0, approx(0.57)),
    ]
    assert evidence.suggestion is Verdict.INCONCLUSIVE
    assert evidence.thin
    assert evidence.reason == (
        "evidence is thin (fewer than 3 trials in a group): at iteration 2, "
        "expected batch_size 32 (n=2, mean 0.46 ± 0.2263) vs "
        "best other batch_size 64 (n=2, mean 0.57 ± 0.09899); claimed side worse by 0.11 "
        "(spread 0.2263)"
    )


# Mode min, and both directions (randint with few distinct values: one group per value) ------------

LAYERS = Param("layers", "randint", (1, 8))
DEEP_SWEEP = [
    curve("a1", {"layers": 2}, [0.6, 0.30]),
    curve("a2", {"layers": 2}, [0.7, 0.40]),
    curve("a3", {"layers": 2}, [0.8, 0.50]),
    curve("b1", {"layers": 6}, [1.2, 0.90]),
    curve("b2", {"layers": 6}, [1.3, 1.00]),
    curve("b3", {"layers": 6}, [1.4, 1.10]),
]
# Iteration 2, loss (lower is better): layers 2: 0.3, 0.4, 0.5 (mean 0.4, std 0.1, best 0.3);
# layers 6: 0.9, 1.0, 1.1 (mean 1.0, std 0.1, best 0.9). Spread 0.1; 6 is worse by 0.6.
SHALLOW = "layers 2 (n=3, mean 0.4 ± 0.1)"
DEEP = "layers 6 (n=3, mean 1 ± 0.1)"


def test_mode_min_best_and_worst_are_the_lowest_and_highest() -> None:
    evidence = judge("layers", "lower", LAYERS, DEEP_SWEEP, mode="min", metric="loss")
    assert_groups(
        evidence.at_common,
        [
            ("2", 3, (0.3, 0.4, 0.1, 0.4, 0.5), ("a1", "a2", "a3")),
            ("6", 3, (0.9, 1.0, 0.1, 1.0, 1.1), ("b1", "b2", "b3")),
        ],
    )
    assert evidence.common_iteration == 2


def test_lower_confirmed_in_mode_min() -> None:
    evidence = judge("layers", "lower", LAYERS, DEEP_SWEEP, mode="min", metric="loss")
    assert (evidence.suggestion, evidence.thin) == (Verdict.CONFIRMED, False)
    assert evidence.reason == (
        f"supports the claim: at iteration 2, lowest {SHALLOW} vs highest {DEEP}; "
        "claimed side better by 0.6, more than the spread 0.1"
    )


def test_higher_rejected_in_mode_min() -> None:
    evidence = judge("layers", "higher", LAYERS, DEEP_SWEEP, mode="min", metric="loss")
    assert (evidence.suggestion, evidence.thin) == (Verdict.REJECTED, False)
    assert evidence.reason == (
        f"contradicts the claim: at iteration 2, highest {DEEP} vs lowest {SHALLOW}; "
        "claimed side worse by 0.6, more than the spread 0.1"
    )


def test_expected_value_worse_by_more_than_the_spread_is_rejected() -> None:
    evidence = judge("layers", 6, LAYERS, DEEP_SWEEP, mode="min", metric="loss")
    assert (evidence.suggestion, evidence.thin) == (Verdict.REJECTED, False)
    assert evidence.reason == (
        f"contradicts the claim: at iteration 2, expected {DEEP} vs best other {SHALLOW}; "
        "claimed side worse by 0.6, more than the spread 0.1"
    )


def test_same_sweep_in_mode_max_flips_the_verdict() -> None:
    evidence = judge("layers", "higher", LAYERS, DEEP_SWEEP, mode="max")
    assert evidence.suggestion is Verdict.CONFIRMED
    assert evidence.at_common[0].stats.best == approx(0.5)


# Equal-width bins, and a difference within the spread ---------------------------------------------

DROPOUT = Param("dropout", "uniform", (0.0, 0.4))
DROPOUT_SWEEP = [
    curve("d1", {"dropout": 0.05}, [0.70]),
    curve("d2", {"dropout": 0.06}, [0.80]),
    curve("d3", {"dropout": 0.07}, [0.90]),
    curve("d4", {"dropout": 0.15}, [0.72]),
    curve("d5", {"dropout": 0.16}, [0.82]),
    curve("d6", {"dropout": 0.17}, [0.92]),
    curve("d7", {"dropout": 0.35}, [0.50]),
    curve("d8", {"dropout": 0.40}, [0.60]),
]


def test_more_than_six_distinct_values_fall_into_four_bins() -> None:
    evidence = judge("dropout", 0.15, DROPOUT, DROPOUT_SWEEP)
    # Width 0.4 / 4 = 0.1; the high bound 0.4 belongs to the last bin; 0.2 to 0.3 holds nobody.
    # 0 to 0.1: 0.7, 0.8, 0.9 (mean 0.8, std 0.1);
    # 0.1 to 0.2: 0.72, 0.82, 0.92 (mean 0.82, std 0.1);
    # 0.3 to 0.4: 0.5, 0.6 (mean 0.55, std 0.070711).
    assert_groups(
        evidence.at_common,
        [
            ("0 to 0.1", 3, (0.9, 0.8, 0.1, 0.8, 0.7), ("d1", "d2", "d3")),
            ("0.1 to 0.2", 3, (0.92, 0.82, 0.1, 0.82, 0.72), ("d4", "d5", "d6")),
            ("0.3 to 0.4", 2, (0.6, 0.55, 0.070711, 0.55, 0.5), ("d7", "d8")),
        ],
    )
    assert evidence.common_iteration == 1


def test_difference_within_the_spread_is_thin_and_inconclusive() -> None:
    evidence = judge("dropout", 0.15, DROPOUT, DROPOUT_SWEEP)
    # 0.82 vs the best other group (0 to 0.1, 0.8): 0.02 better, within the spread 0.1.
    assert (evidence.suggestion, evidence.thin) == (Verdict.INCONCLUSIVE, True)
    assert evidence.reason == (
        "evidence is thin: at iteration 1, expected dropout 0.1 to 0.2 (n=3, mean 0.82 ± 0.1) "
        "vs best other dropout 0 to 0.1 (n=3, mean 0.8 ± 0.1); "
        "claimed side better by 0.02, within the spread 0.1"
    )


def test_six_distinct_values_are_six_groups() -> None:
    grouping = bucketer(DROPOUT, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3])
    assert grouping.bucket(0.25) == Bucket("0.25", 0.25)
    assert grouping.numeric


# Nothing to compare -----------------------------------------------------------------------------


def test_means_equal_but_for_float_rounding_are_level() -> None:
    # mean(0.1, 0.2, 0.3) is 0.20000000000000004 in floats, mean(0.2, 0.2, 0.2) is 0.2.
    curves = [curve(f"a{n}", {"optimizer": "adam"}, [v]) for n, v in enumerate([0.1, 0.2, 0.3])]
    curves += [curve(f"s{n}", {"optimizer": "sgd"}, [0.2]) for n in range(3)]
    evidence = judge("optimizer", "adam", OPTIMIZER, curves)
    assert evidence.suggestion is Verdict.INCONCLUSIVE
    assert "both sides level, within the spread 0.1" in evidence.reason
    assert "e-17" not in evidence.reason


def test_no_results_yet() -> None:
    pending = [TrialCurve("t7", {"optimizer": "adam"}, [], [])]
    for curves in ([], pending):
        evidence = judge("optimizer", "adam", OPTIMIZER, curves)
        assert evidence.suggestion is Verdict.INCONCLUSIVE
        assert (evidence.reason, evidence.thin) == ("no results yet", True)
        assert (evidence.at_last, evidence.at_common, evidence.common_iteration) == ((), (), None)


def test_no_trial_with_the_expected_value() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP[3:6])
    assert (evidence.suggestion, evidence.thin) == (Verdict.INCONCLUSIVE, True)
    assert evidence.reason == "evidence is thin: no trial with optimizer adam has results yet"


def test_only_the_expected_value_tried() -> None:
    evidence = judge("optimizer", "adam", OPTIMIZER, SWEEP[:3])
    assert evidence.reason == (
        "evidence is thin: only optimizer adam has results, nothing to compare"
    )
    assert evidence.suggestion is Verdict.INCONCLUSIVE
    # Without t4 and t5 every trial reached iteration 4.
    assert evidence.common_iteration == 4


def test_direction_with_a_single_group() -> None:
    evidence = judge("layers", "higher", LAYERS, DEEP_SWEEP[:3], mode="min")
    assert (evidence.suggestion, evidence.thin) == (Verdict.INCONCLUSIVE, True)
    assert evidence.reason == "evidence is thin: every trial has layers 2, nothing to compare"


def test_direction_on_a_parameter_that_is_not_numeric() -> None:
    evidence = judge("optimizer", "higher", OPTIMIZER, SWEEP)
    assert (evidence.suggestion, evidence.thin) == (Verdict.INCONCLUSIVE, False)
    assert evidence.reason == "'higher' needs a numeric parameter, and optimizer is not one"


def test_a_choice_named_higher_is_a_value_not_a_direction() -> None:
    mood = Param("mood", "choice", ("lower", "higher"))
    curves = [curve("m1", {"mood": "higher"}, [0.9]), curve("m2", {"mood": "lower"}, [0.1])]
    evidence = judge("mood", "higher", mood, curves)
    assert evidence.reason.startswith("evidence is thin (fewer than 3 trials in a group): ")
    assert "expected mood higher (n=1, mean 0.9 ± 0)" in evidence.reason
    assert "claimed side better by 0.8 (spread 0)" in evidence.reason


# Iterations -------------------------------------------------------------------------------------


def test_no_shared_iteration_falls_back_to_the_last() -> None:
    curves = [
        TrialCurve(f"e{i}", {"layers": 2 if i < 3 else 6}, [1, 3], [0.1 * i, 0.2 * i])
        for i in range(3)
    ] + [TrialCurve(f"o{i}", {"layers": 6}, [2, 4], [0.9, 1.0 + 0.1 * i]) for i in range(3)]
    # Last values: layers 2: 0, 0.2, 0.4 (mean 0.2, std 0.2); layers 6: 1.0, 1.1, 1.2
    # (mean 1.1, std 0.1). Mode min, "lower": better by 0.9, more than the spread 0.2.
    evidence = judge("layers", "lower", LAYERS, curves, mode="min")
    assert (evidence.common_iteration, evidence.at_common) == (None, ())
    assert evidence.suggestion is Verdict.CONFIRMED
    assert evidence.reason == (
        "supports the claim: at each trial's last iteration, "
        "lowest layers 2 (n=3, mean 0.2 ± 0.2) vs highest layers 6 (n=3, mean 1.1 ± 0.1); "
        "claimed side better by 0.9, more than the spread 0.2"
    )


def test_non_finite_values_are_ignored() -> None:
    curves = [TrialCurve("n1", {"layers": 2}, [1, 2, 3], [0.5, 0.4, math.nan])]
    evidence = judge("layers", 2, LAYERS, curves, mode="min")
    assert evidence.common_iteration == 2
    assert evidence.at_last[0].stats.best == approx(0.4)


# Buckets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label", "key"),
    [
        (1e-3, "1e-3 to 1e-2", 1e-3),
        (9.99e-4, "1e-4 to 1e-3", 1e-4),
        (1e-5, "1e-5 to 1e-4", 1e-5),
        (0.5, "1e-1 to 1e0", 0.1),
        (3.0, "1e0 to 1e1", 1.0),
    ],
)
def test_decade_edges(value: float, label: str, key: float) -> None:
    bucket = bucketer(LR, [value]).bucket(value)
    assert (bucket.label, bucket.key) == (label, approx(key))


def test_booleans_and_strings_keep_the_configs_order() -> None:
    flag = Param("augment", "choice", (True, False))
    grouping = bucketer(flag, [False, True])
    assert [grouping.bucket(v) for v in (True, False)] == [
        Bucket("true", 0.0),
        Bucket("false", 1.0),
    ]
    assert not grouping.numeric


def test_without_a_param_numbers_and_strings_are_inferred() -> None:
    numbers = bucketer(None, [3, 1, 2])
    assert numbers.numeric and numbers.bucket(2) == Bucket("2", 2.0)
    words = bucketer(None, ["b", "a", "b"])
    assert not words.numeric
    assert [words.bucket(w).key for w in ("b", "a", "c")] == [0.0, 1.0, 2.0]


def test_evidence_without_a_param_groups_the_values_seen() -> None:
    evidence = judge("layers", "lower", None, DEEP_SWEEP, mode="min")
    assert evidence.suggestion is Verdict.CONFIRMED
    assert [group.label for group in evidence.at_common] == ["2", "6"]


def test_reason_is_one_printable_line() -> None:
    name = "lr\x1b[31m\nred"
    curves = [curve(f"r{i}", {name: 2 if i < 3 else 6}, [0.1 * i]) for i in range(6)]
    evidence = judge(name, "higher", LAYERS, curves)
    assert "\n" not in evidence.reason
    assert "\x1b" not in evidence.reason
    assert "lr\\x1b[31m" in evidence.reason
