"""The "since you left" banner: what happened in the sweep while no dashboard showed it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.widgets import Static

DISMISS_HINT = "  (esc hides this)"


class AwayBanner(Static):
    """One or two lines under the sweep's header; a click or `escape` hides it."""

    DEFAULT_CSS: ClassVar[str] = """
    AwayBanner {
        height: auto;
        padding: 0 1;
        background: $accent-darken-2;
        color: $foreground;
    }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(self._content(text), id=id)
        self.text = text
        """The banner's words (without the hint)."""

    def show_text(self, text: str) -> None:
        self.text = text
        self.update(self._content(text))

    @staticmethod
    def _content(text: str) -> Text:
        # Built from the store's events, trial ids included: shown as text, never as markup.
        content = Text(text[:1].upper() + text[1:], style="bold")
        content.append(DISMISS_HINT, style="dim")
        return content

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.remove()
