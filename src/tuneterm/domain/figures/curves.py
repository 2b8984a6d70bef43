"""The trials' learning curves, coloured by how each trial ended, the best one on top, with dotted
lines at the scheduler's rungs: ASHA's configured milestones and the iterations at which trials
were in fact stopped."""

from __future__ import annotations

import math

from tuneterm.domain.figures.plan import BEST, FigureInput, FigureKind, FigurePlan, Look
from tuneterm.domain.figures.plan import PlotSeries as Series
from tuneterm.domain.hypotheses.evidence import TrialCurve
from tuneterm.domain.sweep.rows import category_of
from tuneterm.domain.sweep.rungs import rung_iterations
from tuneterm.domain.text import format_value, one_line
from tuneterm.domain.trial import Trial

MOST_CURVES = 100
"""Curves drawn at most: the best trials'."""
MOST_POINTS = 400
"""Points per curve at most (every n-th iteration beyond)."""

CATEGORY_LOOKS: dict[str, tuple[str, str]] = {
    "running": ("running", "#17becf"),
    "completed": ("completed", "#2ca02c"),
    "scheduler": ("stopped by the scheduler", "#ff7f0e"),
    "user": ("stopped by the user", "#1f77b4"),
    "rule": ("stopped by a health rule", "#e377c2"),
    "error": ("errored", "#d62728"),
    "interrupted": ("interrupted", "#9467bd"),
}
"""A curve's legend label and colour, by the trial's category."""
OTHER_LOOK = ("pending or paused", "#7f7f7f")


def curves_plan(data: FigureInput) -> FigurePlan:
    """Up to `MOST_CURVES` learning curves (the best trials'), the best drawn last, in black."""
    by_id = {trial.trial_id: trial for trial in data.trials}
    shown = _best_first(data, [curve for curve in data.curves if curve.trial_id in by_id])
    series = [_series(curve, by_id[curve.trial_id]) for curve in reversed(shown[1:])]
    if shown:
        best = shown[0]
        xs, ys = _thinned(best)
        label = one_line(f"best ({best.trial_id})", 80)
        series.append(Series(label, xs, ys, BEST, Look.LINE, emphasis=True))
    marks = sorted({*data.milestones, *map(float, rung_iterations(data.trials))})
    title = f"{data.metric} per iteration"
    if len(shown) < len(data.curves):
        title += f" (the best {len(shown)} of {len(data.curves)} trials)"
    return FigurePlan(
        name="learning-curves",
        title=one_line(title, 200),
        kind=FigureKind.CURVES,
        series=tuple(series),
        x_label="iteration",
        y_label=one_line(data.metric, 80),
        x_marks=tuple(marks),
        x_marks_label=("rungs at " + ", ".join(format_value(m) for m in marks)) if marks else "",
    )


def _best_first(data: FigureInput, curves: list[TrialCurve]) -> list[TrialCurve]:
    sign = -1.0 if data.mode == "max" else 1.0

    def key(curve: TrialCurve) -> float:
        values = [sign * value for value in curve.values if math.isfinite(value)]
        return min(values, default=math.inf)

    return sorted(curves, key=key)[:MOST_CURVES]


def _series(curve: TrialCurve, trial: Trial) -> Series:
    label, colour = CATEGORY_LOOKS.get(category_of(trial.status, trial.reason), OTHER_LOOK)
    xs, ys = _thinned(curve)
    return Series(label, xs, ys, colour, Look.LINE)


def _thinned(curve: TrialCurve) -> tuple[tuple[float, ...], tuple[float, ...]]:
    step = max(1, math.ceil(len(curve.values) / MOST_POINTS))
    pairs = [
        (float(iteration), value)
        for iteration, value in list(zip(curve.iterations, curve.values, strict=True))[::step]
        if math.isfinite(value)
    ]
    return tuple(x for x, _ in pairs), tuple(y for _, y in pairs)
