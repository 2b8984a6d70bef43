"""`PlotScreen`: each trial's best value of the metric against a hyperparameter, every trial's
learning curve, and the heat grid of the metric over two hyperparameters; `v` goes from one view
to the next."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from tuneterm.domain.plots.axis import wants_log
from tuneterm.domain.plots.grid import Statistic
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.plot_figures import (
    PlotData,
    colour_candidates,
    curves_figure,
    pair_points,
    param_names,
    rung_iterations,
    scatter_figure,
    sweep_params,
    x_candidates,
)
from tuneterm.ui.screens.live_plot import Describe, Keep, no_filter, nothing_to_show
from tuneterm.ui.screens.search_space import ConfigReader, SpaceScreen
from tuneterm.ui.widgets.chart import Chart, Figure
from tuneterm.ui.widgets.heat_grid import PairGrid

__all__ = [
    "PlotData",
    "PlotScreen",
    "curves_figure",
    "plot_data",
    "rung_iterations",
    "scatter_figure",
    "wants_log",
]

MOST_CURVES = 100
"""Learning curves drawn at most (the best ones): drawing is Python work per point."""
MOST_POINTS = 400
VIEWS = ("scatter", "curves", "pairs")
"""In the order `v` goes through them."""
VIEWS_OF_ACTION = {
    "cycle_x": ("scatter", "pairs"),
    "cycle_group": ("scatter",),
    "cycle_y": ("pairs",),
    "toggle_statistic": ("pairs",),
}
"""Keys that only mean something in some views: left out of the footer in the others."""


def plot_data(state: SweepState, keep: Callable[[TrialRow], bool] | None = None) -> PlotData:
    """What the plots show: the trials `keep` accepts (called under the lock), or every one; the
    hyperparameters to choose from are the whole sweep's."""
    with state.lock:
        every = state.rows()
        rows = [row for row in every if keep is None or keep(row)]
        best = state.best()
        best = best if best is not None and (keep is None or keep(best)) else None
        sign = -1.0 if state.mode == "max" else 1.0
        ranked = sorted(
            rows, key=lambda r: sign * r.best_metric if r.best_metric is not None else math.inf
        )[:MOST_CURVES]
        curves = {row.trial_id: _thinned(state, row.trial_id) for row in ranked}
        best_id = best.trial_id if best else None
        maximize = state.mode == "max"
        tuned = list(state.tuned)
        metric = state.metric
    names = sweep_params(tuned, every)
    return PlotData(
        metric,
        rows,
        curves,
        best_id,
        tuned,
        maximize,
        params=x_candidates(names, every),
        groups=colour_candidates(names, every),
        total=len(every),
    )


def _thinned(state: SweepState, trial_id: str) -> tuple[list[float], list[float]]:
    history = state.history(trial_id)
    iterations, values = history.iterations(), history.values()
    step = max(1, math.ceil(len(values) / MOST_POINTS))
    return [float(i) for i in iterations[::step]], list(values[::step])


class PlotScreen(SpaceScreen):
    """Three views of the whole sweep, one after the other with `v`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="plots-back", tooltip="Back to the trial table"
        ),
        Binding(
            "v",
            "next_view",
            "View",
            id="next-plot-view",
            tooltip="Next view: metric-vs-parameter scatter, learning curves, heat grid of two",
        ),
        Binding(
            "x",
            "cycle_x",
            "X param",
            id="cycle-x-param",
            tooltip="Plot against the next hyperparameter (scatter; the heat grid's columns)",
        ),
        Binding(
            "y",
            "cycle_y",
            "Y param",
            id="cycle-y-param",
            tooltip="Heat grid: the next hyperparameter for its rows",
        ),
        Binding(
            "c",
            "cycle_group",
            "Colour by",
            id="cycle-group-param",
            tooltip="Mark and colour the points by the next hyperparameter of few values",
        ),
        Binding(
            "m",
            "toggle_statistic",
            "Mean/best",
            id="toggle-statistic",
            tooltip="Heat grid: colour each cell by its trials' mean metric, or by their best",
        ),
    ]

    def __init__(
        self,
        state: SweepState,
        keep: Keep | None = None,
        config: ConfigReader | None = None,
        describe: Describe = no_filter,
    ) -> None:
        super().__init__(state, keep, describe, config)
        self.data = plot_data(state, keep)
        self.view = "scatter"
        """One of `VIEWS`."""
        self.x_param: str | None = next(iter(self.data.params), None)
        self.group_param: str | None = next(
            (name for name in self.data.groups if name != self.x_param), None
        )
        self.y_param: str | None = None
        """The heat grid's rows (its columns are `x_param`'s), never the same as `x_param`."""
        self._keep_y_apart()
        self.statistic = Statistic.MEAN

    def body(self) -> ComposeResult:
        yield Chart(id="plot-chart")
        yield PairGrid(id="plot-pairs")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        views = VIEWS_OF_ACTION.get(action)
        return views is None or self.view in views

    def reload(self) -> None:
        self.data = plot_data(self.state, self.keep)
        if self.x_param is None:
            self.x_param = next(iter(self.data.params), None)

    def _keep_y_apart(self) -> None:
        """Give the heat grid rows of another hyperparameter than its columns."""
        if self.y_param is not None and self.y_param != self.x_param:
            return
        choices = [self.group_param, *param_names(self.data)]
        self.y_param = next((n for n in choices if n is not None and n != self.x_param), None)

    def redraw(self) -> None:
        self._keep_y_apart()
        self.title_bar.show(*self._titles())
        chart, grid = self.query_one("#plot-chart", Chart), self.query_one("#plot-pairs", PairGrid)
        chart.display, grid.display = self.view != "pairs", self.view == "pairs"
        empty = self._nothing_text()
        if self.view == "curves":
            chart.show(curves_figure(self.data, empty if not self.data.rows else None))
        elif self.x_param is None:
            lacking = "no hyperparameter to plot against" if self.data.total else empty
            self._show_text(lacking)
        elif self.view == "pairs" and self.y_param is not None:
            pairs, note = pair_points(self.data, self.x_param, self.y_param, self.space)
            empty = note if note and not pairs.points else empty
            grid.show(pairs, self.data.metric, self.statistic, note=note, empty_text=empty)
        elif self.view == "pairs":
            self._show_text("a heat grid needs two hyperparameters")
        else:
            figure = scatter_figure(self.data, self.x_param, self.group_param, self.space, empty)
            chart.show(figure)

    def _show_text(self, text: str) -> None:
        chart = self.query_one("#plot-chart", Chart)
        chart.show(Figure([], empty_text=text))
        chart.display, self.query_one("#plot-pairs", PairGrid).display = True, False

    def _nothing_text(self) -> str:
        data = self.data
        return nothing_to_show(data.total, len(data.rows), self.where(), data.metric)

    def _titles(self) -> list[Text]:
        """The title, longest wording first."""
        metric = printable(self.data.metric)
        if self.view == "curves":
            shown, total = len(self.data.curves), len(self.data.rows)
            short = f" {metric} learning curves"
            long = short + (f" (the best {shown} of {total})" if shown < total else "")
        elif self.view == "pairs":
            x, y = printable(self.x_param or "-"), printable(self.y_param or "-")
            short = f" {metric}: {x} × {y}"
            long = f" {self.statistic} {metric} by {x} × {y}"
        else:
            x = printable(self.x_param or "-")
            short = f" best {metric} vs {x}"
            long = short + (f", by {printable(self.group_param)}" if self.group_param else "")
        return self.with_filter([Text(long, style="bold"), Text(short, style="bold")])

    def action_next_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.refresh_bindings()
        self.redraw()

    def action_cycle_x(self) -> None:
        choices = list(self.data.params)
        if self.view == "pairs":
            choices = [name for name in choices if name != self.y_param]
        self.x_param = _following(choices, self.x_param)
        self.redraw()

    def action_cycle_y(self) -> None:
        choices = [name for name in param_names(self.data) if name != self.x_param]
        self.y_param = _following(choices, self.y_param)
        self.redraw()

    def action_cycle_group(self) -> None:
        choices: list[str | None] = [None, *self.data.groups]
        self.group_param = _following(choices, self.group_param)
        self.redraw()

    def action_toggle_statistic(self) -> None:
        self.statistic = Statistic.BEST if self.statistic is Statistic.MEAN else Statistic.MEAN
        self.redraw()


T = TypeVar("T")


def _following(choices: Sequence[T], current: T) -> T:
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]
