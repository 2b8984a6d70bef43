"""`ParallelScreen`: parallel coordinates of the sweep, an axis per tuned hyperparameter and one
for the metric (each trial's best value), a line per trial through its values, the top trials
highlighted. Axes that do not fit the width are paged through with `[` and `]`, the metric's
always shown."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from tuneterm.domain.plots.parallel import ParallelPlot, PlotPoint, parallel_plot
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.plot_figures import Space, sweep_params
from tuneterm.ui.screens.live_plot import Keep, nothing_to_show
from tuneterm.ui.screens.search_space import SpaceScreen
from tuneterm.ui.widgets.parallel_chart import ParallelChart


def sweep_plot(
    state: SweepState, keep: Keep | None = None, space: Space | None = None
) -> tuple[ParallelPlot, int, int]:
    """The plot of the trials `keep` accepts that reported the metric, each by its best value
    (an axis per hyperparameter of the whole sweep); how many trials `keep` accepts; how many
    the sweep has."""
    with state.lock:
        every = state.rows()
        rows = [row for row in every if keep is None or keep(row)]
        tuned, metric, maximize = list(state.tuned), state.metric, state.mode == "max"
    points = [
        PlotPoint(row.trial_id, row.config, row.best_metric)
        for row in rows
        if row.best_metric is not None
    ]
    params = sweep_params(tuned, every)
    plot = parallel_plot(points, params, metric, maximize=maximize, space=space)
    return plot, len(rows), len(every)


class ParallelScreen(SpaceScreen):
    """Parallel coordinates of the trials the table shows, following the sweep."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "app.pop_screen",
            "Back",
            id="parallel-back",
            tooltip="Back to the trial table",
        ),
        Binding(
            "left_square_bracket",
            "turn_page(-1)",
            "Previous axes",
            id="parallel-previous-axes",
            key_display="[",
            tooltip="Show the previous hyperparameters' axes, when they do not all fit",
        ),
        Binding(
            "right_square_bracket",
            "turn_page(1)",
            "Next axes",
            id="parallel-next-axes",
            key_display="]",
            tooltip="Show the next hyperparameters' axes (the metric's stays on the right)",
        ),
    ]

    plot: ParallelPlot
    """What is drawn: the trials the filters keep that reported the metric."""
    trial_count = 0
    """The trials the filters keep."""
    total = 0
    """The trials of the sweep."""

    def on_mount(self) -> None:
        self.reload()
        super().on_mount()

    def body(self) -> ComposeResult:
        yield ParallelChart(id="parallel-chart")

    @property
    def chart(self) -> ParallelChart:
        return self.query_one("#parallel-chart", ParallelChart)

    def reload(self) -> None:
        self.plot, self.trial_count, self.total = sweep_plot(self.state, self.keep, self.space)

    def redraw(self) -> None:
        self.title_bar.show(*self._titles())
        metric = self.plot.metric_axis.name
        empty = nothing_to_show(self.total, self.trial_count, self.where(), metric)
        self.chart.show(self.plot, empty if self.plot.param_axes else "no tuned hyperparameter")

    def _titles(self) -> list[Text]:
        """The title, longest wording first."""
        metric = printable(self.plot.metric_axis.name)
        drawn, kept = len(self.plot.lines), self.trial_count
        counts = f"{drawn} of {kept} trials" if drawn < kept else f"{drawn} trials"
        missing = f" ({kept - drawn} have no {metric} yet)" if drawn < kept else ""
        return self.with_filter(
            [
                Text(f" best {metric} by hyperparameter: {counts}{missing}", style="bold"),
                Text(f" best {metric}: {counts}{missing}", style="bold"),
                Text(f" best {metric}: {counts}", style="bold"),
            ]
        )

    def action_turn_page(self, step: int) -> None:
        self.chart.turn_page(step)
