"""`ImportanceScreen`: each hyperparameter's share of the variance of the sweep's metric, as bars,
recomputed off the UI thread as trials finish (scikit-learn is imported there, never before). It
rests on the finished trials the table's filters keep, and says how many of how many."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.importance import (
    METHOD,
    MIN_TRIALS,
    Importance,
    bar,
    finished_samples,
    fit_text,
    percent,
    summary,
)
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line, printable
from tuneterm.ui.format import fit
from tuneterm.ui.screens.live_plot import FILTER_SHOWN, Describe, Keep, LivePlotScreen, no_filter
from tuneterm.ui.widgets.metrics_line import ARROWS
from tuneterm.ui.worker_errors import notify_failure

NAME_WIDTH = 24
"""Cells of a hyperparameter's name at most; a longer one is cut with …."""
PERCENT_WIDTH = 7
MOST_BAR_CELLS = 60
"""A bar's cells at 100 %, at most: on a wide terminal the share stays near its bar."""
ConfigLoader = Callable[[], ExperimentConfig | None]
"""Reads the experiment's config (its search space); called on a worker thread."""


@dataclass
class ImportanceComputed(Message):
    """The screen's worker computed the shares for `finished` of the sweep's `everyone`
    finished trials (those the filters described by `where` keep)."""

    importance: Importance
    finished: int
    everyone: int
    where: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ImportanceComputed)


class ShareBars(Widget):
    """One line per hyperparameter: its name, a bar as wide as the terminal allows, its share."""

    DEFAULT_CSS = """
    ShareBars {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shares: tuple[tuple[str, float], ...] = ()
        """What is drawn, largest first."""

    def show(self, shares: tuple[tuple[str, float], ...]) -> None:
        self.shares = shares
        self.display = bool(shares)
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.shares)

    def render(self) -> Text:
        names = [printable(name, escape_layout=True) for name, _ in self.shares]
        name_width = min(NAME_WIDTH, max((len(name) for name in names), default=0))
        room = self.content_size.width - name_width - PERCENT_WIDTH - 4
        bar_width = max(1, min(MOST_BAR_CELLS, room))
        text = Text(no_wrap=True, overflow="crop")
        for index, (name, (_, share)) in enumerate(zip(names, self.shares, strict=True)):
            if index:
                text.append("\n")
            text.append(fit(name, name_width) + "  ", style="bold" if index == 0 else "")
            text.append(fit(bar(share, bar_width), bar_width), style="green")
            text.append("  " + percent(share).rjust(PERCENT_WIDTH))
        return text


class ImportanceScreen(LivePlotScreen):
    """The shares, the trials they rest on, how well the forest fits; "too few trials" until
    `MIN_TRIALS` have finished."""

    DEFAULT_CSS = """
    ImportanceScreen #importance-body {
        height: 1fr;
        padding: 1 0 0 0;
    }
    ImportanceScreen #importance-notes {
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="importance-back", tooltip="Back to the trials"
        ),
    ]

    def __init__(
        self,
        state: SweepState,
        load_config: ConfigLoader,
        keep: Keep | None = None,
        describe: Describe = no_filter,
    ) -> None:
        super().__init__(state, keep, describe)
        self._load_config = load_config
        self.space: tuple[Param, ...] | None = None
        """The search space, once read (None without a recorded config: a plain Ray Tune
        directory, whose hyperparameters are then typed by their values)."""
        self._space_loaded = False
        self.importance: Importance | None = None
        """What is shown, once computed."""
        self.finished_shown = -1
        """The finished trials the shown importance rests on (-1: none shown yet)."""
        self._computing = False
        self._attempted: tuple[int, int, str] | None = None
        """The finished trials (kept, in all) and the filter the last computation was started
        for (worker thread only)."""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="importance-body"):
            yield ShareBars(id="importance-bars")
            yield Static(Text(" computing…", style="italic"), id="importance-notes")

    def redraw(self) -> None:
        metric = printable(self.state.metric, escape_layout=True)
        first = " (the first metric)" if len(self.state.metrics) > 1 else ""
        arrow = metric + ARROWS.get(self.state.mode, "")
        long = f"{metric} ({self.state.mode}), each finished trial's best{first}"
        self.title_bar.show(
            _title("Hyperparameter importance   ", long),
            _title("Importance  ", long),
            _title("Importance  ", f"{arrow}, each trial's best{first.replace(' the ', ' ')}"),
            _title("Importance  ", arrow),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.reload()

    def reload(self) -> None:
        self._computing = True
        self._compute(self.where())

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="importance",
        description="Weigh the hyperparameters' importance",
    )
    def _compute(self, where: str) -> None:
        with self.state.lock:
            rows, tuned, metric = self.state.rows(), self.state.tuned, self.state.metric
            kept = self.kept_rows()
        finished, everyone = len(finished_samples(kept)), len(finished_samples(rows))
        if (finished, everyone, where) == self._attempted:
            return
        self._attempted = (finished, everyone, where)  # a failure is not retried until it changes
        from tuneterm.analysis.importance import importance

        result = importance(kept, self._search_space(), metric, names=tuned)
        self.post_message(ImportanceComputed(result, finished, everyone, where))

    def _search_space(self) -> tuple[Param, ...] | None:
        """The config's search space, read once (on the worker thread)."""
        if not self._space_loaded:
            self._space_loaded = True
            config = self._load_config()
            self.space = config.search_space if config is not None else None
        return self.space

    @on(ImportanceComputed)
    def _computed(self, message: ImportanceComputed) -> None:
        self.importance, self.finished_shown = message.importance, message.finished
        self.query_one("#importance-bars", ShareBars).show(message.importance.shares)
        notes = notes_text(message.importance, message.everyone, message.where)
        self.query_one("#importance-notes", Static).update(notes)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "importance" or not event.worker.is_finished:
            return
        self._computing = False
        error = notify_failure(self, event)
        if error is not None:
            text = Text(f"Could not weigh the hyperparameters: {error}", style="bold red")
            self.query_one("#importance-notes", Static).update(text)
        elif event.state is WorkerState.SUCCESS:
            self.flush()

    # -- live -------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Recompute (at most once per `REDRAW_INTERVAL`, one computation at a time) if trials
        changed; the worker skips the forest unless the finished trials or the filter did."""
        if not self._computing:
            super().flush()


def _title(name: str, about: str) -> Text:
    return Text.assemble((f" {name}", "bold"), (about, "dim"))


def notes_text(result: Importance, everyone: int | None = None, where: str = "") -> Text:
    """Under the bars: what they rest on (`result.trials` of the sweep's `everyone` finished
    trials, those the filter `where` keeps) and how they were computed, or why there are none."""
    kept = _kept(result.trials, everyone, where)
    if result.reason:
        text = Text(result.reason, style="bold yellow")
        if kept:
            text.append(f" ({kept})", style="yellow")
        if result.trials < MIN_TRIALS:
            text.append(
                f"\n\nShares appear once {MIN_TRIALS} trials have finished with a value of the "
                "metric (errored and running trials do not count); recomputed as trials finish.",
                style="dim",
            )
        return text
    if kept:
        filtered = f"{result.warning}; from {kept}" if result.warning else None
        line = filtered or f"from {kept}; {fit_text(result.fit)}"
    else:
        line = summary(result)
    text = Text(line[:1].upper() + line[1:] + ".")
    text.append(f"\n\nShare of the variance explained: {METHOD}.", style="dim")
    text.append("\nRecomputed as trials finish.", style="dim")
    return text


def _kept(trials: int, everyone: int | None, where: str) -> str:
    """ "5 of 21 finished trials (filter: lr < 1e-3)" while a filter is set; "" otherwise."""
    if not where or everyone is None:
        return ""
    return f"{trials} of {everyone} finished trials (filter: {one_line(where, FILTER_SHOWN)})"
