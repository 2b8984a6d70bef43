"""[health]: the numbers of the trial health rules (`domain.health`), and which rules the driver
stops a trial for.

    [health]
    stop = ["nan", "diverged"]   # default []: flag only, stop nothing
    patience = 3                 # diverged: reports in a row worse than the first
    stall_factor = 5.0           # stalled: times the trial's median interval without a report
    stall_floor_s = 30           # stalled: never under this many seconds
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tuneterm.domain.config.space import did_you_mean, require, show
from tuneterm.domain.health import HEALTH_RULES, HealthSettings

__all__ = ["HealthSpec", "checked_health"]

MAX_PATIENCE = 1000


@dataclass(frozen=True)
class HealthSpec:
    """[health]: when a trial is flagged unhealthy, and which flags stop it."""

    stop: tuple[str, ...] = ()
    """The rules ("nan", "diverged", "stalled") whose flag makes the driver stop the trial, which
    then ends as stopped by that rule; empty: flag only."""
    patience: int = 3
    """diverged: reports in a row worse than the trial's first (the last its worst)."""
    stall_factor: float = 5.0
    """stalled: times the trial's own median interval between reports without a report."""
    stall_floor_s: float = 30.0
    """stalled: seconds without a report below which no trial is flagged."""

    @property
    def settings(self) -> HealthSettings:
        """The numbers the rules are applied with."""
        return HealthSettings(self.patience, float(self.stall_factor), float(self.stall_floor_s))


def checked_health(spec: HealthSpec) -> HealthSpec:
    """`spec` with each rule of `stop` once and its numbers floats; ValidationError for an
    unknown rule or a number out of range."""
    stop = tuple(dict.fromkeys(spec.stop))
    for rule in stop:
        hint = did_you_mean(rule, HEALTH_RULES)
        message = f"unknown rule {show(rule)}{hint}; the rules are {', '.join(HEALTH_RULES)}"
        require(rule in HEALTH_RULES, "health.stop", message)
    message = f"must be from 1 to {MAX_PATIENCE} (got {show(spec.patience)})"
    require(1 <= spec.patience <= MAX_PATIENCE, "health.patience", message)
    factor = spec.stall_factor
    message = f"must be greater than 1 (got {show(factor)})"
    require(factor > 1, "health.stall_factor", message)
    floor = spec.stall_floor_s
    require(floor >= 0, "health.stall_floor_s", f"must not be negative (got {show(floor)})")
    return dataclasses.replace(
        spec, stop=stop, stall_factor=float(factor), stall_floor_s=float(floor)
    )
