"""The journal's "Figures" section: each figure of the last drawing as a relative Markdown image
link (figures/NAME.png, so that any Markdown preview shows it), and a line for each figure that
could not be drawn, saying why. Only figures whose file exists are linked (storage checks)."""

from __future__ import annotations

from urllib.parse import quote

from tuneterm.domain.figures.manifest import DrawnFigure, FigureManifest
from tuneterm.domain.journal.data import JournalData
from tuneterm.domain.journal.markdown import code, inline, when

NONE_YET = (
    "No figures yet: tuneterm draws them into `figures/` beside this journal while the sweep "
    "runs and when it ends (`tuneterm journal --write` draws them too)."
)


def figures_section(data: JournalData) -> list[str]:
    """The section's lines."""
    lines = ["## Figures", ""]
    manifest = data.figures
    if manifest is None or (not manifest.figures and manifest.problem is None):
        return [*lines, NONE_YET]
    lines.append(_drawn_when(manifest, data.figure_dir))
    if manifest.problem is not None:
        lines += ["", f"- **Figures not redrawn:** {inline(manifest.problem, 300)}"]
    for figure in manifest.figures:
        lines += ["", *_figure(figure, data.figure_dir)]
    return lines


def _drawn_when(manifest: FigureManifest, figure_dir: str) -> str:
    trials = "1 trial" if manifest.trials == 1 else f"{manifest.trials} trials"
    where = code(f"{figure_dir}/")
    return f"Drawn at {when(manifest.drawn_at)} from {trials}; the image files are in {where}."


def _figure(figure: DrawnFigure, figure_dir: str) -> list[str]:
    about = f" ({', '.join(inline(h, 40) for h in figure.hypotheses)})" if figure.hypotheses else ""
    heading = f"### {inline(figure.title, 200)}{about}"
    if figure.file is None:
        why = inline(figure.problem or "no reason recorded", 300)
        return [heading, "", f"- **Not drawn:** {why}"]
    href = quote(f"{figure_dir}/{figure.file}", safe="/-_.~")
    return [heading, "", f"![{_alt(figure.title)}]({href})"]


def _alt(text: str) -> str:
    """Image text that cannot end the link early."""
    escaped = inline(text, 200).replace("\\", "\\\\")
    return escaped.replace("[", "\\[").replace("]", "\\]")
