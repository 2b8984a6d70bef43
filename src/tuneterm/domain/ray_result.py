"""What Ray Tune writes besides a trial's own metrics: its bookkeeping keys and files."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

NOT_METRICS = frozenset(
    {"timestamp", "pid", "done", "iterations_since_restore", "time_since_restore", "date"}
)
"""Ray's bookkeeping values in a result that say nothing about the model; never recorded."""

ITERATION = "training_iteration"
"""Ray's iteration counter in a result (and ASHA's default time attribute)."""

TIME_TOTAL = "time_total_s"
"""Seconds a trial has trained so far, as Ray counts them."""

TIME_THIS_ITER = "time_this_iter_s"
"""Seconds the last iteration took."""

RAY_KEYS = NOT_METRICS | {ITERATION, TIME_THIS_ITER, TIME_TOTAL}
"""Every key Ray adds to a result; what is left is what the trainable reported."""

STATE_GLOB = "experiment_state-*.json"
"""Ray's experiment checkpoint files, one per save, in the experiment's storage directory."""

NO_ERROR_TEXT = "the trial failed (Ray recorded no error text)"
"""Shown for an errored trial whose error file is missing or empty."""


def numeric_metrics(result: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, float]:
    """The finite numbers of a result dict (booleans and nested values left out)."""
    skipped = set(skip)
    return {
        key: float(value)
        for key, value in result.items()
        if key not in skipped
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    }
