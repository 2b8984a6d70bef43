"""The keys that work on every screen: leave the dashboard, list every key. Each is declared here
once; the main screen lists them again only to place them in its footer."""

from __future__ import annotations

from textual.binding import Binding

DETACH = Binding(
    "q",
    "app.detach",
    "Quit",
    id="detach",
    tooltip="Leave the dashboard; the sweep keeps running (tuneterm attach DIR)",
)
SHOW_HELP = Binding(
    "question_mark",
    "app.show_help",
    "Help",
    id="show-help",
    key_display="?",
    tooltip="List every key",
)
COMMAND_PALETTE = Binding(
    "ctrl+p",
    "command_palette",
    "Commands",
    id="command-palette",
    tooltip="Search every command (sort, plots, theme, keys, ...)",
)
"""Textual's own key, declared by the app; here so that the help screen lists it."""
