"""`HypothesesScreen`: every hypothesis with the evidence the sweep holds for it, and the keys that
judge it (or add one). What it shows is read from the store: a verdict appears once it is saved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.hypotheses.notebook import NotebookError, check_live_hypothesis
from tuneterm.domain.hypotheses.verdict import Verdict
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line, printable
from tuneterm.ui.messages import HypothesisSubmitted, NotebookLoaded, VerdictSubmitted
from tuneterm.ui.modals.verdict import HypothesisModal, VerdictModal
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.widgets.footer import KeyFooter
from tuneterm.ui.widgets.hypothesis_view import (
    HypothesisView,
    Notebook,
    NotebookLoader,
    claim_text,
    evidence_renderable,
    history_text,
    load_notebook,
    suggestion_text,
    verdict_cell,
)
from tuneterm.ui.worker_errors import notify_failure

WIDE_FOOTER = 100
"""The footer shows the command palette's key from this many columns on."""
RELOAD_INTERVAL = 2.0
"""Seconds between re-computations of the evidence while results come in."""
NO_CONFIG = (
    "This experiment has no recorded config (config.json): nothing to check a hypothesis against."
)


class HypothesesScreen(Screen[None]):
    """The hypotheses (list) and the highlighted one in full (claim, evidence, verdicts)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    """Wide terminals get the list and the highlighted hypothesis side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="hypotheses-back", tooltip="Back to the trials"
        ),
        Binding(
            "c",
            "judge('confirmed')",
            "Confirm",
            id="mark-confirmed",
            tooltip="Mark the highlighted hypothesis CONFIRMED (asks for an optional why)",
        ),
        Binding(
            "r",
            "judge('rejected')",
            "Reject",
            id="mark-rejected",
            tooltip="Mark the highlighted hypothesis REJECTED (asks for an optional why)",
        ),
        Binding(
            "i",
            "judge('inconclusive')",
            "Inconclusive",
            id="mark-inconclusive",
            tooltip="Mark the highlighted hypothesis INCONCLUSIVE (asks for an optional why)",
        ),
        Binding(
            "a",
            "add_hypothesis",
            "Add",
            id="add-hypothesis",
            tooltip="Add a hypothesis: statement, the parameter it is about, the expected outcome",
        ),
        Binding(
            "n",
            "app.write_note",
            "Note",
            id="hypotheses-note",
            tooltip="Write a note about the whole sweep",
        ),
        Binding(
            "down,j",
            "move_cursor(1)",
            "Down",
            id="hypotheses-down",
            show=False,
            tooltip="Highlight the next hypothesis",
        ),
        Binding(
            "up,k",
            "move_cursor(-1)",
            "Up",
            id="hypotheses-up",
            show=False,
            tooltip="Highlight the previous hypothesis",
        ),
        Binding(
            "pagedown",
            "scroll_detail(1)",
            "Scroll down",
            id="hypotheses-scroll-down",
            show=False,
            tooltip="Scroll the highlighted hypothesis's evidence down",
        ),
        Binding(
            "pageup",
            "scroll_detail(-1)",
            "Scroll up",
            id="hypotheses-scroll-up",
            show=False,
            tooltip="Scroll the highlighted hypothesis's evidence up",
        ),
    ]

    def __init__(self, state: SweepState, load: NotebookLoader, *, read_only: bool) -> None:
        super().__init__()
        self.state = state
        self._load_source = load
        self.read_only = read_only
        self.notebook: Notebook | None = None
        """What is shown, once loaded."""
        self._pacer = Pacer(RELOAD_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="hypotheses-title")
        with Container(id="hypotheses-body"):
            table: DataTable[Any] = DataTable(id="hypotheses-list", cursor_type="row")
            table.add_column("id", key="id")
            table.add_column("verdict", key="verdict")
            table.add_column("statement", key="statement")
            yield table
            with VerticalScroll(id="hypothesis-detail"):
                yield Static(Text("loading…", style="italic"), id="hypothesis-claim")
                yield Static(id="hypothesis-history")
                yield Static(id="hypothesis-suggestion")
                yield Static(id="hypothesis-evidence")
        yield KeyFooter(["command_palette"], WIDE_FOOTER)

    def _title(self) -> Text:
        text = Text(" Hypotheses", style="bold")
        if self.notebook is not None:
            text.append(f" ({len(self.notebook.views)})", style="bold")
        metric = printable(self.state.metric)
        text.append(f"   {metric} ({self.state.mode})", style="dim")
        if self.read_only:
            text.append("   read-only", style="bold yellow")
        return text

    def on_mount(self) -> None:
        self.query_one("#hypotheses-list").focus()
        self._load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="hypotheses",
        description="Read the hypotheses and weigh their evidence",
    )
    def _load(self) -> None:
        self._pacer.loaded()
        self.post_message(NotebookLoaded(load_notebook(self._load_source, self.state)))

    @on(NotebookLoaded)
    def _loaded(self, message: NotebookLoaded) -> None:
        self.notebook = message.notebook
        self.query_one("#hypotheses-title", Static).update(self._title())
        table = self.query_one("#hypotheses-list", DataTable)
        highlighted = self.highlighted
        table.clear()
        for view in message.notebook.views:
            h = view.hypothesis
            table.add_row(
                Text(printable(h.id)),
                verdict_cell(view),
                Text(one_line(h.statement, 200)),
                key=h.id,
            )
        ids = [view.hypothesis.id for view in message.notebook.views]
        if highlighted is not None and highlighted.hypothesis.id in ids:
            table.move_cursor(row=ids.index(highlighted.hypothesis.id), animate=False)
        self._show_detail()

    @property
    def highlighted(self) -> HypothesisView | None:
        """The hypothesis under the cursor (None before loading, or when there is none)."""
        if self.notebook is None or not self.notebook.views:
            return None
        row = self.query_one("#hypotheses-list", DataTable).cursor_row
        return self.notebook.views[min(max(row, 0), len(self.notebook.views) - 1)]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        view = self.highlighted
        claim = self.query_one("#hypothesis-claim", Static)
        parts = ("#hypothesis-evidence", "#hypothesis-suggestion", "#hypothesis-history")
        for selector in parts:
            self.query_one(selector).display = view is not None
        if view is None:
            claim.update(Text(self._empty_text(), style="italic"))
            return
        claim.update(claim_text(view.entry, self.state.metric))
        self.query_one("#hypothesis-evidence", Static).update(evidence_renderable(view.evidence))
        self.query_one("#hypothesis-suggestion", Static).update(suggestion_text(view.evidence))
        self.query_one("#hypothesis-history", Static).update(history_text(view.entry))

    def _empty_text(self) -> str:
        if self.notebook is None:
            return "loading…"
        if self.read_only:
            return "A plain Ray Tune directory has no hypotheses."
        return "No hypotheses yet: a adds one (or write [[hypotheses]] in the config)."

    def action_move_cursor(self, step: int) -> None:
        table = self.query_one("#hypotheses-list", DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step), animate=False)

    def action_scroll_detail(self, direction: int) -> None:
        detail = self.query_one("#hypothesis-detail", VerticalScroll)
        detail.scroll_relative(y=direction * max(1, detail.size.height - 1), animate=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if notify_failure(self, event) is not None and self.notebook is None:
            self.query_one("#hypothesis-claim", Static).update(
                Text("could not read the hypotheses", style="bold red")
            )

    # -- judging ----------------------------------------------------------------------------------

    def _refuse_read_only(self) -> bool:
        if self.read_only:
            self.notify(
                "Read-only: a plain Ray Tune directory has no store to record this in.",
                title="Read-only",
                severity="warning",
                markup=False,
            )
        return self.read_only

    def action_judge(self, verdict: str) -> None:
        if self._refuse_read_only():
            return
        view = self.highlighted
        if view is None:
            self.notify("No hypothesis to judge: a adds one.", severity="warning", markup=False)
            return
        chosen = Verdict(verdict)
        self.app.push_screen(
            VerdictModal(view.hypothesis, chosen),
            lambda why: self._judged(view.hypothesis.id, chosen, why),
        )

    def _judged(self, hypothesis_id: str, verdict: Verdict, justification: str | None) -> None:
        if justification is not None:
            self.post_message(VerdictSubmitted(hypothesis_id, verdict, justification))

    def action_add_hypothesis(self) -> None:
        if self._refuse_read_only():
            return
        notebook = self.notebook
        if notebook is None or notebook.config is None:
            text = NO_CONFIG if notebook is not None else "Still loading: try again in a moment."
            self.notify(text, severity="warning", markup=False)
            return
        config = notebook.config
        live_ids = [v.hypothesis.id for v in notebook.views if v.entry.live]
        self.app.push_screen(
            HypothesisModal(
                config.tuned_names,
                lambda h: _problem(config, h, live_ids),
                next_hypothesis_id(v.hypothesis.id for v in notebook.views),
            ),
            self._added,
        )

    def _added(self, hypothesis: Hypothesis | None) -> None:
        if hypothesis is not None:
            self.post_message(HypothesisSubmitted(hypothesis))

    # -- live -------------------------------------------------------------------------------------

    def notebook_changed(self) -> None:
        """Something was saved: show it now."""
        self._load()

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = True

    def flush(self) -> None:
        """Weigh the evidence again (at most once per `RELOAD_INTERVAL`) if results came in."""
        if self._pacer.due(self):
            self._load()

    def on_screen_resume(self) -> None:
        self.flush()


def _problem(config: ExperimentConfig, hypothesis: Hypothesis, live_ids: list[str]) -> str | None:
    try:
        check_live_hypothesis(config, hypothesis, live_ids)
    except NotebookError as error:
        return str(error)
    return None


def next_hypothesis_id(taken: Iterable[str]) -> str:
    """The first free "H<n>" after the ones taken."""
    used = set(taken)
    number = len(used) + 1
    while f"H{number}" in used:
        number += 1
    return f"H{number}"
