"""The journal's "Hyperparameter importance" section: each hyperparameter's share of the variance
of the metric explained, with the trials it rests on and the forest's fit; or why there is none.
While the fit is too poor for the shares to mean anything (`Importance.warning`), the section says
so first and keeps the shares only for the record, not as a finding."""

from __future__ import annotations

from tuneterm.domain.importance import Importance, bar, fit_text, percent
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
        return [*lines, f"{_sentence(result.reason)}."]
    if result.warning:
        lines += [f"**Not meaningful yet: {inline(result.warning)}.**", ""]
    lines.append(
        f"Each hyperparameter's share of the variance of {code(result.metric)} (each finished "
        f"trial's best value) explained: {result.method}."
    )
    lines += ["", *_shares(result), ""]
    lines.append(f"- **Trials:** {result.trials} finished (errored and running ones not counted)")
    lines.append(f"- **Fit:** {fit_text(result.fit)}")
    return lines


def _shares(result: Importance) -> list[str]:
    """The shares as a table; while they are unreliable, introduced as such."""
    rows = [[code(name), percent(share), bar(share, BAR_CELLS)] for name, share in result.shares]
    if result.reliable:
        return table(["parameter", "share", "bar"], rows)
    intro = "The shares so far, for the record only (they firm up as more trials finish):"
    return [intro, "", *table(["parameter", "share so far", "bar"], rows)]


def _sentence(text: str) -> str:
    return inline(text[:1].upper() + text[1:])
