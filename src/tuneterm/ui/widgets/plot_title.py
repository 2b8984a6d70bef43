"""`PlotTitle`: a view's one-line title, worded to fit the width it has: the screen gives it
several wordings, longest first, and the first that fits is drawn."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget


def fitted(wordings: Sequence[Text], width: int) -> Text:
    """The first of `wordings` (longest first) no wider than `width` cells; when none is, the
    last, cut with …."""
    for wording in wordings:
        if wording.cell_len <= width:
            return wording
    if not wordings:
        return Text()
    last = wordings[-1].copy()
    last.truncate(width, overflow="ellipsis")
    return last


class PlotTitle(Widget):
    """One line on the panel's colour; `show` new wordings to redraw."""

    DEFAULT_CSS = """
    PlotTitle { height: 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.wordings: tuple[Text, ...] = ()

    def show(self, *wordings: Text) -> None:
        self.wordings = wordings
        self.refresh()

    @property
    def plain(self) -> str:
        """What is drawn now, as plain text."""
        return fitted(self.wordings, self.size.width).plain

    def render(self) -> Text:
        return fitted(self.wordings, self.size.width)
