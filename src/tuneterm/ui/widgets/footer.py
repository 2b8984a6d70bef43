"""`KeyFooter`: the main screen's key line, drawn as one widget.

Textual's `Footer` mounts a widget per key once the screen's bindings are known, after the first
layout: the dashboard's first frame would either wait ~50 ms for it or be painted again in full
when it fills in. This footer is a single line that renders the screen's active bindings the way
the compact `Footer` does (keys of one group share a description), leaves out some keys when the
terminal is too narrow for all, and re-renders only itself when the bindings change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

GAP = " "
"""Between two keys, as in the compact footer."""
GROUP_GAP = "  "
"""The least room left between the keys and the palette hint."""


class KeyFooter(Widget):
    """Shows the keys of `optional_actions` only from `wide_from` columns on; the help screen
    (`?`) lists every key at any width. A click on a key presses it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--disabled",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, optional_actions: Iterable[str], wide_from: int) -> None:
        super().__init__()
        self.optional_actions = frozenset(optional_actions)
        self.wide_from = wide_from
        self._spans: list[tuple[int, int, str]] = []
        """(first column, end column, key) of each key drawn, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def render(self) -> Text:
        line = Text(" ", no_wrap=True, overflow="crop", end="")
        self._spans = []
        for index, (keys, description, enabled) in enumerate(self._items()):
            if index:
                line.append(GAP)
            self._append(line, keys, description, enabled)
        hint = self._palette_hint()
        room = self.size.width - line.cell_len - hint.cell_len
        if hint and room >= len(GROUP_GAP):
            line.append(" " * room)
            line.append_text(hint)
        return line

    def _append(
        self, line: Text, keys: list[tuple[str, str]], description: str, enabled: bool
    ) -> None:
        """`keys` side by side (a group's keys: "↓↑gG"), then the description."""
        key_style = self.get_component_rich_style("key-footer--key")
        text_style = self.get_component_rich_style("key-footer--description")
        if not enabled:
            dim = self.get_component_rich_style("key-footer--disabled")
            key_style, text_style = key_style + dim, text_style + dim
        for key, display in keys:
            start = line.cell_len
            line.append(display, key_style)
            self._spans.append((start, line.cell_len, key))
        if description:
            line.append(f" {description}", text_style)

    def _items(self) -> Iterator[tuple[list[tuple[str, str]], str, bool]]:
        """(keys as (key, display), description, enabled) in the order Textual's footer uses:
        one item per action, and one per binding group of several actions."""
        wide = self.app.size.width >= self.wide_from
        by_action: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and (wide or binding.action not in self.optional_actions):
                by_action.setdefault(binding.action, (binding, enabled))
        for group, members in groupby(by_action.values(), lambda item: item[0].group):
            shown = list(members)
            if group is not None and len(shown) > 1:
                keys = [(b.key, self.app.get_key_display(b)) for b, _ in shown]
                yield keys, group.description, any(enabled for _, enabled in shown)
            else:
                for binding, enabled in shown:
                    display = self.app.get_key_display(binding)
                    yield [(binding.key, display)], binding.description, enabled

    def _palette_hint(self) -> Text:
        app = self.app
        if not app.ENABLE_COMMAND_PALETTE:
            return Text()
        active = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if active is None:
            return Text()
        key_style = self.get_component_rich_style("key-footer--key")
        hint = Text(app.get_key_display(active.binding), key_style)
        hint.append(" palette ", self.get_component_rich_style("key-footer--description"))
        return hint

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
