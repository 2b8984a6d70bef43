"""Two figures some sweeps have: hyperparameter importance as bars (once enough trials finished,
domain.importance), and the Pareto front when the sweep weighs several metrics (domain.pareto)."""

from __future__ import annotations

from collections.abc import Sequence

from tuneterm.domain.figures.plan import (
    MUTED,
    PALETTE,
    FigureInput,
    FigureKind,
    FigurePlan,
    Look,
    PlotSeries,
    slug,
)
from tuneterm.domain.importance import Importance
from tuneterm.domain.pareto import pareto_front
from tuneterm.domain.text import one_line

MOST_PAIRS = 3
"""Pareto figures at most: the first metric against each of the next ones."""
BETTER = {"max": "higher is better", "min": "lower is better"}


def importance_plan(data: FigureInput) -> FigurePlan | None:
    """Bars of each hyperparameter's share, largest on top; None until there are shares."""
    result: Importance | None = data.importance
    if result is None or not result.shares:
        return None
    names = [name for name, _ in reversed(result.shares)]
    shares = [share * 100.0 for _, share in reversed(result.shares)]
    positions = tuple(float(index) for index in range(len(names)))
    bars = PlotSeries("share", positions, tuple(shares), PALETTE[0], Look.BARS)
    title = f"importance for {result.metric}, from {result.trials} finished trials"
    if result.warning:  # the bars are no finding yet: the figure says so where it is seen
        fit = "" if result.fit is None else f" (fit {result.fit:.2f})"
        title += f" - unreliable so far{fit}"
    return FigurePlan(
        name="importance",
        title=one_line(title, 200),
        kind=FigureKind.BARS,
        series=(bars,),
        x_label="share of the variance explained (%)",
        x_ticks=tuple(
            (position, one_line(name, 40)) for position, name in zip(positions, names, strict=True)
        ),
    )


def pareto_plans(data: FigureInput) -> list[FigurePlan]:
    """The first metric against each further one (up to `MOST_PAIRS`), the front highlighted;
    none for a sweep with a single metric."""
    objectives = data.objectives
    if len(objectives) < 2:
        return []
    modes = [mode for _, mode in objectives]
    points = [(trial_id, tuple(values)) for trial_id, values in data.finals.items()]
    front = set(pareto_front(points, modes))
    return [
        _pareto_pair(data, points, front, other)
        for other in range(1, min(len(objectives), MOST_PAIRS + 1))
    ]


def _pareto_pair(
    data: FigureInput,
    points: Sequence[tuple[str, Sequence[float]]],
    front: set[str],
    other: int,
) -> FigurePlan:
    (x_name, x_mode), (y_name, y_mode) = data.objectives[0], data.objectives[other]
    rest = [(v[0], v[other]) for trial_id, v in points if trial_id not in front]
    best = sorted((v[0], v[other]) for trial_id, v in points if trial_id in front)
    whole = len(data.objectives) == 2
    label = "on the Pareto front" if whole else f"on the front of all {len(data.objectives)}"
    series = [
        PlotSeries("other trials", *_columns(rest), MUTED),
        PlotSeries(one_line(label, 80), *_columns(best), PALETTE[3], Look.POINTS, True),
    ]
    if whole and len(best) > 1:
        series.append(PlotSeries(series[1].label, *_columns(best), PALETTE[3], Look.LINE, True))
    return FigurePlan(
        name=slug("pareto", x_name, y_name),
        title=one_line(f"Pareto front: {x_name} and {y_name}", 200),
        kind=FigureKind.PARETO,
        series=tuple(series),
        x_label=one_line(f"{x_name} ({BETTER.get(x_mode, x_mode)})", 80),
        y_label=one_line(f"{y_name} ({BETTER.get(y_mode, y_mode)})", 80),
    )


def _columns(pairs: Sequence[tuple[float, float]]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return tuple(x for x, _ in pairs), tuple(y for _, y in pairs)
