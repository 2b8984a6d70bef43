"""`LivePlotScreen`: what the views of the whole sweep (plots, parallel coordinates, Pareto front,
importance) share. Each shows the trials the table's filters keep, follows the sweep by taking a
fresh copy of it at most once per `REDRAW_INTERVAL`, and says why when there is nothing to show:
no trial yet, none the filter keeps, none that reported the metric."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line, printable
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.widgets.plot_title import PlotTitle

REDRAW_INTERVAL = 1.0
"""Seconds between two fresh copies of the sweep at most, while it changes."""
FILTER_SHOWN = 40
"""Characters of the filter's words a title or message shows at most."""

Keep = Callable[[TrialRow], bool]
"""Whether the table's filters show a trial (called under the state's lock)."""
Describe = Callable[[], str]
"""The table's filters in words ("" while there is none), read when drawing."""


def no_filter() -> str:
    return ""


def nothing_to_show(total: int, kept: int, where: str, metric: str) -> str:
    """Why a view of `kept` of `total` trials has nothing to draw."""
    if total == 0:
        return "no trial yet"
    if kept == 0 and where:
        return f"no trial matches the filter {one_line(where, FILTER_SHOWN)}"
    return f"no trial has reported {printable(metric)} yet"


class LivePlotScreen(Screen[None]):
    """A title, the view's own widgets (`body`), the footer. Subclasses take their copy of the
    sweep in `reload` and draw it in `redraw`."""

    def __init__(
        self, state: SweepState, keep: Keep | None = None, describe: Describe = no_filter
    ) -> None:
        super().__init__()
        self.state = state
        self.keep = keep
        """Which trials to show (the table's filters); None: every one."""
        self.describe_filter = describe
        self._pacer = Pacer(REDRAW_INTERVAL)
        self._pacer.loaded()

    def compose(self) -> ComposeResult:
        yield PlotTitle(id="plot-title")
        yield from self.body()
        yield Footer(compact=True)

    def body(self) -> ComposeResult:
        """The widgets between the title and the footer."""
        yield from ()

    @property
    def title_bar(self) -> PlotTitle:
        return self.query_one("#plot-title", PlotTitle)

    def on_mount(self) -> None:
        self.redraw()

    def kept_rows(self) -> list[TrialRow]:
        """The trials the filters keep; the caller holds the state's lock."""
        keep = self.keep
        return [row for row in self.state.rows() if keep is None or keep(row)]

    def where(self) -> str:
        """The table's filters in words, "" while there is none."""
        return self.describe_filter()

    def with_filter(self, wordings: list[Text]) -> list[Text]:
        """A title's wordings (longest first), led by the longest with the filter named after it
        while there is one."""
        where = self.where()
        if not where or not wordings:
            return wordings
        filtered = wordings[0].copy()
        filtered.append(f"  (filter: {one_line(where, FILTER_SHOWN)})", style="italic")
        return [filtered, *wordings]

    def reload(self) -> None:
        """Take a fresh copy of the sweep."""

    def redraw(self) -> None:
        """Draw the copy taken."""

    def refresh_data(self) -> None:
        """Take a fresh copy now and draw it."""
        self._pacer.loaded()
        self.reload()
        self.redraw()

    # -- live -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Redraw from a fresh copy of the sweep, at most once per `REDRAW_INTERVAL`."""
        if self._pacer.due(self):
            self.refresh_data()

    def on_screen_resume(self) -> None:
        # Back from the help screen: catch up at once (a key press is never held back).
        self.flush()
