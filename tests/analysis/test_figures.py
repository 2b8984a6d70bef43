"""The journal's figures: what each plan shows (pure, domain.figures), and the matplotlib renderer
drawing every kind of plan into a PNG that Pillow opens."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import pytest
from PIL import Image

from tuneterm.analysis.figures import DPI, SIZE, render_png
from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.figures.catalog import PLANNERS, plan_figures
from tuneterm.domain.figures.curves import curves_plan
from tuneterm.domain.figures.extras import importance_plan, pareto_plans
from tuneterm.domain.figures.manifest import (
    DrawnFigure,
    FigureManifest,
    manifest_json,
    read_manifest,
)
from tuneterm.domain.figures.parallel import SHADES, parallel_plan
from tuneterm.domain.figures.plan import (
    BEST,
    PALETTE,
    FigureInput,
    FigureKind,
    FigurePlan,
    Look,
    slug,
)
from tuneterm.domain.figures.scatter import JITTER, hypothesis_plans
from tuneterm.domain.hypotheses.evidence import TrialCurve
from tuneterm.domain.importance import Importance
from tuneterm.domain.status import EndReason, TrialStatus
from tuneterm.domain.sweep.rungs import asha_milestones, rung_iterations
from tuneterm.domain.trial import Trial

BATCH_NORM = Param("batch_norm", "grid", (True, False))
LR = Param("lr", "loguniform", (1e-4, 1e-1))
HYPOTHESES = (
    Hypothesis("H1", "Batch normalisation improves accuracy", "batch_norm", True),
    Hypothesis("H2", "Lower learning rates are safer", "lr", "lower"),
)
# trial id: (batch_norm, lr, last accuracy)
BATCH_NORM_LR: dict[str, tuple[bool, float, float | None]] = {
    "a": (True, 1e-3, 0.95),
    "b": (False, 1e-3, 0.90),
    "c": (True, 5e-2, 0.85),
    "d": (False, 5e-2, 0.10),
    "e": (True, 2e-4, 0.70),
    "f": (False, 2e-4, None),  # reported nothing yet: no point
}


def trial(trial_id: str, config: dict[str, Any], last: float | None, **fields: Any) -> Trial:
    fields.setdefault("status", TrialStatus.ENDED)
    fields.setdefault("reason", EndReason.COMPLETED)
    return Trial(trial_id, config, last_metric=last, best_metric=last, **fields)


def batch_norm_lr(**changes: Any) -> FigureInput:
    trials = tuple(
        trial(trial_id, {"batch_norm": bn, "lr": lr}, last)
        for trial_id, (bn, lr, last) in BATCH_NORM_LR.items()
    )
    values: dict[str, Any] = {
        "metric": "accuracy",
        "mode": "max",
        "params": (BATCH_NORM, LR),
        "hypotheses": HYPOTHESES,
        "trials": trials,
        "curves": (),
        **changes,
    }
    return FigureInput(**values)


def points(plan: FigurePlan, label: str) -> set[tuple[float, float]]:
    [series] = [series for series in plan.series if series.label == label]
    return set(zip(series.xs, series.ys, strict=True))


# The hypotheses' picture -----------------------------------------------------------------------


def test_batch_norm_by_lr_is_one_figure_with_a_series_per_batch_norm_value() -> None:
    [plan] = hypothesis_plans(batch_norm_lr())
    assert plan.hypotheses == ("H1", "H2"), "both hypotheses ask for the same picture"
    assert plan.kind is FigureKind.SCATTER and plan.log_x, "lr is log-uniform"
    assert plan.title == "accuracy against lr, by batch_norm"
    assert plan.name == "accuracy-vs-lr-by-batch_norm"
    assert [s.label for s in plan.series] == ["batch_norm=False", "batch_norm=True"]
    assert points(plan, "batch_norm=False") == {(1e-3, 0.90), (5e-2, 0.10)}
    assert points(plan, "batch_norm=True") == {(1e-3, 0.95), (5e-2, 0.85), (2e-4, 0.70)}
    # Without batch norm in blue, with it in green, as in the hand-written journals.
    assert [s.colour for s in plan.series] == [PALETTE[0], PALETTE[1]]
    assert plan.series_counts == (("batch_norm=False", 2), ("batch_norm=True", 3))


def test_a_numeric_grid_spanning_two_decades_gets_a_log_axis_without_colour() -> None:
    data = batch_norm_lr(
        params=(Param("lr", "grid", (1e-4, 1e-3, 1e-1)),),
        hypotheses=(HYPOTHESES[1],),
        trials=(trial("a", {"lr": 1e-4}, 0.5), trial("b", {"lr": 1e-1}, 0.7)),
    )
    [plan] = hypothesis_plans(data)
    assert plan.log_x and [s.label for s in plan.series] == ["trials"]
    assert points(plan, "trials") == {(1e-4, 0.5), (1e-1, 0.7)}
    narrow = batch_norm_lr(
        params=(Param("width", "grid", (16, 64)),),
        hypotheses=(Hypothesis("H1", "wider is better", "width", "higher"),),
        trials=(trial("a", {"width": 16}, 0.5), trial("b", {"width": 64}, 0.7)),
    )
    assert not hypothesis_plans(narrow)[0].log_x


def test_a_categorical_hyperparameter_alone_is_a_strip_by_category() -> None:
    optimizer = Param("optimizer", "choice", ("sgd", "adam"))
    configs = ["adam", "sgd", "adam", "adam"]
    data = FigureInput(
        metric="loss",
        mode="min",
        params=(optimizer,),
        hypotheses=(Hypothesis("H1", "adam is better", "optimizer", "adam"),),
        trials=tuple(
            trial(f"t{i}", {"optimizer": name}, 1.0 + i) for i, name in enumerate(configs)
        ),
        curves=(),
    )
    [plan] = hypothesis_plans(data)
    assert plan.x_ticks == ((0.0, "adam"), (1.0, "sgd"))
    [series] = plan.series
    adam = [x for x, y in zip(series.xs, series.ys, strict=True) if y in (1.0, 3.0, 4.0)]
    assert all(abs(x) <= 3 * JITTER for x in adam) and len(set(adam)) == 3, "spread apart"
    sgd = [x for x, y in zip(series.xs, series.ys, strict=True) if y == 2.0]
    assert len(sgd) == 1 and abs(sgd[0] - 1.0) <= 3 * JITTER


# Learning curves and rungs ---------------------------------------------------------------------


def test_asha_milestones_follow_rays_single_bracket() -> None:
    # Ray 2.60: grace * rf^k for k < int(log(max_t / grace) / log(rf) + 1); max_t itself is the end.
    assert asha_milestones(1, 4, 2) == (1.0, 2.0)
    assert asha_milestones(1, 10, 3) == (1.0, 3.0, 9.0)
    assert asha_milestones(2, 100, 4) == (2.0, 8.0, 32.0)
    assert asha_milestones(5, 5, 3) == ()


def test_learning_curves_mark_the_rungs_and_draw_the_best_last() -> None:
    trials = (
        trial("a", {}, 0.9),
        trial("b", {}, 0.3, reason=EndReason.SCHEDULER, stop_iteration=3),
        trial("c", {}, 0.5, status=TrialStatus.RUNNING, reason=None),
        trial("d", {}, 0.2, reason=EndReason.ERROR),
    )
    curves = (
        TrialCurve("a", {}, (1, 2, 3, 4), (0.5, 0.7, 0.8, 0.9)),
        TrialCurve("b", {}, (1, 2, 3), (0.2, 0.3, 0.3)),
        TrialCurve("c", {}, (1, 2), (0.4, 0.5)),
        TrialCurve("d", {}, (1,), (math.nan,)),
    )
    data = batch_norm_lr(trials=trials, curves=curves, milestones=(1.0, 2.0))
    plan = curves_plan(data)
    assert plan.kind is FigureKind.CURVES
    assert plan.x_marks == (1.0, 2.0, 3.0), "configured milestones and where ASHA cut"
    assert plan.x_marks_label == "rungs at 1, 2, 3"
    best = plan.series[-1]
    assert best.label == "best (a)" and best.colour == BEST and best.emphasis
    assert best.ys == (0.5, 0.7, 0.8, 0.9)
    labels = {series.label: series.xs for series in plan.series[:-1]}
    assert labels == {
        "errored": (),  # its only value is not finite
        "running": (1.0, 2.0),
        "stopped by the scheduler": (1.0, 2.0, 3.0),
    }
    assert rung_iterations(trials) == [3]


# Parallel coordinates --------------------------------------------------------------------------


def test_parallel_coordinates_scale_each_axis_and_shade_by_the_metric() -> None:
    plan = parallel_plan(batch_norm_lr())
    assert [axis.name for axis in plan.axes] == ["batch_norm", "lr", "accuracy"]
    assert [axis.log for axis in plan.axes] == [False, True, False]
    assert plan.axes[0].ticks == ((0.0, "false"), (1.0, "true"))
    assert plan.axes[1].ticks == ((0.0, "0.0002"), (1.0, "0.05"))
    assert len(plan.series) == 5, "the trial without a metric has no line"
    best = plan.series[-1]  # drawn last, on top
    assert best.emphasis and best.colour == SHADES[-1]
    # a: batch_norm true, lr 1e-3 (log position between 2e-4 and 5e-2), accuracy best.
    expected_lr = (math.log10(1e-3) - math.log10(2e-4)) / (math.log10(5e-2) - math.log10(2e-4))
    assert best.xs == (0.0, 1.0, 2.0)
    assert best.ys == pytest.approx((1.0, expected_lr, 1.0))
    worst = plan.series[0]
    assert not worst.emphasis and worst.colour == SHADES[0] and worst.ys[-1] == 0.0
    assert sum(series.emphasis for series in plan.series) == 3


# Importance and the Pareto front ---------------------------------------------------------------


def test_importance_bars_once_there_are_shares() -> None:
    result = Importance("accuracy", (("lr", 0.8), ("batch_norm", 0.2)), 12, 0.7)
    plan = importance_plan(batch_norm_lr(importance=result))
    assert plan is not None and plan.kind is FigureKind.BARS
    assert plan.x_ticks == ((0.0, "batch_norm"), (1.0, "lr")), "the largest share on top"
    assert plan.series[0].ys == pytest.approx((20.0, 80.0))
    assert plan.title == "importance for accuracy, from 12 finished trials"
    too_few = Importance("accuracy", (), 5, None, "too few trials: 5 finished, 8 needed")
    assert importance_plan(batch_norm_lr(importance=too_few)) is None
    assert importance_plan(batch_norm_lr()) is None
    poor = Importance("accuracy", (("lr", 0.969), ("batch_norm", 0.031)), 8, -0.17)
    plan = importance_plan(batch_norm_lr(importance=poor))
    assert plan is not None and plan.title.endswith(" - unreliable so far (fit -0.17)")


def test_the_pareto_figure_highlights_the_hand_computed_front() -> None:
    objectives = (("accuracy", "max"), ("latency", "min"))
    finals = {
        "a": (0.9, 30.0),  # front: the most accurate
        "b": (0.8, 10.0),  # front: faster than a
        "c": (0.7, 20.0),  # dominated by b
        "d": (0.6, 5.0),  # front: the fastest
    }
    [plan] = pareto_plans(batch_norm_lr(objectives=objectives, finals=finals))
    assert plan.kind is FigureKind.PARETO and plan.name == "pareto-accuracy-latency"
    assert points(plan, "other trials") == {(0.7, 20.0)}
    front = [s for s in plan.series if s.label == "on the Pareto front"]
    assert [s.look for s in front] == [Look.POINTS, Look.LINE]
    assert front[1].xs == (0.6, 0.8, 0.9) and front[1].ys == (5.0, 10.0, 30.0)
    assert plan.y_label == "latency (lower is better)"
    assert pareto_plans(batch_norm_lr()) == [], "a single metric has no front to draw"


# The catalog and the manifest ------------------------------------------------------------------


def test_a_failing_planner_costs_only_its_own_figures() -> None:
    def broken(data: FigureInput) -> Sequence[FigurePlan]:
        raise ValueError("no such axis")

    planners = (*PLANNERS[:1], ("learning curves", broken), *PLANNERS[2:])
    plans, failed = plan_figures(batch_norm_lr(), planners)
    assert failed == [("learning curves", "ValueError: no such axis")]
    assert [plan.name for plan in plans] == ["accuracy-vs-lr-by-batch_norm", "parallel-coordinates"]


def test_the_manifest_reads_back_what_was_written() -> None:
    figure = DrawnFigure("n", "t", "n.png", None, ("H1",), (("batch_norm=True", 3),))
    failed = DrawnFigure("m", "u", None, "RuntimeError: boom")
    manifest = FigureManifest(1.5, 42, 6, (figure, failed))
    assert read_manifest(manifest_json(manifest)) == manifest
    assert read_manifest({"format": 99}) is None
    assert read_manifest({"format": 1, "figures": [3]}) is None
    assert read_manifest("not a manifest") is None


def test_file_names_are_safe_and_distinct() -> None:
    assert slug("accuracy", "vs", "lr") == "accuracy-vs-lr"
    odd = slug("acc", "vs", "../../x y")
    assert odd.startswith("acc-vs-_x_y-") and "/" not in odd
    assert slug("a b") != slug("a_b") and slug("a b") != slug("a/b")


# Drawing ---------------------------------------------------------------------------------------


def every_kind() -> list[FigurePlan]:
    curves = (TrialCurve("a", {}, (1, 2), (0.5, 0.95)), TrialCurve("b", {}, (1,), (0.9,)))
    data = batch_norm_lr(
        curves=curves,
        milestones=(1.0,),
        importance=Importance("accuracy", (("lr", 0.7), ("batch_norm", 0.3)), 9, 0.5),
        objectives=(("accuracy", "max"), ("loss", "min")),
        finals={"a": (0.95, 0.1), "b": (0.9, 0.05), "c": (0.85, 0.3)},
    )
    plans, failed = plan_figures(data)
    assert not failed
    return plans


def test_every_kind_of_plan_draws_a_png_pillow_opens() -> None:
    plans = every_kind()
    assert {plan.kind for plan in plans} == set(FigureKind)
    for plan in plans:
        image = Image.open(io.BytesIO(render_png(plan)))
        assert image.format == "PNG"
        assert image.size == (round(SIZE[0] * DPI), round(SIZE[1] * DPI))


def test_text_from_the_config_is_drawn_as_written() -> None:
    # A "$" pair would otherwise be read as mathematics, and a bad one would fail the figure.
    plan = FigurePlan("odd", r"cost in $ and $\frac$", FigureKind.SCATTER, (), "x", "y")
    empty = Image.open(io.BytesIO(render_png(plan)))
    assert empty.format == "PNG"
    [drawn] = hypothesis_plans(batch_norm_lr())
    odd = FigurePlan(drawn.name, r"$\undefined{$", drawn.kind, drawn.series, r"\$x$", "$")
    assert Image.open(io.BytesIO(render_png(odd))).format == "PNG"
