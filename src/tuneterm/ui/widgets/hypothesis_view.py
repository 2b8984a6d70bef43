"""What the hypotheses screen shows: each hypothesis with the evidence computed from the sweep,
and how its parts are drawn (claim, verdicts, suggestion, evidence tables) as Rich text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tuneterm.domain.config.spec import ExperimentConfig, Hypothesis
from tuneterm.domain.hypotheses.evidence import (
    Evidence,
    GroupStats,
    TrialCurve,
    hypothesis_evidence,
)
from tuneterm.domain.hypotheses.notebook import HypothesisEntry
from tuneterm.domain.journal.markdown import toml_value, when
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import one_line, printable
from tuneterm.ui.format import compact_number
from tuneterm.ui.modals.verdict import VERDICT_STYLES


@dataclass(frozen=True, slots=True)
class HypothesisView:
    """One hypothesis as the screen shows it."""

    entry: HypothesisEntry
    evidence: Evidence

    @property
    def hypothesis(self) -> Hypothesis:
        return self.entry.hypothesis


@dataclass(frozen=True, slots=True)
class Notebook:
    """What the screen shows, read and computed off the UI thread."""

    views: tuple[HypothesisView, ...]
    config: ExperimentConfig | None
    """The recorded config: its search space checks new hypotheses (None: none recorded)."""


NotebookLoader = Callable[[], tuple[list[HypothesisEntry], ExperimentConfig | None]]
"""Reads the hypotheses (with their verdicts) and the config; called on a worker thread."""


def sweep_curves(state: SweepState) -> tuple[list[TrialCurve], str, str]:
    """Every trial's metric curve, with the metric and mode (copied under the state's lock)."""
    with state.lock:
        curves = [
            TrialCurve(
                row.trial_id,
                row.config,
                list(state.history(row.trial_id).iterations()),
                list(state.history(row.trial_id).values()),
            )
            for row in state.rows()
        ]
        return curves, state.metric, state.mode


def load_notebook(load: NotebookLoader, state: SweepState) -> Notebook:
    entries, config = load()
    curves, metric, mode = sweep_curves(state)
    views = []
    for entry in entries:
        h = entry.hypothesis
        param = config.param(h.parameter) if config is not None else None
        views.append(HypothesisView(entry, hypothesis_evidence(h, param, curves, metric, mode)))
    return Notebook(tuple(views), config)


# -- what is drawn --------------------------------------------------------------------------------


def verdict_cell(view: HypothesisView) -> Text:
    """The current verdict, or the evidence's suggestion (dim) while there is none."""
    current = view.entry.current
    if current is not None:
        return Text(current.verdict.label, style=VERDICT_STYLES[current.verdict])
    return Text(f"suggests {view.evidence.suggestion.label}", style="dim italic")


def expected_text(hypothesis: Hypothesis, metric: str) -> str:
    """The expected outcome in words: "higher lr, better accuracy", "batch_norm = true is best"."""
    parameter, expected = printable(hypothesis.parameter), hypothesis.expected
    if expected in ("higher", "lower"):
        return f"{expected} {parameter}, better {printable(metric)}"
    return f"{parameter} = {printable(toml_value(expected))} is best"


def claim_text(entry: HypothesisEntry, metric: str) -> Text:
    h = entry.hypothesis
    text = Text(f"{printable(h.id)}  ", style="bold")
    text.append(printable(h.statement), style="bold")
    text.append(f"\nexpected: {expected_text(h, metric)}")
    origin = f"added at {when(entry.added_at)}" if entry.live else "from the config"
    text.append(f" · {origin}", style="dim")
    if h.reasoning:
        text.append("\nreasoning: ", style="italic")
        text.append(printable(h.reasoning))
    return text


def groups_table(parameter: str, groups: Sequence[GroupStats]) -> Table:
    table = Table(
        box=None,
        pad_edge=False,
        header_style="bold dim",
    )
    table.add_column(Text(printable(parameter)), no_wrap=True)
    for name in ("n", "mean ± std", "median", "best"):
        table.add_column(Text(name), justify="right", no_wrap=True)
    for group in groups:
        stats = group.stats
        table.add_row(
            Text(printable(group.label)),
            Text(str(stats.n)),
            Text(f"{compact_number(stats.mean)} ± {compact_number(stats.std, 2)}"),
            Text(compact_number(stats.median)),
            Text(compact_number(stats.best)),
        )
    return table


def evidence_renderable(evidence: Evidence) -> RenderableType:
    metric = printable(evidence.metric)
    if not evidence.at_last:
        return Text(f"No trial has reported {metric} yet: no evidence.", style="italic")
    parts: list[RenderableType] = [
        Text(f"{metric} at each trial's last iteration", style="bold"),
        groups_table(evidence.parameter, evidence.at_last),
    ]
    if evidence.common_iteration is not None:
        title = f"{metric} at iteration {evidence.common_iteration}, which every trial reached"
        parts.append(Text("\n" + title, style="bold"))
        parts.append(groups_table(evidence.parameter, evidence.at_common))
    return Group(*parts)


def suggestion_text(evidence: Evidence) -> Text:
    text = Text("suggests ", style="bold")
    text.append(evidence.suggestion.label, style=VERDICT_STYLES[evidence.suggestion])
    if evidence.thin:
        text.append("  ⚠ thin evidence", style="bold yellow")
    text.append("\n" + one_line(evidence.reason, 500))
    return text


def history_text(entry: HypothesisEntry) -> Text:
    if not entry.verdicts:
        return Text("not judged yet: c confirms, r rejects, i marks it inconclusive", style="dim")
    heading = "verdict" if len(entry.verdicts) == 1 else "verdicts, the current one first"
    text = Text(heading, style="dim")
    for index, record in enumerate(reversed(entry.verdicts)):
        text.append(f"\n{when(record.time)}  ", style="dim" if index else "")
        text.append(record.verdict.label, style=VERDICT_STYLES[record.verdict])
        if record.justification:
            text.append("  " + one_line(record.justification, 300))
    return text
