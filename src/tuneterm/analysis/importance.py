"""Hyperparameter importance with scikit-learn: a random forest fitted to the finished trials, and
each hyperparameter's permutation importance (the drop in R² when its values are shuffled).

Chosen over Optuna's fANOVA: scikit-learn is already a dependency, fANOVA builds on the same kind
of forest, and with a seed the result is the same every time. 1,000 trials of 8 hyperparameters
take well under a second (bench/importance.py). Imported only where importance is computed: a
dashboard's worker thread, the journal.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Sequence

from tuneterm.domain.config.space import Param
from tuneterm.domain.importance import (
    MIN_TRIALS,
    FinishedTrial,
    Importance,
    columns,
    design,
    finished_samples,
    shares_of,
    too_few,
)

TREES = 64
"""Trees in the forest: more change the shares by well under a percent and cost time."""
MIN_LEAF = 2
"""Samples per leaf: deeper trees predict more slowly and memorise the noise."""
REPEATS = 5
"""Shuffles per hyperparameter, averaged."""

_last: tuple[tuple[object, ...], Importance] | None = None
"""The last computation and its inputs: a journal re-rendered with no trial finished since
reuses it."""
_last_lock = threading.Lock()


def importance(
    trials: Iterable[FinishedTrial],
    params: Sequence[Param] | None,
    metric: str,
    *,
    names: Sequence[str] = (),
    seed: int = 0,
) -> Importance:
    """Each tuned hyperparameter's share of the variance of `metric` (each finished trial's best
    value of the sweep's first metric) explained. `params` is the search space; without one
    (a plain Ray Tune directory), `names` are the tuned hyperparameters, typed by their values."""
    samples = finished_samples(trials)
    if len(samples) < MIN_TRIALS:
        return too_few(metric, len(samples))
    chosen = columns(params, names, samples)
    if not chosen:
        return Importance(metric, (), len(samples), None, "no tuned hyperparameter")
    rows, values = design(samples, chosen)
    key = (metric, seed, tuple(column.name for column in chosen), _frozen(rows), tuple(values))
    global _last
    with _last_lock:
        if _last is not None and _last[0] == key:
            return _last[1]
    result = _computed(metric, [column.name for column in chosen], rows, values, seed)
    with _last_lock:
        _last = (key, result)
    return result


def _frozen(rows: list[list[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(row) for row in rows)


def _computed(
    metric: str, names: list[str], rows: list[list[float]], values: list[float], seed: int
) -> Importance:
    if max(values) == min(values):
        reason = f"every one of the {len(values)} finished trials has the same {metric}"
        return Importance(metric, (), len(values), None, reason)
    drops, fit = forest_drops(rows, values, seed)
    return Importance(metric, shares_of(names, drops), len(values), fit)


def forest_drops(
    rows: list[list[float]], values: list[float], seed: int
) -> tuple[list[float], float | None]:
    """Each column's mean drop in R² when shuffled, and the forest's out-of-bag R²."""
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    features, target = np.asarray(rows, dtype=float), np.asarray(values, dtype=float)
    forest = RandomForestRegressor(
        n_estimators=TREES, min_samples_leaf=MIN_LEAF, oob_score=True, random_state=seed, n_jobs=1
    )
    with warnings.catch_warnings():
        # A handful of trials leaves some out of every bag: sklearn warns, and the fit is rough.
        warnings.simplefilter("ignore", UserWarning)
        forest.fit(features, target)
    drops = permutation_importance(
        forest, features, target, scoring="r2", n_repeats=REPEATS, random_state=seed, n_jobs=1
    )
    fit = float(forest.oob_score_)
    return [float(drop) for drop in drops.importances_mean], fit if np.isfinite(fit) else None
