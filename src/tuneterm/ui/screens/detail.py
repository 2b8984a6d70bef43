"""`TrialDetailScreen`: one trial in full: its config, a plot of every metric it reported, and
the traceback of an errored trial."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tuneterm.domain.data_reader import reader_caption
from tuneterm.domain.hypotheses.notebook import Note
from tuneterm.domain.journal.markdown import when
from tuneterm.domain.ray_result import ITERATION, TIME_THIS_ITER, TIME_TOTAL
from tuneterm.domain.status import EndReason
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import duration, one_line, printable
from tuneterm.domain.trial import Result
from tuneterm.ui.format import metric_text
from tuneterm.ui.messages import TrialNotesLoaded, TrialResultsLoaded
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.trial_readers import TrialReaders
from tuneterm.ui.widgets.chart import Chart, Figure, Series
from tuneterm.ui.widgets.output_pane import OutputPane
from tuneterm.ui.widgets.resource_panel import ResourcePanel
from tuneterm.ui.widgets.trial_line import HEALTH_MARK
from tuneterm.ui.worker_errors import notify_failure

RAY_TIMING = (TIME_THIS_ITER, TIME_TOTAL)
"""Ray's own per-result timings: plotted after the trainable's metrics."""
NOT_PLOTTED = frozenset({ITERATION})
RELOAD_INTERVAL = 1.0
"""Seconds between re-reads of a running trial's results."""

ResultLoader = Callable[[str], Sequence[Result]]
NoteLoader = Callable[[str], Sequence[Note]]


def metric_names(results: Iterable[Result], experiment_metric: str) -> list[str]:
    """Every metric reported, the experiment's first and Ray's timings last."""
    seen: dict[str, None] = {}
    for result in results:
        seen.update(dict.fromkeys(result.metrics))
    names = sorted(name for name in seen if name not in NOT_PLOTTED)
    return sorted(names, key=lambda n: (n != experiment_metric, n in RAY_TIMING))


def metric_figure(results: Sequence[Result], name: str) -> Figure:
    points = [(r.iteration, r.metrics[name]) for r in results if name in r.metrics]
    return Figure(
        [Series(name, [float(x) for x, _ in points], [y for _, y in points])],
        x_label="iteration",
        legend=[(f"━ {printable(name)}  last {metric_text(points[-1][1])}", "cyan")],
    )


def config_text(config: dict[str, object]) -> Text:
    text = Text(no_wrap=False)
    width = max((len(printable(key)) for key in config), default=0)
    for index, (key, value) in enumerate(config.items()):
        if index:
            text.append("\n")
        text.append(printable(key).ljust(width), style="bold")
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        text.append(" = " + printable(shown))
    return text or Text("(no config recorded)", style="italic")


def notes_text(notes: Sequence[Note]) -> Text:
    """A trial's notes, oldest first, each with its kind, when and at which iteration it was
    written."""
    text = Text()
    for index, note in enumerate(notes):
        if index:
            text.append("\n")
        at = f" · iteration {note.iteration}" if note.iteration is not None else ""
        text.append(note.kind.label, style="bold")
        text.append(f" · {when(note.time)}{at}\n", style="dim")
        text.append(printable(note.text.rstrip()))
    return text


def summary_text(row: TrialRow, metric: str, now: float) -> Text:
    text = Text()
    text.append(f"Trial {printable(row.trial_id)}", style="bold")
    text.append(f"   {printable(row.state)}   iteration {row.iteration}")
    text.append(f"   runtime {duration(row.runtime(now), clock=True)}")
    text.append(
        f"\n{printable(metric)}: last {metric_text(row.last_metric)}, "
        f"best {metric_text(row.best_metric)}"
    )
    if row.health is not None:
        stopped = f" (stopped by rule: {row.health_rule})" if row.reason is EndReason.RULE else ""
        text.append(f"\n{HEALTH_MARK} {printable(row.health)}{stopped}", style="bold red")
    return text


class TrialDetailScreen(Screen[None]):
    """Everything about one trial; follows it live while it runs."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    """Wide terminals get two metric plots side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="detail-back", tooltip="Back to the trial table"
        ),
        Binding(
            "n",
            "app.write_note",
            "Note",
            id="detail-note",
            tooltip="Write a note about this trial, stamped with its current iteration",
        ),
        Binding(
            "j",
            "scroll_detail(1)",
            "Scroll down",
            id="detail-scroll-down",
            show=False,
            tooltip="Scroll down (also the down arrow)",
        ),
        Binding(
            "k",
            "scroll_detail(-1)",
            "Scroll up",
            id="detail-scroll-up",
            show=False,
            tooltip="Scroll up (also the up arrow)",
        ),
        Binding(
            "o",
            "toggle_output",
            "Output",
            id="detail-output",
            tooltip="The trial's stdout and stderr, followed live (o or escape: back)",
        ),
    ]

    def __init__(
        self,
        trial_id: str,
        state: SweepState,
        load_results: ResultLoader,
        clock: Callable[[], float],
        *,
        load_notes: NoteLoader | None = None,
        readers: TrialReaders | None = None,
    ) -> None:
        super().__init__()
        self._readers = readers
        self.trial_id = trial_id
        self._load_notes = load_notes
        self.notes_shown: list[Note] | None = None
        """The trial's notes shown, once loaded (None: not loaded, or no notebook)."""
        self.state = state
        self._load_results = load_results
        self._clock = clock
        self._pacer = Pacer(RELOAD_INTERVAL)
        self.metrics_shown: list[str] | None = None
        """The metrics plotted, in order, once the results have loaded."""

    def _row(self) -> TrialRow:
        with self.state.lock:
            return self.state.row(self.trial_id)

    def compose(self) -> ComposeResult:
        row = self._row()
        readers = self._readers
        samples = readers.resource_samples if readers else None
        yield ResourcePanel(self.trial_id, samples, id="detail-resources")
        with VerticalScroll(id="detail-body"):
            yield Static(summary_text(row, self.state.metric, self._clock()), id="detail-summary")
            yield Static(config_text(row.config), id="detail-config", classes="section")
            yield Static(id="detail-notes", classes="section")
            yield Grid(
                Static(Text("loading results…", style="italic")),
                id="detail-metrics",
                classes="section",
            )
            if row.error:
                yield self._error_section(row.error)
        output = OutputPane(self.trial_id, readers.output_paths if readers else None)
        output.display = False
        yield output
        yield Footer(compact=True)

    @staticmethod
    def _error_section(error: str) -> Static:
        section = Static(Text(printable(error)), id="detail-error", classes="section")
        section.border_title = "traceback"
        return section

    def on_mount(self) -> None:
        self.query_one("#detail-config").border_title = "config"
        self.query_one("#detail-config").border_subtitle = reader_caption(self.state.data_reader)
        self.query_one("#detail-metrics").border_title = "metrics"
        notes = self.query_one("#detail-notes")
        notes.border_title = "notes"
        notes.display = False
        self._load()
        self.notebook_changed()

    def note_subject(self) -> tuple[str | None, int | None]:
        """What a note written now is stamped with: this trial and its current iteration."""
        return self.trial_id, self._row().iteration

    def notebook_changed(self) -> None:
        if self._load_notes is not None:
            self._read_notes(self._load_notes)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="trial-notes",
        description="Read the notes about one trial",
    )
    def _read_notes(self, load_notes: NoteLoader) -> None:
        self.post_message(TrialNotesLoaded(self.trial_id, load_notes(self.trial_id)))

    @on(TrialNotesLoaded)
    def _show_notes(self, message: TrialNotesLoaded) -> None:
        self.notes_shown = list(message.notes)
        notes = self.query_one("#detail-notes", Static)
        notes.display = bool(message.notes)
        notes.update(notes_text(message.notes))

    @on(OutputPane.Closed)
    def action_toggle_output(self) -> None:
        """Show the output pane in place of the rest, or the rest again."""
        self.query_one("#detail-body").display = not self.query_one(OutputPane).toggle()

    def action_scroll_detail(self, direction: int) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        body.scroll_relative(y=direction, animate=False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="trial-results",
        description="Read every result of one trial",
    )
    def _load(self) -> None:
        self._pacer.loaded()
        self.post_message(TrialResultsLoaded(self.trial_id, self._load_results(self.trial_id)))

    @on(TrialResultsLoaded)
    async def _show_results(self, message: TrialResultsLoaded) -> None:
        names = metric_names(message.results, self.state.metric)
        grid = self.query_one("#detail-metrics", Grid)
        if names != self.metrics_shown:
            await grid.remove_children()
            self.metrics_shown = names
            await grid.mount_all(Chart(id=f"metric-{index}") for index in range(len(names)))
            if not names:
                await grid.mount(Static(Text("no results yet", style="italic")))
        for index, name in enumerate(names):
            grid.query_one(f"#metric-{index}", Chart).show(metric_figure(message.results, name))

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.group != "trial-results":
            notify_failure(self, event)
            return
        error = one_line(f"{type(event.worker.error).__name__}: {event.worker.error}", 160)
        self.notify(
            f"Could not read the trial's results: {error}",
            severity="error",
            timeout=30,
            markup=False,
        )
        grid = self.query_one("#detail-metrics", Grid)
        await grid.remove_children()
        self.metrics_shown = None
        await grid.mount(Static(Text(f"could not read results: {error}", style="bold red")))

    # -- live -----------------------------------------------------------------------------------

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        if self.trial_id in changed_trial_ids:
            self._pacer.pending = True

    def flush(self) -> None:
        """Re-read the trial (at most once per `RELOAD_INTERVAL`) if it changed."""
        if not self._pacer.due(self):
            return
        row = self._row()
        self.query_one("#detail-summary", Static).update(
            summary_text(row, self.state.metric, self._clock())
        )
        if row.error and not self.query("#detail-error"):
            self.query_one("#detail-body").mount(self._error_section(row.error))
        self._load()

    def on_screen_resume(self) -> None:
        # Back from the help screen: catch up at once (a key press is never held back).
        self.flush()
