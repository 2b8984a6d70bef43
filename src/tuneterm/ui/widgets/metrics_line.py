"""The header's line for a sweep that weighs several metrics: which one drives the scheduler and
the search, which are weighed beside it, and the key of the Pareto view."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tuneterm.domain.text import printable

ARROWS = {"max": "↑", "min": "↓"}
"""After a metric's name: which way is better."""


def metrics_line(metrics: Sequence[tuple[str, str]]) -> Text | None:
    """The line, e.g. " accuracy↑ drives scheduler & search · also val_loss↓ · F: Pareto"; None
    for a sweep with a single metric, whose header says all there is to say."""
    if len(metrics) < 2:
        return None
    (first, first_mode), *others = metrics
    line = Text(" ")
    line.append(printable(first) + ARROWS.get(first_mode, ""), style="bold")
    line.append(" drives scheduler & search")
    line.append(" · also ", style="dim")
    for index, (name, mode) in enumerate(others):
        if index:
            line.append(" ")
        line.append(printable(name) + ARROWS.get(mode, ""))
    line.append(" · F: Pareto", style="dim")
    return line
