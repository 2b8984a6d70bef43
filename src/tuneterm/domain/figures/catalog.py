"""Every figure the journal shows, planned from one `FigureInput`: the hypotheses' pictures, the
learning curves, parallel coordinates, importance bars and Pareto fronts.

A planner that fails costs only its own figures: `plan_figures` returns what it could plan and
one line per planner that failed, which the journal shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tuneterm.domain.figures.curves import curves_plan
from tuneterm.domain.figures.extras import importance_plan, pareto_plans
from tuneterm.domain.figures.parallel import parallel_plan
from tuneterm.domain.figures.plan import FigureInput, FigurePlan
from tuneterm.domain.figures.scatter import hypothesis_plans
from tuneterm.domain.text import one_line

Planner = Callable[[FigureInput], Sequence[FigurePlan]]


def _one(planner: Callable[[FigureInput], FigurePlan | None]) -> Planner:
    def planned(data: FigureInput) -> Sequence[FigurePlan]:
        plan = planner(data)
        return [plan] if plan is not None else []

    return planned


def _parallel(data: FigureInput) -> FigurePlan | None:
    return parallel_plan(data) if data.params else None


PLANNERS: tuple[tuple[str, Planner], ...] = (
    ("the hypotheses' figures", hypothesis_plans),
    ("learning curves", _one(curves_plan)),
    ("parallel coordinates", _one(_parallel)),
    ("hyperparameter importance", _one(importance_plan)),
    ("Pareto front", pareto_plans),
)
"""What each planner draws, in words, and the planner, in the journal's order."""


def plan_figures(
    data: FigureInput, planners: Sequence[tuple[str, Planner]] = PLANNERS
) -> tuple[list[FigurePlan], list[tuple[str, str]]]:
    """The plans, and (what, why) for each planner that failed."""
    plans: list[FigurePlan] = []
    failed: list[tuple[str, str]] = []
    for what, planner in planners:
        try:
            plans += planner(data)
        except Exception as exc:
            failed.append((what, one_line(f"{type(exc).__name__}: {exc}", 300)))
    return plans, failed
