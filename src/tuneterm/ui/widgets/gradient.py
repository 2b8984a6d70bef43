"""The colour scale of the metric plots: worse to better, dark to bright, the same in every plot;
and block and shade characters that say the same without colour."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

GRADIENT = ("#7b6fd6", "#4f9fe0", "#35c0c0", "#6fd46a", "#d0dc3a", "#ffd43b")
"""Worse to better, violet to gold, each light enough to read on a dark terminal: a line or cell
of quality q gets GRADIENT[level(q)]."""
BARS = "▂▃▄▅▆█"
"""The colour scale's legend, one block per colour, rising: readable without colour."""
SHADES = "░▒▓█"
"""Heat-grid cells, worse to better, readable without colour."""


def level(quality: float, levels: int = len(GRADIENT)) -> int:
    """0 for quality 0 (the worst) to `levels - 1` for quality 1 (the best)."""
    return min(levels - 1, max(0, int(quality * levels)))


def on_colour(background: str) -> str:
    """A text style readable on the `background` colour of the gradient."""
    dark = GRADIENT.index(background) < len(GRADIENT) // 2 if background in GRADIENT else True
    return f"{'bright_white' if dark else 'black'} on {background}"


def scale_legend(label: str, worst: str, best: str) -> Text:
    """ "accuracy 0.1 ▂▃▄▅▆█ 0.98": the metric's worst value, the scale, its best value."""
    text = Text(f"{label} {worst} ", style="dim")
    for bar, colour in zip(BARS, GRADIENT, strict=True):
        text.append(bar, colour)
    text.append(f" {best}", style="dim")
    return text


def wrapped(entries: Sequence[Text], width: int) -> list[Text]:
    """Legend entries on as few lines of `width` cells as they fit, two spaces apart."""
    lines: list[Text] = []
    line = Text()
    for entry in entries:
        if line.cell_len and line.cell_len + 2 + entry.cell_len > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append("  ")
        line.append_text(entry)
    lines.append(line)
    for text in lines:
        text.truncate(width)
    return lines
