"""`HelpScreen`: every key of every screen, with what it does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

HelpSection = tuple[str, Sequence[BindingType]]
"""A heading and the bindings listed under it."""
ColumnLegend = Sequence[tuple[str, str]]
"""The trial table's columns: (short title, what it shows)."""


class HelpScreen(Screen[None]):
    """A scrollable list of keys, grouped by the screen they work on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "app.pop_screen",
            "Close",
            id="help-close",
            tooltip="Close the help and go back",
        ),
        Binding(
            "question_mark",
            "app.pop_screen",
            "Close",
            id="help-close-question",
            key_display="?",
            show=False,
            tooltip="Close the help and go back",
        ),
    ]

    def __init__(self, sections: Sequence[HelpSection], columns: ColumnLegend = ()) -> None:
        super().__init__()
        self.sections = sections
        self.columns = columns
        """Listed after the first section (the trial table's keys)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(" Keys", style="bold"), id="help-title")
            for index, (heading, bindings) in enumerate(self.sections):
                yield Static(self._section(heading, bindings), classes="help-section")
                if index == 0 and self.columns:
                    yield Static(self._columns_section(), classes="help-section")
        yield Footer(compact=True)

    def keys_text(self, binding: Binding) -> str:
        """Every key of a binding as the footer shows them: "↓ j"."""
        if binding.key_display:
            return binding.key_display
        keys = [key.strip() for key in binding.key.split(",")]
        return " ".join(self.app.get_key_display(Binding(key, binding.action)) for key in keys)

    def _columns_section(self) -> Table:
        """Each column's title (abbreviated, as a narrow terminal shows it) and what it shows."""
        table = Table(
            title=Text("Columns (abbreviated on narrow terminals)", style="bold"),
            title_justify="left",
            box=None,
            show_header=False,
            expand=True,
            pad_edge=False,
        )
        table.add_column("title", no_wrap=True, style="bold", min_width=8)
        table.add_column("what it shows", ratio=1)
        for title, shows in self.columns:
            table.add_row(Text(title), Text(shows, style="dim"))
        return table

    def _section(self, heading: str, bindings: Sequence[BindingType]) -> Table:
        table = Table(
            title=Text(heading, style="bold"),
            title_justify="left",
            box=None,
            show_header=False,
            expand=True,
            pad_edge=False,
        )
        table.add_column("key", no_wrap=True, style="bold", min_width=8)
        table.add_column("action", no_wrap=True, min_width=15)
        table.add_column("what it does", ratio=1)
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            table.add_row(
                Text(self.keys_text(binding)),
                Text(binding.description),
                Text(binding.tooltip, style="dim"),
            )
        return table
