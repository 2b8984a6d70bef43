"""Pareto fronts: the trials no other trial beats on every one of the sweep's metrics at once.

A trial dominates another if it is at least as good on every metric and strictly better on one
("good" by each metric's own mode). The front is every trial no other dominates: identical trials
are both on it, and with a single metric it is the best trial (or the trials tied for best).

Which values: each trial's last reported values, one per metric. The journal takes them from the
trial's last report that carries every metric, so they form one consistent vector; the dashboard
takes each metric's last reported value, which is the same report whenever the trainable reports
every metric each time (the built-in trainables do). A trial missing a value (it has not reported
that metric yet, or reported a non-finite one) is on no front.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Point = tuple[str, Sequence[float | None]]
"""A trial id and its value of each metric, in the order of the modes."""

MODES = ("max", "min")


def pareto_front(points: Iterable[Point], modes: Sequence[str]) -> list[str]:
    """The ids of the non-dominated points, in the order given."""
    scored = _scored(points, modes)
    front = set(_front_of(scored))
    return [trial_id for trial_id, _ in scored if trial_id in front]


def pareto_ranks(points: Iterable[Point], modes: Sequence[str]) -> dict[str, int]:
    """Each complete point's front: 1 for the Pareto front, 2 for the front of the rest, ...
    (non-dominated sorting). Points missing a value are left out."""
    remaining = _scored(points, modes)
    ranks: dict[str, int] = {}
    rank = 0
    while remaining:
        rank += 1
        front = set(_front_of(remaining))
        ranks.update(dict.fromkeys(front, rank))
        remaining = [point for point in remaining if point[0] not in front]
    return ranks


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether `a` dominates `b`, both already oriented so that larger is better."""
    strictly = False
    for mine, theirs in zip(a, b, strict=True):
        if mine < theirs:
            return False
        strictly = strictly or mine > theirs
    return strictly


def _scored(points: Iterable[Point], modes: Sequence[str]) -> list[tuple[str, tuple[float, ...]]]:
    """Complete points with every value oriented so that larger is better."""
    signs = [_sign(mode) for mode in modes]
    scored = []
    for trial_id, values in points:
        oriented = tuple(
            sign * float(value)
            for sign, value in zip(signs, values, strict=False)
            if value is not None and _usable(value)
        )
        if len(oriented) == len(signs) == len(values):
            scored.append((trial_id, oriented))
    return scored


def _sign(mode: str) -> float:
    if mode not in MODES:
        raise ValueError(f'mode must be "max" or "min", not {mode!r}')
    return 1.0 if mode == "max" else -1.0


def _usable(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _front_of(scored: Sequence[tuple[str, tuple[float, ...]]]) -> list[str]:
    """The non-dominated ids. In descending lexicographic order a point can be dominated only by
    an earlier one, and if by any earlier one then by one already on the front (dominance is
    transitive): each point is checked against the front alone."""
    ordered = sorted(scored, key=lambda point: point[1], reverse=True)
    if ordered and len(ordered[0][1]) == 2:
        return _front_of_two(ordered)
    front: list[tuple[str, tuple[float, ...]]] = []
    for trial_id, values in ordered:
        if not any(dominates(kept, values) for _, kept in front):
            front.append((trial_id, values))
    return [trial_id for trial_id, _ in front]


def _front_of_two(ordered: Sequence[tuple[str, tuple[float, ...]]]) -> list[str]:
    """The same for two metrics in one pass, whatever the front's size: a point is dominated by
    an earlier one with a larger first value and no smaller second, or by one with the same first
    value and a larger second (the first of its group, in this order)."""
    front = []
    best_before = -math.inf  # the largest second value among points with a larger first value
    group_first, group_best = math.nan, -math.inf
    for trial_id, (first, second) in ordered:
        if first != group_first:
            best_before = max(best_before, group_best)
            group_first, group_best = first, second
        if best_before < second and group_best <= second:
            front.append(trial_id)
    return front
