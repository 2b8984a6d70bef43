"""The keys of a trial's output pane (`OutputPane`), listed by the help screen too."""

from __future__ import annotations

from textual.binding import Binding, BindingType

_MOVE = Binding.Group("Scroll", compact=True)

OUTPUT_BINDINGS: list[BindingType] = [
    Binding(
        "slash",
        "search",
        "Search",
        key_display="/",
        id="output-search",
        tooltip="Search the output as shown (a capital letter makes it case-sensitive)",
    ),
    Binding(
        "n",
        "next_match(-1)",
        "Next ↑",
        id="output-next-up",
        tooltip="The next match further up (older); reads back as far as it has to",
    ),
    Binding(
        "N",
        "next_match(1)",
        "Next ↓",
        id="output-next-down",
        show=False,
        tooltip="The next match further down (newer)",
    ),
    Binding(
        "s",
        "cycle_streams",
        "Streams",
        id="output-streams",
        tooltip="Show stdout and stderr together, stdout only, or stderr only",
    ),
    Binding(
        "G,end",
        "follow",
        "Follow",
        id="output-follow",
        tooltip="Go to the last line and follow new ones",
    ),
    Binding(
        "g,home",
        "oldest",
        "Oldest",
        id="output-oldest",
        show=False,
        tooltip="Go to the oldest line held; older ones are read as the view reaches them",
    ),
    Binding(
        "down,j",
        "scroll_lines(1)",
        "Down",
        id="output-down",
        group=_MOVE,
        show=False,
        tooltip="Scroll down a line; at the bottom, follow new lines again",
    ),
    Binding(
        "up,k",
        "scroll_lines(-1)",
        "Up",
        id="output-up",
        group=_MOVE,
        show=False,
        tooltip="Scroll up a line (following stops); older lines are read as needed",
    ),
    Binding(
        "pagedown",
        "scroll_pages(1)",
        "Page down",
        id="output-page-down",
        group=_MOVE,
        show=False,
        tooltip="Scroll down a page",
    ),
    Binding(
        "pageup",
        "scroll_pages(-1)",
        "Page up",
        id="output-page-up",
        group=_MOVE,
        show=False,
        tooltip="Scroll up a page",
    ),
    Binding(
        "right",
        "scroll_sideways(8)",
        "Right",
        id="output-right",
        group=_MOVE,
        show=False,
        tooltip="Scroll long lines to the right (a line cut at the edge ends in ›)",
    ),
    Binding(
        "left",
        "scroll_sideways(-8)",
        "Left",
        id="output-left",
        group=_MOVE,
        show=False,
        tooltip="Scroll back to the start of long lines",
    ),
    Binding(
        "escape",
        "close",
        "Back",
        id="output-close",
        tooltip="Close the search, or go back to the trial's overview",
    ),
]
