"""`CompareScreen`: this experiment beside the others in the same directory: best metric, trials,
share stopped early, total time, best config (what `tuneterm compare` prints)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from tuneterm.domain.comparison import COLUMNS, ExperimentRow, comparison_cells
from tuneterm.domain.text import printable
from tuneterm.storage.sources.neighbours import neighbour_rows
from tuneterm.ui.messages import ExperimentsCompared
from tuneterm.ui.worker_errors import failure

CURRENT_MARK = "▶ "


class CompareScreen(Screen[None]):
    """A table of the experiments in this one's directory, this one marked ▶."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="compare-back", tooltip="Back"),
        Binding(
            "R",
            "reload",
            "Reload",
            id="compare-reload",
            tooltip="Read every experiment again (the others may have moved on)",
        ),
    ]

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        super().__init__()
        self.path = path
        self._clock = clock
        self.rows: list[ExperimentRow] | None = None
        """What is shown, once read."""

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="compare-title")
        table: DataTable[Any] = DataTable(id="compare-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Footer(compact=True)

    def _title(self) -> Text:
        text = Text(" Experiments in ", style="bold")
        text.append(printable(str(self.path.parent)), style="bold")
        if self.rows is None:
            text.append("   reading…", style="dim")
        else:
            text.append(f"   {len(self.rows)}, oldest first; ▶ is this one", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one("#compare-table").focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._read()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="compare",
        description="Read the experiments beside this one",
    )
    def _read(self) -> None:
        self.post_message(ExperimentsCompared(neighbour_rows(self.path, self._clock())))

    @on(ExperimentsCompared)
    def _compared(self, message: ExperimentsCompared) -> None:
        self.rows = list(message.rows)
        table = self.query_one("#compare-table", DataTable)
        table.clear()
        current = 0
        for index, row in enumerate(self.rows):
            ours = row.path.resolve() == self.path.resolve()
            current = index if ours else current
            cells = [Text(cell) for cell in comparison_cells(row)]
            cells[0] = Text(CURRENT_MARK if ours else "  ", style="bold") + cells[0]
            if ours:
                for cell in cells:
                    cell.stylize("bold")
            table.add_row(*cells, key=str(row.path))
        table.move_cursor(row=current, animate=False)
        self.query_one("#compare-title", Static).update(self._title())
        if not self.rows:
            self.query_one("#compare-title", Static).update(
                Text(" No tuneterm experiments beside this one.", style="italic")
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = failure(event)
        if error is not None:
            self.query_one("#compare-title", Static).update(
                Text(f" Could not read the experiments: {error}", style="bold red")
            )
