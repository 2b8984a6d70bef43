"""`FilterModal`: one line to type a filter expression in, checked before it is applied."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tuneterm.domain.filter import (
    BUILTIN_NAMES,
    MAX_LENGTH,
    FilterError,
    TrialFilter,
    compile_filter,
)
from tuneterm.domain.text import one_line, printable

HINT = "enter applies · an empty line shows every trial · escape cancels"
EXAMPLE = 'e.g.  lr < 1e-3 and batch_norm  ·  state == "running"  ·  accuracy > 0.9'
NAMES_SHOWN = 300
"""Characters of the list of names shown at most."""


@dataclass(frozen=True, slots=True)
class FilterChoice:
    """What the user applied."""

    where: TrialFilter | None
    """The expression; None when the line was left empty (every trial is shown again)."""


def names_text(names: Sequence[str]) -> Text:
    """The names an expression may use, the sweep's own first (one that is no identifier,
    like `val/acc`, cannot be written)."""
    usable = [name for name in names if name.isidentifier()]
    text = Text("names: ", style="dim")
    text.append(one_line(", ".join([*usable, *BUILTIN_NAMES]), NAMES_SHOWN))
    return text


class ReportedMetricsRead(Message):
    """The metrics the trials report were read (off the UI thread)."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names


class FilterModal(ModalScreen[FilterChoice | None]):
    """Dismissed with a FilterChoice (enter, once the expression compiles) or None (escape)."""

    DEFAULT_CSS = """
    FilterModal {
        align: center middle;
        background: $background 60%;
    }
    #filter-dialog {
        width: 84;
        max-width: 100%;
        height: auto;
        border: thick $primary 70%;
        background: $surface;
        padding: 0 1;
    }
    #filter-input {
        margin-top: 1;
    }
    #filter-names, #filter-example {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel_filter",
            "Cancel",
            id="filter-cancel",
            tooltip="Close without changing the filter (enter applies the expression)",
        ),
    ]

    def __init__(
        self,
        text: str,
        names: Sequence[str],
        read_reported: Callable[[], Collection[str]] | None = None,
    ) -> None:
        super().__init__()
        self.text = text
        """The expression in force, to edit."""
        self.names = list(names)
        """The sweep's hyperparameters and metrics."""
        self.read_reported = read_reported
        """Reads the names of the metrics the trials report (on a worker); None: unknown."""
        self.reported: frozenset[str] = frozenset()
        """Metrics the trials report that are not among `names`, once read: naming one is
        refused with how to make it a metric of the sweep."""
        self.error: FilterError | None = None
        """Why the last expression submitted was refused."""

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-dialog"):
            yield Static(Text("Show only the trials where…", style="bold"), id="filter-title")
            yield Input(
                self.text,
                placeholder="an expression; empty: every trial",
                max_length=MAX_LENGTH,
                select_on_focus=False,
                id="filter-input",
            )
            yield Static(Text(HINT, style="dim"), id="filter-error")
            yield Static(Text(EXAMPLE), id="filter-example", markup=False)
            yield Static(names_text(self.names), id="filter-names")

    def on_mount(self) -> None:
        field = self.query_one("#filter-input", Input)
        field.focus()
        field.cursor_position = len(field.value)
        if self.read_reported is not None:
            self._read_reported()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="filter-names",
        description="Reading the metrics the trials report",
    )
    def _read_reported(self) -> None:
        if self.read_reported is not None:
            names = frozenset(self.read_reported()).difference(self.names)
            self.post_message(ReportedMetricsRead(names))

    @on(ReportedMetricsRead)
    def _reported_read(self, message: ReportedMetricsRead) -> None:
        self.reported = message.names

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.rstrip()
        if not text.strip():
            self.dismiss(FilterChoice(None))
            return
        try:
            where = compile_filter(text, self.names, self.reported)
        except FilterError as error:
            self._refused(error)
            return
        self.dismiss(FilterChoice(where))

    @on(Input.Changed, "#filter-input")
    def _changed(self) -> None:
        if self.error is not None:
            self.error = None
            self._say(Text(HINT, style="dim"))

    def _refused(self, error: FilterError) -> None:
        """Say why, and put the cursor where the problem is."""
        self.error = error
        self._say(Text(printable(str(error), escape_layout=True), style="bold red"))
        if error.column is not None:
            field = self.query_one("#filter-input", Input)
            field.cursor_position = min(error.column - 1, len(field.value))

    def _say(self, text: Text) -> None:
        self.query_one("#filter-error", Static).update(text)

    def action_cancel_filter(self) -> None:
        self.dismiss(None)
