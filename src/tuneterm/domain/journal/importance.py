"""The journal's "Hyperparameter importance" section: each hyperparameter's share of the variance
of the metric explained, with the trials it rests on and the forest's fit; or why there is none."""

from __future__ import annotations

from tuneterm.domain.importance import METHOD, bar, fit_text, percent
from tuneterm.domain.journal.data import JournalData
from tuneterm.domain.journal.markdown import code, inline, table

BAR_CELLS = 20
"""A bar's length at 100 %."""


def importance_section(data: JournalData) -> list[str]:
    """The section's lines; none when the data carries no importance."""
    result = data.importance
    if result is None:
        return []
    lines = ["## Hyperparameter importance", ""]
    if result.reason:
        return [*lines, f"{inline(result.reason[:1].upper() + result.reason[1:])}."]
    lines.append(
        f"Each hyperparameter's share of the variance of {code(result.metric)} (each finished "
        f"trial's best value) explained: {METHOD}."
    )
    rows = [[code(name), percent(share), bar(share, BAR_CELLS)] for name, share in result.shares]
    lines += ["", *table(["parameter", "share", "bar"], rows), ""]
    lines.append(f"- **Trials:** {result.trials} finished (errored and running ones not counted)")
    lines.append(f"- **Fit:** {fit_text(result.fit)}")
    return lines
