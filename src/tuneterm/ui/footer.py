"""`KeyFooter`: Textual's footer, leaving out some keys when the terminal is too narrow for all."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer


class KeyFooter(Footer):
    """A compact footer that shows the keys of `optional_actions` only from `wide_from` columns
    on; the help screen (`?`) lists every key at any width."""

    def __init__(self, optional_actions: Iterable[str], wide_from: int) -> None:
        super().__init__(compact=True)
        self.optional_actions = frozenset(optional_actions)
        self.wide_from = wide_from
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        self._wide = self.app.size.width >= self.wide_from
        for widget in super().compose():
            # Footer keys carry their binding's action (the widget class is private).
            if self._wide or getattr(widget, "action", None) not in self.optional_actions:
                yield widget

    def on_resize(self, event: events.Resize) -> None:
        if self._wide is not None and (self.app.size.width >= self.wide_from) != self._wide:
            self.call_after_refresh(self.recompose)
