"""A sweep's metrics: the first drives the scheduler and the search, the others are shown and
weighed beside it (the Pareto front)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tuneterm.domain.sweep.rows import TrialRecord

Objective = tuple[str, str]
"""A metric's name and mode ("max" or "min")."""


def objectives_of(meta: Mapping[str, Any]) -> tuple[Objective, ...]:
    """The sweep's metrics from a store's meta: its `metrics` list, else `metric` and `mode`."""
    listed = meta.get("metrics")
    pairs: list[Objective] = []
    if isinstance(listed, list):
        for entry in listed:
            if isinstance(entry, list | tuple) and len(entry) == 2:
                pairs.append((str(entry[0]), "min" if entry[1] == "min" else "max"))
    if pairs:
        return tuple(pairs)
    metric = str(meta.get("metric") or "")
    return ((metric, "min" if meta.get("mode") == "min" else "max"),)


def record_others(
    record: TrialRecord, others: tuple[Objective, ...], data: Mapping[str, Any]
) -> None:
    """Fold one result's values of the further metrics into `record`."""
    for name, mode in others:
        value = data.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            continue
        if record.others is None or record.other_bests is None:
            record.others, record.other_bests = {}, {}
        record.others[name] = value
        best = record.other_bests.get(name)
        if best is None or (value > best if mode == "max" else value < best):
            record.other_bests[name] = value
