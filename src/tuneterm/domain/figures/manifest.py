"""What the last figure drawing made: `FigureManifest`, kept as figures/figures.json beside the
journal. The journal reads it to link the figures that were drawn and to say which were not, and
why; a test reads it to know what a picture shows without looking at its pixels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuneterm.domain.figures.plan import FigurePlan
from tuneterm.domain.text import one_line

FORMAT = 1
"""The manifest's layout; a manifest of another layout reads as none."""


@dataclass(frozen=True, slots=True)
class DrawnFigure:
    """One figure of the last drawing, drawn or not."""

    name: str
    title: str
    file: str | None
    """Its file name in figures/; None when it could not be drawn."""
    problem: str | None = None
    """Why it is not there, in one line."""
    hypotheses: tuple[str, ...] = ()
    """The hypotheses it is evidence for."""
    series: tuple[tuple[str, int], ...] = ()
    """Each series' label and number of points."""


@dataclass(frozen=True, slots=True)
class FigureManifest:
    """The last drawing: when, from how much of the store, and each figure."""

    drawn_at: float
    seq: int
    """The store's last event when the data was read: nothing newer is drawn."""
    trials: int
    figures: tuple[DrawnFigure, ...] = ()
    problem: str | None = None
    """Why this drawing failed as a whole (the figures listed are an earlier drawing's)."""


def drawn(plan: FigurePlan, file: str) -> DrawnFigure:
    return DrawnFigure(plan.name, plan.title, file, None, plan.hypotheses, plan.series_counts)


def not_drawn(plan: FigurePlan, problem: str) -> DrawnFigure:
    return DrawnFigure(
        plan.name, plan.title, None, one_line(problem, 300), plan.hypotheses, plan.series_counts
    )


def manifest_json(manifest: FigureManifest) -> dict[str, Any]:
    """The manifest as JSON-ready data."""
    return {
        "format": FORMAT,
        "drawn_at": manifest.drawn_at,
        "seq": manifest.seq,
        "trials": manifest.trials,
        "problem": manifest.problem,
        "figures": [
            {
                "name": figure.name,
                "title": figure.title,
                "file": figure.file,
                "problem": figure.problem,
                "hypotheses": list(figure.hypotheses),
                "series": [{"label": label, "points": n} for label, n in figure.series],
            }
            for figure in manifest.figures
        ],
    }


def read_manifest(data: object) -> FigureManifest | None:
    """The manifest in `data` (parsed JSON); None when it is not one this code wrote."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        return None
    try:
        figures = tuple(_figure(entry) for entry in data.get("figures") or ())
        problem = data.get("problem")
        return FigureManifest(
            float(data["drawn_at"]),
            int(data["seq"]),
            int(data["trials"]),
            figures,
            one_line(str(problem), 300) if problem else None,
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _figure(entry: Mapping[str, Any]) -> DrawnFigure:
    file, problem = entry.get("file"), entry.get("problem")
    return DrawnFigure(
        str(entry["name"]),
        str(entry["title"]),
        str(file) if file else None,
        one_line(str(problem), 300) if problem else None,
        tuple(str(h) for h in entry.get("hypotheses") or ()),
        tuple(_series(item) for item in entry.get("series") or ()),
    )


def _series(item: Mapping[str, Any]) -> tuple[str, int]:
    return str(item["label"]), int(item["points"])


def with_problem(manifest: FigureManifest | None, problem: str, now: float) -> FigureManifest:
    """`manifest` (or an empty one) saying that the last drawing failed, and why."""
    if manifest is None:
        return FigureManifest(now, 0, 0, (), one_line(problem, 300))
    return FigureManifest(
        manifest.drawn_at, manifest.seq, manifest.trials, manifest.figures, one_line(problem, 300)
    )
