"""`PlotScreen`: the final metric against a hyperparameter, every trial's learning curve, and
the heat grid of the metric over two hyperparameters; `v` goes from one view to the next."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tuneterm.domain.plots.grid import Statistic
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.plot_figures import (
    PlotData,
    categorical_params,
    curves_figure,
    pair_grid,
    param_names,
    rung_iterations,
    scatter_figure,
    wants_log,
    x_params,
)
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
REDRAW_INTERVAL = 1.0
VIEWS = ("scatter", "curves", "pairs")
"""In the order `v` goes through them."""
VIEWS_OF_ACTION = {
    "cycle_x": ("scatter", "pairs"),
    "cycle_group": ("scatter",),
    "cycle_y": ("pairs",),
    "toggle_statistic": ("pairs",),
}
"""Keys that only mean something in some views: dimmed in the others."""


def plot_data(state: SweepState, keep: Callable[[TrialRow], bool] | None = None) -> PlotData:
    """What the plots show: the trials `keep` accepts (called under the lock), or every one."""
    with state.lock:
        rows = [row for row in state.rows() if keep is None or keep(row)]
        best = state.best()
        best = best if best is not None and (keep is None or keep(best)) else None
        sign = -1.0 if state.mode == "max" else 1.0
        ranked = sorted(
            rows, key=lambda r: sign * r.best_metric if r.best_metric is not None else math.inf
        )[:MOST_CURVES]
        curves = {row.trial_id: _thinned(state, row.trial_id) for row in ranked}
        best_id = best.trial_id if best else None
        maximize = state.mode == "max"
        return PlotData(state.metric, rows, curves, best_id, list(state.tuned), maximize)


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
            tooltip="Mark and colour the points by the next categorical hyperparameter",
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
        keep: Callable[[TrialRow], bool] | None = None,
        config: ConfigReader | None = None,
    ) -> None:
        super().__init__(config)
        self.state = state
        self.keep = keep
        """Which trials to show (the table's filters); None: every one."""
        self.data = plot_data(state, keep)
        self.view = "scatter"
        """One of `VIEWS`."""
        xs = x_params(self.data)
        self.x_param: str | None = xs[0] if xs else None
        self.group_param: str | None = next(
            (n for n in categorical_params(self.data) if n != self.x_param), None
        )
        self.y_param: str | None = self.group_param or next(
            (n for n in param_names(self.data) if n != self.x_param), None
        )
        """The heat grid's rows (its columns are `x_param`'s)."""
        self.statistic = Statistic.MEAN
        self._pacer = Pacer(REDRAW_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(id="plot-title")
        yield Chart(id="plot-chart")
        yield PairGrid(id="plot-pairs")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._draw()
        self.read_space()

    def space_changed(self) -> None:
        self._draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        views = VIEWS_OF_ACTION.get(action)
        return True if views is None or self.view in views else None

    def _draw(self) -> None:
        self._pacer.loaded()
        self.query_one("#plot-title", Static).update(self._title())
        chart, grid = self.query_one("#plot-chart", Chart), self.query_one("#plot-pairs", PairGrid)
        chart.display, grid.display = self.view != "pairs", self.view == "pairs"
        if self.view == "curves":
            chart.show(curves_figure(self.data))
        elif self.x_param is None:
            chart.show(Figure([], empty_text="no hyperparameter to plot against"))
            grid.display, chart.display = False, True
        elif self.view == "pairs" and self.y_param is not None:
            heat = pair_grid(self.data, self.x_param, self.y_param, self.space)
            grid.show(heat, self.data.metric, self.statistic)
        elif self.view == "pairs":
            chart.show(Figure([], empty_text="a heat grid needs two hyperparameters"))
            grid.display, chart.display = False, True
        else:
            chart.show(scatter_figure(self.data, self.x_param, self.group_param, self.space))

    def _title(self) -> Text:
        metric = printable(self.data.metric)
        if self.view == "curves":
            shown = len(self.data.curves)
            text = Text(f" {metric} learning curves", style="bold")
            if shown < len(self.data.rows):
                text.append(f" (the best {shown} of {len(self.data.rows)})")
            text.append("   v: heat grid", style="dim")
            return text
        if self.view == "pairs":
            x, y = printable(self.x_param or "-"), printable(self.y_param or "-")
            text = Text(f" {self.statistic} {metric} by {x} × {y}", style="bold")
            text.append("   x, y: parameters  m: mean/best  v: scatter", style="dim")
            return text
        text = Text(f" final {metric} vs {printable(self.x_param or '-')}", style="bold")
        if self.group_param:
            text.append(f", by {printable(self.group_param)}", style="bold")
        text.append("   x: parameter  c: colour by  v: curves", style="dim")
        return text

    def action_next_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.refresh_bindings()
        self._draw()

    def action_cycle_x(self) -> None:
        choices = x_params(self.data)
        if self.view == "pairs":
            choices = [name for name in choices if name != self.y_param]
        self.x_param = _following(choices, self.x_param)
        self._draw()

    def action_cycle_y(self) -> None:
        choices = [name for name in param_names(self.data) if name != self.x_param]
        self.y_param = _following(choices, self.y_param)
        self._draw()

    def action_cycle_group(self) -> None:
        choices: list[str | None] = [None, *categorical_params(self.data)]
        self.group_param = _following(choices, self.group_param)
        self._draw()

    def action_toggle_statistic(self) -> None:
        self.statistic = Statistic.BEST if self.statistic is Statistic.MEAN else Statistic.MEAN
        self._draw()

    # -- live -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Redraw from a fresh copy of the sweep, at most once per `REDRAW_INTERVAL`."""
        if not self._pacer.due(self):
            return
        self.data = plot_data(self.state, self.keep)
        if self.x_param is None:
            self.x_param = next(iter(x_params(self.data)), None)
        if self.y_param is None:
            self.y_param = next((n for n in param_names(self.data) if n != self.x_param), None)
        self._draw()

    def on_screen_resume(self) -> None:
        # Back from the help screen: catch up at once (a key press is never held back).
        self.flush()


T = TypeVar("T")


def _following(choices: Sequence[T], current: T) -> T:
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]
