"""Evidence for a hypothesis: the sweep's trials grouped by the parameter, and a suggested verdict.

Groups are compared at the common iteration, the largest iteration every compared trial reported
(a compared trial: one whose config has the parameter and that reported the metric at least once),
so that trials a scheduler stopped early are not set against trials that ran on. How values are
grouped is `tuneterm.domain.hypotheses.bucket`'s business.

The suggestion compares two groups: for an expected value, the group holding it against the best
other group (by mean); for "higher" / "lower", the group of the highest values against the group
of the lowest. The spread is the larger of the two groups' sample standard deviations. The claim's
side better by more than the spread suggests CONFIRMED, worse by more than the spread REJECTED;
anything else, or a group of fewer than `MIN_TRIALS` trials, is INCONCLUSIVE and flagged thin.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.config.space import Param, same_value
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.hypotheses.bucket import Bucket, Bucketer, bucketer
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.text import number, one_line, printable
from tuneterm.domain.trial import better

MIN_TRIALS = 3
"""A group with fewer trials than this makes the evidence thin."""

_DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True, slots=True)
class TrialCurve:
    """One trial's metric over its iterations."""

    trial_id: str
    config: Mapping[str, Any]
    """The trial's hyperparameters."""
    iterations: Sequence[int]
    """The iterations it reported, ascending."""
    values: Sequence[float]
    """The sweep's metric at each of `iterations` (non-finite values are ignored)."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """Summary statistics of a set of metric values; best and worst follow the sweep's mode."""

    n: int
    best: float
    mean: float
    std: float
    """Sample standard deviation (n - 1 in the denominator); 0 for a single value."""
    median: float
    worst: float


@dataclass(frozen=True, slots=True)
class GroupStats:
    """The trials whose parameter value falls in one group, and their metric."""

    label: str
    """The group, e.g. "true", "adam", "1e-3 to 1e-2"."""
    key: float
    """Sort key, see `tuneterm.domain.hypotheses.bucket.Bucket.key`."""
    stats: Distribution
    trial_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the sweep shows about one hypothesis so far."""

    hypothesis_id: str
    parameter: str
    metric: str
    mode: str
    at_last: tuple[GroupStats, ...]
    """Groups by each trial's last reported value."""
    common_iteration: int | None
    """The largest iteration every compared trial reported; None when there is none."""
    at_common: tuple[GroupStats, ...]
    """Groups by the value at `common_iteration` (empty when it is None)."""
    suggestion: Verdict
    reason: str
    """One plain line saying why, with the numbers compared."""
    thin: bool
    """Too few trials, or a difference within the spread: take the suggestion lightly."""


def distribution(values: Sequence[float], mode: str) -> Distribution | None:
    """n, best, mean, sample std, median and worst of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values, reverse=mode == "max")
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    mean, median = statistics.fmean(values), statistics.median(values)
    return Distribution(len(values), ordered[0], mean, std, median, ordered[-1])


def hypothesis_evidence(
    hypothesis: Hypothesis,
    param: Param | None,
    curves: Sequence[TrialCurve],
    metric: str,
    mode: str,
) -> Evidence:
    """Group the trials by `hypothesis.parameter` and suggest a verdict (see the module's doc)."""
    compared = _compared(curves, hypothesis.parameter)
    taken = [curve.config[hypothesis.parameter] for curve in compared]
    grouping = bucketer(param, taken)
    buckets = [grouping.bucket(value) for value in taken]
    last = [
        (b, curve.trial_id, curve.values[-1]) for b, curve in zip(buckets, compared, strict=True)
    ]
    at_last = _groups(last, mode)
    common = _common_iteration(compared)
    at_common = () if common is None else _groups(_values_at(compared, buckets, common), mode)
    where = "at each trial's last iteration" if common is None else f"at iteration {common}"
    direction = _is_direction(hypothesis.expected, param, taken)
    judged = at_common if common is not None else at_last
    verdict, reason, thin = _suggest(hypothesis, direction, grouping, judged, where, mode)
    return Evidence(
        hypothesis.id,
        hypothesis.parameter,
        metric,
        mode,
        at_last,
        common,
        at_common,
        verdict,
        one_line(reason, 500),
        thin,
    )


# Trials and groups ------------------------------------------------------------------------------


def _compared(curves: Sequence[TrialCurve], parameter: str) -> list[TrialCurve]:
    """The trials that have the parameter, each keeping only its finite values."""
    compared = []
    for curve in curves:
        points = [
            (i, v) for i, v in zip(curve.iterations, curve.values, strict=False) if math.isfinite(v)
        ]
        if parameter in curve.config and points:
            iterations, values = zip(*points, strict=True)
            compared.append(TrialCurve(curve.trial_id, curve.config, iterations, values))
    return compared


def _common_iteration(curves: Sequence[TrialCurve]) -> int | None:
    if not curves:
        return None
    shared = set(curves[0].iterations).intersection(*(curve.iterations for curve in curves[1:]))
    return max(shared) if shared else None


def _values_at(
    curves: Sequence[TrialCurve], buckets: Sequence[Bucket], iteration: int | None
) -> list[tuple[Bucket, str, float]]:
    """Each trial's group, id and value at `iteration` (None: at its last one)."""
    return [
        (bucket, curve.trial_id, curve.values[_position(curve, iteration)])
        for bucket, curve in zip(buckets, curves, strict=True)
    ]


def _position(curve: TrialCurve, iteration: int | None) -> int:
    return -1 if iteration is None else list(curve.iterations).index(iteration)


def _groups(members: Sequence[tuple[Bucket, str, float]], mode: str) -> tuple[GroupStats, ...]:
    by_key: dict[float, list[tuple[Bucket, str, float]]] = {}
    for member in members:
        by_key.setdefault(member[0].key, []).append(member)
    groups = []
    for key in sorted(by_key):
        group = by_key[key]
        stats = distribution([value for _, _, value in group], mode)
        assert stats is not None  # every group has a member
        groups.append(GroupStats(group[0][0].label, key, stats, tuple(t for _, t, _ in group)))
    return tuple(groups)


# The suggestion ---------------------------------------------------------------------------------


def _is_direction(expected: Any, param: Param | None, taken: Sequence[Any]) -> bool:
    """Whether `expected` means "higher"/"lower" rather than a value (as check_hypothesis)."""
    if not (isinstance(expected, str) and expected in _DIRECTIONS):
        return False
    if param is not None:
        return not param.admits(expected)
    return not any(same_value(value, expected) for value in taken)


def _suggest(
    hypothesis: Hypothesis,
    direction: bool,
    grouping: Bucketer,
    groups: Sequence[GroupStats],
    where: str,
    mode: str,
) -> tuple[Verdict, str, bool]:
    """(suggestion, reason, thin) from comparing the claim's group with the other side."""
    if not groups:
        return Verdict.INCONCLUSIVE, "no results yet", True
    name = printable(hypothesis.parameter)
    sides = _sides(hypothesis, direction, grouping, groups, mode)
    if isinstance(sides, str):
        return Verdict.INCONCLUSIVE, sides, sides.startswith("evidence is thin")
    (claim, claim_name), (other, other_name) = sides
    gain = claim.stats.mean - other.stats.mean
    gain = gain if mode == "max" else -gain
    if abs(gain) <= LEVEL * max(abs(claim.stats.mean), abs(other.stats.mean), 1.0):
        gain = 0.0  # means equal but for rounding: no side is better
    spread = max(claim.stats.std, other.stats.std)
    compared = (
        f"{where}, {claim_name} {name} {claim.label} ({_describe(claim)}) vs "
        f"{other_name} {name} {other.label} ({_describe(other)})"
    )
    side = (
        "both sides level"
        if gain == 0
        else f"claimed side {'better' if gain > 0 else 'worse'} by {number(abs(gain))}"
    )
    if min(claim.stats.n, other.stats.n) < MIN_TRIALS:
        thin = f"evidence is thin (fewer than {MIN_TRIALS} trials in a group)"
        return Verdict.INCONCLUSIVE, f"{thin}: {compared}; {side} (spread {number(spread)})", True
    if abs(gain) > spread:
        verdict = Verdict.CONFIRMED if gain > 0 else Verdict.REJECTED
        verb = "supports" if gain > 0 else "contradicts"
        detail = f"{side}, more than the spread {number(spread)}"
        return verdict, f"{verb} the claim: {compared}; {detail}", False
    detail = f"{side}, within the spread {number(spread)}"
    return Verdict.INCONCLUSIVE, f"evidence is thin: {compared}; {detail}", True


_Side = tuple[GroupStats, str]


def _sides(
    hypothesis: Hypothesis,
    direction: bool,
    grouping: Bucketer,
    groups: Sequence[GroupStats],
    mode: str,
) -> tuple[_Side, _Side] | str:
    """The claim's group and the group it is set against (with how to name them), or why not."""
    name, expected = printable(hypothesis.parameter), hypothesis.expected
    if direction and not grouping.numeric:
        return f"'{expected}' needs a numeric parameter, and {name} is not one"
    if direction:
        if len(groups) < 2:
            return f"evidence is thin: every trial has {name} {groups[0].label}, nothing to compare"
        highest, lowest = (groups[-1], "highest"), (groups[0], "lowest")
        return (highest, lowest) if expected == "higher" else (lowest, highest)
    target = grouping.bucket(expected)
    claims = [group for group in groups if group.key == target.key]
    if not claims:
        return f"evidence is thin: no trial with {name} {target.label} has results yet"
    others = [group for group in groups if group.key != target.key]
    if not others:
        return f"evidence is thin: only {name} {target.label} has results, nothing to compare"
    best = others[0]
    for group in others[1:]:
        best = group if better(mode, group.stats.mean, best.stats.mean) else best
    return (claims[0], "expected"), (best, "best other")


def _describe(group: GroupStats) -> str:
    stats = group.stats
    return f"n={stats.n}, mean {number(stats.mean)} ± {number(stats.std)}"


LEVEL = 1e-9
"""Relative difference of two means below which they count as equal (float rounding)."""
