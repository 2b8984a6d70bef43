"""What a journal figure shows, decided without drawing it: `FigurePlan`, a plain description a
renderer (tuneterm.analysis.figures, matplotlib) follows line by line, and `FigureInput`, the
sweep as the plans read it.

Every choice is made here (which series, which colours, a log axis, the rungs), so that the
figures can be checked without matplotlib and the renderer stays a thin translation.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tuneterm.domain.config.space import Param
from tuneterm.domain.config.spec import Hypothesis
from tuneterm.domain.hypotheses.evidence import TrialCurve
from tuneterm.domain.importance import Importance
from tuneterm.domain.trial import Trial

PALETTE = (
    "#1f77b4",  # blue
    "#2ca02c",  # green
    "#ff7f0e",  # orange
    "#d62728",  # red
    "#9467bd",  # purple
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#17becf",  # cyan
)
"""Colours of the groups of a categorical hyperparameter, in the groups' order (false before
true: batch norm off is blue, on is green)."""
MOST_GROUPS = len(PALETTE)
MUTED = "#b0b0b0"
"""Trials drawn for context only (off the Pareto front)."""
BEST = "#000000"


class FigureKind(StrEnum):
    """How the renderer draws a plan."""

    SCATTER = "scatter"
    """Points, one series per group; `x_ticks` name the positions of a categorical x."""
    CURVES = "curves"
    """Lines against the iteration; `x_marks` are the scheduler's rungs."""
    BARS = "bars"
    """Horizontal bars: series[0].ys are the lengths, `x_ticks` name the bars."""
    PARALLEL = "parallel"
    """One vertical axis per entry of `axes` at x = 0, 1, ...; values normalised to [0, 1]."""
    PARETO = "pareto"
    """Points of two metrics; the front is highlighted and, for two metrics, joined."""


class Look(StrEnum):
    """How one series is drawn."""

    POINTS = "points"
    LINE = "line"
    BARS = "bars"


@dataclass(frozen=True, slots=True)
class PlotSeries:
    """One series: its points, its look, and its legend entry."""

    label: str
    """Legend text; series sharing a label share one legend entry."""
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    colour: str
    """A "#rrggbb" colour."""
    look: Look = Look.POINTS
    emphasis: bool = False
    """Drawn wider and on top (the best trial, the top trials, the front)."""


@dataclass(frozen=True, slots=True)
class ParallelAxis:
    """One axis of a parallel-coordinates figure."""

    name: str
    ticks: tuple[tuple[float, str], ...]
    """Positions in [0, 1] and their labels (each category, or the ends of a range)."""
    log: bool = False


@dataclass(frozen=True, slots=True)
class FigurePlan:
    """One figure, fully decided: what a renderer draws and what the journal says of it."""

    name: str
    """The file's stem in figures/: letters, digits, "-" and "_" only."""
    title: str
    kind: FigureKind
    series: tuple[PlotSeries, ...]
    x_label: str = ""
    y_label: str = ""
    log_x: bool = False
    x_ticks: tuple[tuple[float, str], ...] = ()
    """Named positions on x (a categorical x) or on y (bars)."""
    x_marks: tuple[float, ...] = ()
    """Dotted vertical guides: the scheduler's rungs."""
    x_marks_label: str = ""
    axes: tuple[ParallelAxis, ...] = ()
    hypotheses: tuple[str, ...] = ()
    """The ids of the hypotheses it is evidence for."""
    shade_label: str = ""
    """What colour stands for when series are shaded by value (parallel coordinates)."""

    @property
    def series_counts(self) -> tuple[tuple[str, int], ...]:
        """Each distinct series label and how many points it holds, in order."""
        counts: dict[str, int] = {}
        for series in self.series:
            counts[series.label] = counts.get(series.label, 0) + len(series.xs)
        return tuple(counts.items())


@dataclass(frozen=True, slots=True)
class FigureInput:
    """The sweep as the figures read it: gathered from the store by storage.figure_job."""

    metric: str
    mode: str
    params: tuple[Param, ...]
    """The tuned hyperparameters of the search space, in file order."""
    hypotheses: tuple[Hypothesis, ...]
    trials: tuple[Trial, ...]
    curves: tuple[TrialCurve, ...]
    """The metric per iteration, of the trials that reported it."""
    objectives: tuple[tuple[str, str], ...] = ()
    """Every metric with its mode, `metric` first; more than one gives a Pareto figure."""
    finals: Mapping[str, Sequence[float]] = field(default_factory=dict)
    """trial id -> its value of each of `objectives`, from its last report carrying them all."""
    milestones: tuple[float, ...] = ()
    """The scheduler's configured rungs (ASHA), before max_t."""
    importance: Importance | None = None
    """Each hyperparameter's share of the metric's variance, when it was computed."""

    def param(self, name: str) -> Param | None:
        return next((param for param in self.params if param.name == name), None)


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug(*words: str) -> str:
    """A file stem made of `words`: safe characters only, and a short checksum of the words
    whenever something had to be replaced, so that two names never share a file."""
    joined = "-".join(words)
    cleaned = _UNSAFE.sub("_", joined).strip("_")[:80] or "figure"
    if cleaned == joined:
        return cleaned
    return f"{cleaned}-{zlib.crc32(joined.encode('utf-8')):08x}"
