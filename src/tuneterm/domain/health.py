"""Trial health: the rules that flag a trial whose metric is NaN, diverges, or that stopped
reporting, folded one report at a time.

A `HealthWatch` per trial folds its reports (O(1) each: a few comparisons per metric the sweep
names) and, asked with a clock, whether it has stalled. The dashboard folds store events into
one per trial; the driver folds Ray's raw results into its own and stops the trials the config's
`[health] stop` names (a flag alone stops nothing).

The rules, each named in the flag's one-line reason:

- `nan`: a reported value of one of the sweep's metrics is NaN or infinite.
- `diverged`: the last `patience` reports (default 3) of one of the sweep's metrics were all
  worse than the trial's first report of it, by that metric's mode, and the latest is the worst
  the trial has reported. Noise around the first value, or a trial that got worse and is
  recovering, is not flagged; one moving away from where it started is.
- `stalled`: a running trial that has reported at least 3 times has not reported for more than
  `stall_factor` (default 5) times its own median interval between reports (over its last 16
  intervals), and for at least `stall_floor_s` (default 30 s), so that a trial with 0.1 s epochs
  is not flagged by a pause of the garbage collector. After a restart (a resume) it is watched
  again from its next report.

`nan` and `diverged` flags stay for the rest of the trial's life: its results are suspect even if
it recovers. A `stalled` flag clears when the trial reports again or ends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuneterm.domain.text import duration, number


class HealthRule(StrEnum):
    """What flagged a trial."""

    NAN = "nan"
    """A metric was NaN or infinite."""
    DIVERGED = "diverged"
    """A metric moved away from the trial's first report of it, `patience` reports in a row."""
    STALLED = "stalled"
    """No report for several times the trial's own median interval."""


HEALTH_RULES: tuple[str, ...] = tuple(rule.value for rule in HealthRule)
"""Every rule's name, as `[health] stop` and the filter's `health` name spell them."""
HEALTHY = "ok"
"""The filter's `health` value of a trial no rule flags."""
MIN_REPORTS = 3
"""Reports a trial makes before the stall rule watches it."""
INTERVALS_KEPT = 16
"""Intervals between reports the median is taken over: the latest ones."""
_INF = math.inf


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """The rules' numbers (`[health]`)."""

    patience: int = 3
    """Reports in a row worse than the first before `diverged` flags a trial."""
    stall_factor: float = 5.0
    """Times its median interval a trial may go without reporting before `stalled` flags it."""
    stall_floor_s: float = 30.0
    """Seconds of silence below which `stalled` never flags a trial."""

    @classmethod
    def of(cls, data: object) -> HealthSettings:
        """Settings from a store's meta (`{"patience": 3, ...}`); defaults for what is missing."""
        if not isinstance(data, Mapping):
            return cls()
        defaults = cls()
        return cls(
            patience=_number(data.get("patience"), defaults.patience, int),
            stall_factor=_number(data.get("stall_factor"), defaults.stall_factor, float),
            stall_floor_s=_number(data.get("stall_floor_s"), defaults.stall_floor_s, float),
        )

    def to_meta(self) -> dict[str, float]:
        return {
            "patience": self.patience,
            "stall_factor": self.stall_factor,
            "stall_floor_s": self.stall_floor_s,
        }


def _number(value: object, default: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return default
    return kind(value)


@dataclass(frozen=True, slots=True)
class Health:
    """A flag: the rule that raised it and why, on one line."""

    rule: HealthRule
    reason: str
    """E.g. "nan: accuracy was nan at iteration 4"."""


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """What every watch of one sweep shares: its metrics and the settings."""

    objectives: tuple[tuple[int, str, float], ...]
    """(offset of its numbers in a watch, name, -1.0 when larger is better else 1.0) of each
    metric the sweep names."""
    settings: HealthSettings

    @classmethod
    def of(
        cls, metrics: Sequence[tuple[str, str]], settings: HealthSettings | None = None
    ) -> HealthPolicy:
        """The policy for `metrics` (name and mode, "max" or "min")."""
        named = [(name, mode) for name, mode in metrics if name]
        objectives = tuple(
            (3 * index, name, -1.0 if mode == "max" else 1.0)
            for index, (name, mode) in enumerate(named)
        )
        return cls(objectives, settings or HealthSettings())


NO_POLICY = HealthPolicy((), HealthSettings())
"""Watches nothing but stalls: for a record created without a sweep's metrics."""


class HealthWatch:
    """One trial's health, folded from its reports; `flag` or `stall` say what is wrong."""

    __slots__ = (
        "_intervals",
        "_median",
        "_median_of",
        "_track",
        "flag",
        "intervals_seen",
        "last_iteration",
        "last_report_at",
        "policy",
        "stall",
    )

    def __init__(self, policy: HealthPolicy = NO_POLICY) -> None:
        self.policy = policy
        self.flag: Health | None = None
        """A `nan` or `diverged` flag: it stays."""
        self.stall: Health | None = None
        """The `stalled` flag, while the trial is silent."""
        self.last_iteration = -1
        self.last_report_at: float | None = None
        """When it last reported; None before its first report and after a restart."""
        self.intervals_seen = 0
        self._intervals: list[float] | None = None
        self._median: float | None = None
        self._median_of = 0
        """`intervals_seen` when `_median` was taken."""
        self._track: list[Any] = [None, 0.0, 0] * len(policy.objectives)
        """First value, worst value (signed so that larger is worse) and streak of each metric."""

    @property
    def health(self) -> Health | None:
        """What is wrong with the trial now; None while it is healthy."""
        return self.flag or self.stall

    @property
    def rule(self) -> str | None:
        health = self.flag or self.stall
        return None if health is None else health.rule.value

    @property
    def reason(self) -> str | None:
        health = self.flag or self.stall
        return None if health is None else health.reason

    def observe(
        self, now: float, iteration: int | None, values: Mapping[str, Any]
    ) -> Health | None:
        """Fold one report made at `now`; returns the `nan` or `diverged` flag it raised, if any.

        A report of an iteration already seen (a restored run repeating one) is ignored. On the
        dashboard's hot path: kept to plain operations, no further call for a healthy report."""
        self.stall = None
        if iteration is not None:
            if iteration <= self.last_iteration:
                return None
            self.last_iteration = iteration
        previous, self.last_report_at = self.last_report_at, now
        if previous is not None:
            intervals = self._intervals
            if intervals is None:
                intervals = self._intervals = [0.0] * INTERVALS_KEPT
            seen = self.intervals_seen
            intervals[seen % INTERVALS_KEPT] = now - previous
            self.intervals_seen = seen + 1
        if self.flag is not None:
            return None
        track = self._track
        for offset, name, sign in self.policy.objectives:
            value: Any = values.get(name)
            try:
                if not -_INF < value < _INF:
                    if value != value or value == _INF or value == -_INF:
                        return self._raise(_nan(name, value, iteration))
                    continue
            except TypeError:  # not reported, or not a number
                continue
            # Signed so that larger is worse: [first, worst, streak] per metric.
            value *= sign
            first = track[offset]
            if first is None:
                track[offset] = track[offset + 1] = value
            elif value <= first:
                track[offset + 2] = 0
            else:
                streak = track[offset + 2] = track[offset + 2] + 1
                if value > track[offset + 1]:
                    track[offset + 1] = value
                    if streak >= self.policy.settings.patience:
                        return self._raise(_diverged(name, sign * value, sign * first, streak))
        return None

    def _raise(self, flag: Health) -> Health:
        self.flag = flag
        return flag

    def median_interval(self) -> float | None:
        """The median of its latest intervals between reports (None before two)."""
        seen = self.intervals_seen
        if self._median_of != seen and self._intervals is not None and seen >= 2:
            self._median_of = seen
            kept = sorted(self._intervals[: min(seen, INTERVALS_KEPT)])
            middle = len(kept) // 2
            odd = len(kept) % 2
            self._median = kept[middle] if odd else (kept[middle - 1] + kept[middle]) / 2
        return self._median

    def check_stall(self, now: float) -> bool:
        """Apply the stall rule at `now` to the running trial; returns whether its health (or
        the reason shown) changed."""
        before = self.stall
        self.stall = None if self.flag is not None else self._stall_at(now)
        return before != self.stall

    def _stall_at(self, now: float) -> Health | None:
        last = self.last_report_at
        if last is None or self.intervals_seen < MIN_REPORTS - 1:
            return None
        median = self.median_interval()
        if median is None:
            return None
        settings = self.policy.settings
        silence = now - last
        if silence <= max(settings.stall_factor * median, settings.stall_floor_s):
            return None
        return Health(HealthRule.STALLED, stall_reason(silence, median))

    def note(self, health: object, reason: object) -> bool:
        """Take a change of health the driver recorded (it sees values the store cannot hold,
        such as NaN; its clock sees stalls); returns whether the trial's health changed. The
        first `nan` or `diverged` flag stays; a stall lasts until the next report, an "ok" or
        the watch's own `check_stall`."""
        if health == HEALTHY or self.flag is not None:
            changed = health == HEALTHY and self.stall is not None
            self.stall = None if health == HEALTHY else self.stall
            return changed
        if health not in HEALTH_RULES:
            return False
        flag = Health(HealthRule(str(health)), str(reason or health))
        if flag.rule is HealthRule.STALLED:
            changed, self.stall = flag != self.stall, flag
            return changed
        self.flag = flag
        return True

    def restart(self) -> None:
        """The trial restarts (resumed, or restored): watch for stalls from its next report."""
        self.last_report_at = None
        self.stall = None

    def end(self, rule: object = None) -> None:
        """The trial ended (stopped by `rule`, when a health rule stopped it): a stall it was
        stopped for stays as its flag, any other clears."""
        if self.flag is None and rule == HealthRule.STALLED and self.stall is not None:
            self.flag = self.stall
        elif self.flag is None and rule in HEALTH_RULES:
            self.flag = Health(HealthRule(str(rule)), f"{rule}: stopped by the rule")
        self.stall = None
        self.last_report_at = None
        # The stall rule watches running trials only: a restarted one starts counting afresh.
        self._intervals, self._median, self._median_of, self.intervals_seen = None, None, 0, 0


def stall_reason(silence: float, median: float) -> str:
    """ "stalled: no report for 2 min 10 s, 5× its median interval of 26.0 s"."""
    times = silence / median if median > 0 else _INF
    ratio = "many" if times == _INF else f"{times:.0f}" if times >= 10 else f"{times:.1f}"
    ratio = ratio.removesuffix(".0")
    interval = duration(median)
    return f"stalled: no report for {duration(silence)}, {ratio}× its median interval of {interval}"


def _nan(name: str, value: float, iteration: int | None) -> Health:
    return Health(HealthRule.NAN, f"nan: {name} was {value} at iteration {iteration}")


def _diverged(name: str, value: float, first: float, streak: int) -> Health:
    return Health(
        HealthRule.DIVERGED,
        f"diverged: {name} worse than its first report for {streak} reports in a row"
        f" (now {number(value)}, first {number(first)})",
    )
