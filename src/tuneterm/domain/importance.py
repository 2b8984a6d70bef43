"""Hyperparameter importance: which finished trials it rests on, how each hyperparameter becomes a
number, and the result as the dashboard and the journal show it.

The numbers come from `tuneterm.analysis.importance` (a random forest and permutation importance);
everything here is pure, so that the screens and the journal agree on what is counted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tuneterm.domain.config.space import Param, is_number
from tuneterm.domain.plots.axis import value_order
from tuneterm.domain.status import EndReason, TrialStatus

MIN_TRIALS = 8
"""Finished trials below which importance means nothing: "too few trials"."""
BAR_BLOCKS = " ▏▎▍▌▋▊▉█"
"""A bar's last cell, by eighths."""
RELIABLE_FIT = 0.2
"""Out-of-bag R² below which the shares mean nothing yet: the hyperparameters explain too little
of the metric for their split of it to be a finding (`Importance.warning`)."""
METHOD = (
    "a random forest's permutation importance (scikit-learn): each hyperparameter's mean drop in "
    "R² when its values are shuffled, negative drops counted as 0, normalised to sum to 100 %; "
    "a trial the scheduler stopped early counts with its best value before the stop"
)
"""How the shares are computed, in words, for the screen and the journal (`Importance.method`)."""

LOG = "log"
"""Scale of a log-uniform hyperparameter: encoded as log10(value)."""
NUMBER = "number"
"""Scale of another numeric hyperparameter: encoded as is."""
CATEGORY = "category"
"""Scale of a choice, grid, boolean or any other value: encoded as its ordinal code."""
_NUMERIC_KINDS = {"loguniform": LOG, "uniform": NUMBER, "quniform": NUMBER, "randint": NUMBER}


class FinishedTrial(Protocol):
    """What importance reads of a trial: both `TrialRow` and the store's `Trial` have it."""

    @property
    def config(self) -> dict[str, Any]: ...

    @property
    def status(self) -> TrialStatus: ...

    @property
    def reason(self) -> EndReason | None: ...

    @property
    def best_metric(self) -> float | None: ...


Sample = tuple[Mapping[str, Any], float]
"""One finished trial: its config and its best value of the sweep's first metric."""


@dataclass(frozen=True, slots=True)
class Importance:
    """Each hyperparameter's share of the variance of the metric explained, or why there is none."""

    metric: str
    shares: tuple[tuple[str, float], ...]
    """(hyperparameter, share in [0, 1]) by share, largest first; the shares sum to 1 (or are
    all 0 when no hyperparameter explains anything); empty when `reason` says why."""
    trials: int
    """The finished trials it rests on."""
    fit: float | None
    """The forest's out-of-bag R²: how much of the metric the hyperparameters explain at all."""
    reason: str = ""
    """Why there are no shares ("too few trials: 5 finished, 8 needed"); "" when there are."""

    @property
    def top(self) -> str | None:
        """The hyperparameter with the largest share, if any has one."""
        if not self.shares or self.shares[0][1] <= 0:
            return None
        return self.shares[0][0]

    @property
    def method(self) -> str:
        """How the shares are computed, in words (what each trial counts with included)."""
        return METHOD

    @property
    def reliable(self) -> bool:
        """Whether the shares may be read as a finding: there are some, and the forest's
        out-of-bag R² is at least `RELIABLE_FIT`."""
        return bool(self.shares) and self.fit is not None and self.fit >= RELIABLE_FIT

    @property
    def warning(self) -> str:
        """Why the shares are not meaningful yet, to say before them: "the hyperparameters
        explain little of accuracy so far (fit -0.17): shares are unreliable"; "" when they are
        (or when there are none: `reason` says why)."""
        if not self.shares or self.reliable:
            return ""
        if self.fit is None or not math.isfinite(self.fit):
            how_well = "the fit is unknown (too few trials out of bag)"
        else:
            how_well = f"the hyperparameters explain little of {self.metric} so far"
            how_well += f" (fit {self.fit:.2f})"
        return f"{how_well}: shares are unreliable"


def too_few(metric: str, finished: int) -> Importance:
    """The result for fewer than `MIN_TRIALS` finished trials."""
    reason = f"too few trials: {finished} finished, {MIN_TRIALS} needed"
    return Importance(metric, (), finished, None, reason)


def finished_samples(trials: Iterable[FinishedTrial]) -> list[Sample]:
    """The trials importance rests on: ended, not errored, with a finite best metric."""
    return [
        (trial.config, float(trial.best_metric))
        for trial in trials
        if trial.status is TrialStatus.ENDED
        and trial.reason is not EndReason.ERROR
        and trial.best_metric is not None
        and math.isfinite(trial.best_metric)
    ]


# -- encoding -------------------------------------------------------------------------------------


_MISSING = object()
"""A trial whose config lacks the hyperparameter: a category of its own."""


@dataclass(frozen=True, slots=True)
class Column:
    """How one hyperparameter becomes a number for the forest."""

    name: str
    scale: str
    """`LOG`, `NUMBER` or `CATEGORY`."""
    categories: tuple[Any, ...] = ()
    """`CATEGORY`: the values, in code order (0, 1, ...)."""

    def encode(self, config: Mapping[str, Any]) -> float:
        """The value of this hyperparameter in `config`, as the forest sees it."""
        value = config.get(self.name, _MISSING)
        if self.scale == LOG:
            return math.log10(value)
        if self.scale == NUMBER:
            return float(value)
        return float(_code(self.categories, value))


def _code(categories: tuple[Any, ...], value: Any) -> int:
    for index, known in enumerate(categories):
        if _same(known, value):
            return index
    return len(categories)


def _same(left: Any, right: Any) -> bool:
    # Keeps True apart from 1, and compares what it cannot compare by its text.
    if type(left) is not type(right):
        return False
    try:
        return bool(left == right)
    except Exception:
        return repr(left) == repr(right)


def columns(
    params: Sequence[Param] | None, names: Sequence[str], samples: Sequence[Sample]
) -> tuple[Column, ...]:
    """One column per tuned hyperparameter: from the search space when there is one, else from
    `names` (or, when empty, the config keys whose values differ), by the values seen."""
    if params is not None:
        return tuple(_from_space(param, samples) for param in params if param.is_tuned)
    chosen = list(names) or _differing(samples)
    return tuple(
        _from_values(name, [config.get(name, _MISSING) for config, _ in samples]) for name in chosen
    )


def _from_space(param: Param, samples: Sequence[Sample]) -> Column:
    values = [config.get(param.name, _MISSING) for config, _ in samples]
    scale = _NUMERIC_KINDS.get(param.kind)
    if scale is not None and all(_fits(scale, value) for value in values):
        return Column(param.name, scale)
    listed = param.values if param.kind in ("choice", "grid") else ()
    return Column(param.name, CATEGORY, _categories(listed, values))


def _from_values(name: str, values: Sequence[Any]) -> Column:
    if values and all(_fits(NUMBER, value) for value in values):
        return Column(name, NUMBER)
    return Column(name, CATEGORY, _categories((), values))


def _fits(scale: str, value: Any) -> bool:
    if not is_number(value) or not math.isfinite(value):
        return False
    return scale != LOG or value > 0


def _categories(listed: Sequence[Any], seen: Iterable[Any]) -> tuple[Any, ...]:
    """The listed values, numbers in increasing order, then any other value seen, in the order
    of `_value_order`: the codes keep the order the values have, where they have one."""
    known: list[Any] = []
    for value in [*listed, *sorted(seen, key=_value_order)]:
        if not any(_same(value, other) for other in known):
            known.append(value)
    if known and all(_fits(NUMBER, value) for value in known):
        known.sort()
    return tuple(known)


def _value_order(value: Any) -> tuple[int, float, str]:
    """The plots' order of values (`value_order`), a missing value last."""
    return (3, 0.0, "") if value is _MISSING else value_order(value)


def _differing(samples: Sequence[Sample]) -> list[str]:
    names: dict[str, None] = {}
    for config, _ in samples:
        names.update(dict.fromkeys(config))
    return [name for name in names if len({repr(c.get(name, _MISSING)) for c, _ in samples}) > 1]


def design(
    samples: Sequence[Sample], chosen: Sequence[Column]
) -> tuple[list[list[float]], list[float]]:
    """The forest's input: one row of encoded hyperparameters per sample, and the metric."""
    rows = [[column.encode(config) for column in chosen] for config, _ in samples]
    return rows, [value for _, value in samples]


def shares_of(names: Sequence[str], drops: Sequence[float]) -> tuple[tuple[str, float], ...]:
    """Each name's share of the positive drops, largest first (ties by name's position)."""
    clipped = [max(0.0, drop) if math.isfinite(drop) else 0.0 for drop in drops]
    total = sum(clipped)
    shares = [
        (name, drop / total if total > 0 else 0.0)
        for name, drop in zip(names, clipped, strict=True)
    ]
    order = sorted(range(len(shares)), key=lambda index: -shares[index][1])
    return tuple(shares[index] for index in order)


# -- as text --------------------------------------------------------------------------------------


def bar(share: float, width: int) -> str:
    """`share` of `width` cells as full blocks and one partial block (eighths)."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (BAR_BLOCKS[rest] if rest else "")


def percent(share: float) -> str:
    """A share as "72.4 %"."""
    return f"{share * 100:.1f} %"


def fit_text(fit: float | None) -> str:
    """What the forest's out-of-bag R² says, in a few words."""
    if fit is None or not math.isfinite(fit):
        return "fit unknown (too few trials out of bag)"
    return f"out-of-bag R² {fit:.2f}" + (
        " (the hyperparameters explain little)" if fit < RELIABLE_FIT else ""
    )


def summary(result: Importance) -> str:
    """One line: what the shares rest on, or why there are none; led by the warning when the
    shares are not meaningful yet (a screen showing it need not show `warning` again)."""
    if result.reason:
        return result.reason
    if result.warning:  # it names the fit: said first, as what matters most
        return f"{result.warning}; from {result.trials} finished trials"
    return f"from {result.trials} finished trials; {fit_text(result.fit)}"
