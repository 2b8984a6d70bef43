"""`JournalScreen`: the experiment's journal, rendered in memory from the store as it is now (by
`tuneterm.storage.journal_service.JournalService`, on a worker thread)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static
from textual.worker import Worker

from tuneterm.domain.journal.data import JournalError
from tuneterm.domain.text import one_line, printable
from tuneterm.ui.messages import JournalRendered
from tuneterm.ui.pacing import Pacer
from tuneterm.ui.worker_errors import failure

RELOAD_INTERVAL = 5.0
"""Seconds between re-renders of the journal view while results come in."""


class JournalScreen(Screen[None]):
    """The journal, as Markdown; follows the sweep (re-rendered at most every few seconds)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="journal-back", tooltip="Back"),
        Binding(
            "w",
            "app.write_journal",
            "Write journal.md",
            id="write-journal",
            tooltip="Write this journal to journal.md now (beside it, if it was edited by hand)",
        ),
        Binding(
            "n",
            "app.write_note",
            "Note",
            id="journal-note",
            tooltip="Write a note about the whole sweep",
        ),
        Binding(
            "j",
            "scroll_journal(1)",
            "Scroll down",
            id="journal-scroll-down",
            show=False,
            tooltip="Scroll down (also the arrows and page keys)",
        ),
        Binding(
            "k",
            "scroll_journal(-1)",
            "Scroll up",
            id="journal-scroll-up",
            show=False,
            tooltip="Scroll up (also the arrows and page keys)",
        ),
    ]

    def __init__(self, render: Callable[[], str], *, read_only: bool) -> None:
        super().__init__()
        self._render_markdown = render
        self.read_only = read_only
        self.markdown: str | None = None
        """The Markdown shown, once rendered."""
        self._pacer = Pacer(RELOAD_INTERVAL)

    def compose(self) -> ComposeResult:
        yield Static(Text(" Journal", style="bold"), id="journal-title")
        with VerticalScroll(id="journal-body"):
            yield Markdown(id="journal-markdown")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#journal-body").focus()
        if self.read_only:
            self._show_error(
                "A plain Ray Tune directory has no journal: it is written for "
                "experiments started with `tuneterm run`."
            )
            return
        self._load()

    def action_scroll_journal(self, direction: int) -> None:
        self.query_one("#journal-body", VerticalScroll).scroll_relative(y=direction, animate=False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="journal-view",
        description="Render the journal",
    )
    def _load(self) -> None:
        self._pacer.loaded()
        try:
            self.post_message(JournalRendered(self._render_markdown(), None))
        except JournalError as exc:
            self.post_message(JournalRendered(None, str(exc)))

    @on(JournalRendered)
    async def _rendered(self, message: JournalRendered) -> None:
        if message.markdown is None:
            self._show_error(message.error or "the journal could not be rendered")
            return
        if message.markdown == self.markdown:
            return
        self.markdown = message.markdown
        title = Text(" Journal", style="bold")
        title.append("   as journal.md will read; w writes it now", style="dim")
        self.query_one("#journal-title", Static).update(title)
        await self.query_one("#journal-markdown", Markdown).update(message.markdown)

    def _show_error(self, error: str) -> None:
        title = Text(" Journal: ", style="bold")
        title.append(printable(one_line(error, 300)), style="yellow")
        self.query_one("#journal-title", Static).update(title)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = failure(event)
        if error is not None:
            self._show_error(f"could not render the journal: {error}")

    # -- live -------------------------------------------------------------------------------------

    def notebook_changed(self) -> None:
        if not self.read_only:
            self._load()

    def note_changes(self, changed_trial_ids: Iterable[str]) -> None:
        self._pacer.pending = not self.read_only

    def flush(self) -> None:
        """Re-render (at most once per `RELOAD_INTERVAL`) if the sweep moved on."""
        if self._pacer.due(self):
            self._load()

    def on_screen_resume(self) -> None:
        self.flush()
