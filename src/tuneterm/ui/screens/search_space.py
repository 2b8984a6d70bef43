"""`SpaceScreen`: a plot screen that reads the sweep's search space once, on a worker thread, and
redraws with it (log axes for log-uniform hyperparameters, a slot per value of a choice). Until
then, and when there is no readable config, the values seen decide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.message import Message
from textual.worker import Worker

from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.sweep.state import SweepState
from tuneterm.ui.plot_figures import Space
from tuneterm.ui.screens.live_plot import Describe, Keep, LivePlotScreen, no_filter
from tuneterm.ui.worker_errors import notify_failure

SPACE_WORKERS = "search-space"

ConfigReader = Callable[[], ExperimentConfig | None]
"""Reads the sweep's config (`EventSource.config`); called on a worker thread."""


@dataclass
class SearchSpaceRead(Message):
    """The screen's worker read the search space."""

    space: Space


class SpaceScreen(LivePlotScreen):
    """Reads the space once mounted, and redraws from a fresh copy of the sweep when it
    arrives."""

    def __init__(
        self,
        state: SweepState,
        keep: Keep | None = None,
        describe: Describe = no_filter,
        config: ConfigReader | None = None,
    ) -> None:
        super().__init__(state, keep, describe)
        self._config = config
        self.space: Space = {}
        """The search space by hyperparameter; empty until read, or when it cannot be."""

    def on_mount(self) -> None:
        super().on_mount()
        if self._config is not None:
            self._read_space()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group=SPACE_WORKERS,
        description="Read the sweep's search space",
    )
    def _read_space(self) -> None:
        config = self._config() if self._config is not None else None
        if config is not None:
            self.post_message(SearchSpaceRead({param.name: param for param in config.search_space}))

    @on(SearchSpaceRead)
    def _space_read(self, message: SearchSpaceRead) -> None:
        self.space = message.space
        self.refresh_data()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == SPACE_WORKERS:
            notify_failure(self, event)
