"""`ParallelScreen`: parallel coordinates of the sweep, an axis per tuned hyperparameter and the
metric's last, a line per trial through its values, the top trials highlighted. Axes that do not
fit the width are paged through with `[` and `]`, the metric's always shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tuneterm.domain.plots.parallel import ParallelPlot, PlotPoint, parallel_plot
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.plot_figures import Space
from tuneterm.ui.screens.search_space import ConfigReader, SpaceScreen
from tuneterm.ui.widgets.parallel_chart import ParallelChart

REDRAW_INTERVAL = 1.0


def sweep_plot(
    state: SweepState, keep: Callable[[TrialRow], bool] | None = None, space: Space | None = None
) -> tuple[ParallelPlot, int]:
    """The plot of the trials `keep` accepts that reported the metric, each by its best value;
    and how many trials `keep` accepts in all."""
    with state.lock:
        rows = [row for row in state.rows() if keep is None or keep(row)]
        tuned, metric, maximize = list(state.tuned), state.metric, state.mode == "max"
    if not tuned and rows:
        tuned = list(rows[0].config)
    points = [
        PlotPoint(row.trial_id, row.config, row.best_metric)
        for row in rows
        if row.best_metric is not None
    ]
    return parallel_plot(points, tuned, metric, maximize=maximize, space=space), len(rows)


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

    def __init__(
        self,
        state: SweepState,
        config: ConfigReader | None = None,
        keep: Callable[[TrialRow], bool] | None = None,
    ) -> None:
        super().__init__(config)
        self.state = state
        self.keep = keep
        """Which trials to show (the table's filters); None: every one."""
        self.plot, self.trial_count = sweep_plot(state, keep)
        self._pacer = Pacer(REDRAW_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(id="plot-title")
        yield ParallelChart(id="parallel-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._draw()
        self.read_space()

    def space_changed(self) -> None:
        self.plot, self.trial_count = sweep_plot(self.state, self.keep, self.space)
        self._draw()

    @property
    def chart(self) -> ParallelChart:
        return self.query_one("#parallel-chart", ParallelChart)

    def _draw(self) -> None:
        self._pacer.loaded()
        self.query_one("#plot-title", Static).update(self._title())
        empty = "no trial has reported the metric yet"
        self.chart.show(self.plot, empty if self.plot.param_axes else "no tuned hyperparameter")

    def _title(self) -> Text:
        metric = printable(self.plot.metric_axis.name)
        drawn = len(self.plot.lines)
        text = Text(f" best {metric} by hyperparameter: {drawn} trials", style="bold")
        if drawn < self.trial_count:
            text.append(f" of {self.trial_count} (the rest have no {metric} yet)")
        return text

    def action_turn_page(self, step: int) -> None:
        self.chart.turn_page(step)

    # -- live -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Redraw from a fresh copy of the sweep, at most once per `REDRAW_INTERVAL`."""
        if self._pacer.due(self):
            self.plot, self.trial_count = sweep_plot(self.state, self.keep, self.space)
            self._draw()

    def on_screen_resume(self) -> None:
        # Back from the help screen: catch up at once (a key press is never held back).
        self.flush()
