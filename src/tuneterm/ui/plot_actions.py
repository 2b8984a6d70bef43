"""`PlotActions`: the dashboard's views of the whole sweep (plots, parallel coordinates, importance,
the Pareto front), each opened on the trials the table's filters keep and told those filters in
words; and their entries in the command palette. The screens are imported when first opened, so
that the first frame does not wait for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand

if TYPE_CHECKING:
    from tuneterm.domain.sweep.state import SweepState
    from tuneterm.storage.sources.protocol import EventSource
    from tuneterm.ui.screens.sweep import SweepScreen


class PlotActions(App[str]):
    """Mixed into the app, which sets `state`, `source` and `sweep_screen`."""

    if TYPE_CHECKING:
        state: SweepState
        source: EventSource
        sweep_screen: SweepScreen

    def action_show_plots(self) -> None:
        from tuneterm.ui.screens.plots import PlotScreen

        screen = self.sweep_screen
        self.push_screen(
            PlotScreen(
                self.state, screen.keeps, config=self.source.config, describe=screen.filter_text
            )
        )

    def action_show_parallel(self) -> None:
        from tuneterm.ui.screens.parallel import ParallelScreen

        screen = self.sweep_screen
        self.push_screen(
            ParallelScreen(self.state, screen.keeps, screen.filter_text, config=self.source.config)
        )

    def action_show_pareto(self) -> None:
        from tuneterm.ui.screens.pareto import ParetoScreen

        if not isinstance(self.screen, ParetoScreen):
            screen = self.sweep_screen
            self.push_screen(ParetoScreen(self.state, screen.keeps, screen.filter_text))

    def action_show_importance(self) -> None:
        from tuneterm.ui.screens.importance import ImportanceScreen

        if not isinstance(self.screen, ImportanceScreen):
            screen, config = self.sweep_screen, self.source.config
            self.push_screen(ImportanceScreen(self.state, config, screen.keeps, screen.filter_text))

    def plot_commands(self) -> Iterator[SystemCommand]:
        """The palette's entries for the views."""
        yield SystemCommand(
            "Plots",
            "Metric vs hyperparameter, learning curves, heat grid of two",
            self.action_show_plots,
        )
        yield SystemCommand(
            "Parallel coordinates",
            "A line per trial across every hyperparameter and the metric",
            self.action_show_parallel,
        )
        yield SystemCommand(
            "Importance", "Each hyperparameter's share of the metric", self.action_show_importance
        )
        yield SystemCommand(
            "Pareto front", "Trials no other beats on every metric", self.action_show_pareto
        )
