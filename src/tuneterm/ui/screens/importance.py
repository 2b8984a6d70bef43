"""`ImportanceScreen`: each hyperparameter's share of the variance of the sweep's metric, as bars,
recomputed off the UI thread as trials finish (scikit-learn is imported there, never before)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.importance import (
    METHOD,
    MIN_TRIALS,
    Importance,
    bar,
    finished_samples,
    percent,
    summary,
)
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.format import fit
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.worker_errors import notify_failure

RECOMPUTE_INTERVAL = 1.0
"""Seconds between two computations at most, while trials finish."""
NAME_WIDTH = 24
"""Cells of a hyperparameter's name at most; a longer one is cut with …."""
PERCENT_WIDTH = 7
MOST_BAR_CELLS = 60
"""A bar's cells at 100 %, at most: on a wide terminal the share stays near its bar."""
ConfigLoader = Callable[[], ExperimentConfig | None]
"""Reads the experiment's config (its search space); called on a worker thread."""


@dataclass
class ImportanceComputed(Message):
    """The screen's worker computed the shares for `finished` finished trials."""

    importance: Importance
    finished: int

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


class ImportanceScreen(Screen[None]):
    """The shares, the trials they rest on, how well the forest fits; "too few trials" until
    `MIN_TRIALS` have finished."""

    DEFAULT_CSS = """
    ImportanceScreen #importance-title {
        height: 1;
        background: $panel;
    }
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

    def __init__(self, state: SweepState, load_config: ConfigLoader) -> None:
        super().__init__()
        self.state = state
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
        self._attempted = -1
        """The finished trials the last computation was started for (worker thread only)."""
        self._pacer = Pacer(RECOMPUTE_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="importance-title")
        with VerticalScroll(id="importance-body"):
            yield ShareBars(id="importance-bars")
            yield Static(Text(" computing…", style="italic"), id="importance-notes")
        yield Footer(compact=True)

    def _title(self) -> Text:
        text = Text(" Hyperparameter importance", style="bold")
        metric = printable(self.state.metric, escape_layout=True)
        text.append(f"   {metric} ({self.state.mode}), each finished trial's best", style="dim")
        if len(self.state.metrics) > 1:
            text.append(" (the first metric)", style="dim")
        return text

    def on_mount(self) -> None:
        self._start()

    def _start(self) -> None:
        self._computing = True
        self._compute()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="importance",
        description="Weigh the hyperparameters' importance",
    )
    def _compute(self) -> None:
        self._pacer.loaded()
        with self.state.lock:
            rows, tuned, metric = self.state.rows(), self.state.tuned, self.state.metric
        finished = len(finished_samples(rows))
        if finished == self._attempted:
            return
        self._attempted = finished  # a failure is not retried until another trial finishes
        from tuneterm.analysis.importance import importance

        result = importance(rows, self._search_space(), metric, names=tuned)
        self.post_message(ImportanceComputed(result, finished))

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
        self.query_one("#importance-notes", Static).update(notes_text(message.importance))

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

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Recompute (at most once per `RECOMPUTE_INTERVAL`, one computation at a time) if trials
        changed; the worker skips the forest unless the number of finished trials did."""
        if not self._computing and self._pacer.due(self):
            self._start()

    def on_screen_resume(self) -> None:
        self.flush()


def notes_text(result: Importance) -> Text:
    """Under the bars: what they rest on and how they were computed, or why there are none."""
    if result.reason:
        text = Text(result.reason, style="bold yellow")
        if result.trials < MIN_TRIALS:
            text.append(
                f"\n\nShares appear once {MIN_TRIALS} trials have finished with a value of the "
                "metric (errored and running trials do not count); recomputed as trials finish.",
                style="dim",
            )
        return text
    line = summary(result)
    text = Text(line[:1].upper() + line[1:] + ".")
    text.append(f"\n\nShare of the variance explained: {METHOD}.", style="dim")
    text.append("\nRecomputed as trials finish.", style="dim")
    return text
