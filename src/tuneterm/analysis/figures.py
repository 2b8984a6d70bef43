"""The journal's figures drawn with matplotlib (Agg, PNG): a thin translation of a `FigurePlan`
(domain.figures.plan), which has already decided every series, colour and axis.

Imported only by the figure process (storage.figure_job): never by the driver or a dashboard.
No pyplot and no backend switch: each figure is a `Figure` on an Agg canvas of its own, so nothing
global is touched.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tuneterm.domain.figures.plan import FigureKind, FigurePlan, Look, PlotSeries

SIZE = (7.5, 4.6)
"""Inches; at `DPI` a figure is 750 × 460 pixels, readable in a Markdown preview."""
DPI = 100
NO_LEGEND = "_nolegend_"


def render_png(plan: FigurePlan) -> bytes:
    """The figure of `plan` as PNG bytes."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(text(plan.title), fontsize=11)
    if not any(series.xs for series in plan.series):
        _empty(axes)
    else:
        DRAWERS[plan.kind](axes, plan)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def text(value: str) -> str:
    """Untrusted text as matplotlib shows it literally: a "$" would start mathematics."""
    return value.replace("$", r"\$")


def _empty(axes: Axes) -> None:
    axes.text(0.5, 0.5, "nothing to show yet", ha="center", va="center", color="0.4")
    axes.set_axis_off()


def _labels(plan: FigurePlan) -> list[str]:
    """One legend entry per distinct label; series without a label get none."""
    seen: set[str] = set()
    labels = []
    for series in plan.series:
        fresh = bool(series.label) and series.label not in seen
        seen.add(series.label)
        labels.append(text(series.label) if fresh else NO_LEGEND)
    return labels


def _axis_labels(axes: Axes, plan: FigurePlan) -> None:
    axes.set_xlabel(text(plan.x_label))
    axes.set_ylabel(text(plan.y_label))
    axes.grid(True, alpha=0.3)


def _legend(axes: Axes, labels: list[str]) -> None:
    if any(label != NO_LEGEND for label in labels):
        axes.legend(fontsize=8, loc="best", framealpha=0.8)


def _points(axes: Axes, series: PlotSeries, label: str) -> None:
    size = 60 if series.emphasis else 30
    axes.scatter(series.xs, series.ys, s=size, color=series.colour, alpha=0.85, label=label)


def _line(axes: Axes, series: PlotSeries, label: str) -> None:
    width, alpha = (2.2, 1.0) if series.emphasis else (1.0, 0.6)
    marker = "o" if len(series.xs) == 1 else None  # a line of one point shows nothing
    axes.plot(
        series.xs,
        series.ys,
        color=series.colour,
        lw=width,
        alpha=alpha,
        label=label,
        marker=marker,
        markersize=4,
    )


def _scatter(axes: Axes, plan: FigurePlan) -> None:
    labels = _labels(plan)
    for series, label in zip(plan.series, labels, strict=True):
        (_line if series.look is Look.LINE else _points)(axes, series, label)
    if plan.log_x:
        axes.set_xscale("log")
    if plan.x_ticks:
        axes.set_xticks([at for at, _ in plan.x_ticks], [text(name) for _, name in plan.x_ticks])
    _axis_labels(axes, plan)
    _legend(axes, labels)


def _curves(axes: Axes, plan: FigurePlan) -> None:
    labels = _labels(plan)
    for series, label in zip(plan.series, labels, strict=True):
        _line(axes, series, label)
    for index, mark in enumerate(plan.x_marks):
        name = text(plan.x_marks_label) if index == 0 and plan.x_marks_label else NO_LEGEND
        axes.axvline(mark, color="0.35", linestyle=":", lw=1.2, label=name)
        labels.append(name)
    _axis_labels(axes, plan)
    _legend(axes, labels)


def _bars(axes: Axes, plan: FigurePlan) -> None:
    bars = plan.series[0]
    axes.barh(bars.xs, bars.ys, color=bars.colour)
    axes.set_yticks([at for at, _ in plan.x_ticks], [text(name) for _, name in plan.x_ticks])
    for position, value in zip(bars.xs, bars.ys, strict=True):
        axes.text(value, position, f" {value:.1f} %", va="center", fontsize=8)
    axes.set_xlabel(text(plan.x_label))
    axes.set_xlim(0, max(100.0, *bars.ys) * 1.12)
    axes.grid(True, axis="x", alpha=0.3)


def _parallel(axes: Axes, plan: FigurePlan) -> None:
    for series in plan.series:
        _line(axes, series, NO_LEGEND)  # the colour is the metric: `shade_label` says so
    for position, axis in enumerate(plan.axes):
        axes.axvline(position, color="0.2", lw=0.8)
        for at, name in axis.ticks:
            axes.text(position + 0.03, at, text(name), fontsize=7, va="center", color="0.15")
    names = [text(axis.name) + (" (log)" if axis.log else "") for axis in plan.axes]
    axes.set_xticks(range(len(plan.axes)), names, fontsize=8)
    axes.set_yticks([])
    axes.set_ylim(-0.05, 1.05)
    axes.set_xlim(-0.2, max(len(plan.axes) - 1, 1) + 0.4)
    if plan.shade_label:
        axes.set_xlabel(text(plan.shade_label), fontsize=8)


DRAWERS: dict[FigureKind, Callable[[Axes, FigurePlan], None]] = {
    FigureKind.SCATTER: _scatter,
    FigureKind.CURVES: _curves,
    FigureKind.BARS: _bars,
    FigureKind.PARALLEL: _parallel,
    FigureKind.PARETO: _scatter,
}
