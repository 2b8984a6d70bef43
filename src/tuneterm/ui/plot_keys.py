"""The main screen's key to parallel coordinates, declared beside the plots it opens."""

from __future__ import annotations

from textual.binding import Binding

SHOW_PARALLEL = Binding(
    "v",
    "app.show_parallel",
    "Parallel",
    id="show-parallel",
    show=False,
    tooltip="Parallel coordinates: a line per trial across the hyperparameters and the metric",
)
"""Left out of the footer, which has no room at 80 columns; help and the palette list it."""
