"""The sweep's header: name, status, elapsed time, trials by state, the best trial so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

from tuneterm.domain.status import EndReason, SweepStatus, TrialStatus
from tuneterm.domain.sweep.rows import FLAGGED
from tuneterm.domain.text import duration, one_line, printable
from tuneterm.ui.format import metric_text
from tuneterm.ui.widgets.metrics_line import metrics_line

WAITING_TEXT = "Starting Ray… (waiting for the driver's first event)"
WHERE_SHOWN = 48
"""Characters of a filter expression the header shows at most."""
READ_ONLY_STATUS = "read-only"
"""The status shown for a source no driver reads (a plain Ray Tune directory)."""

COUNT_LABELS: tuple[tuple[str, str], ...] = (
    (TrialStatus.PENDING, "pending"),
    (TrialStatus.RUNNING, "running"),
    (TrialStatus.PAUSED, "paused"),
    (EndReason.COMPLETED, "completed"),
    (EndReason.SCHEDULER, "stopped"),
    (EndReason.USER, "by user"),
    (EndReason.RULE, "by rule"),
    (EndReason.ERROR, "error"),
    (EndReason.INTERRUPTED, "interrupted"),
)
"""Count keys (a trial's category) in display order, with their label; paused, stopped by a
health rule and interrupted show only when non-zero."""
_OPTIONAL_COUNTS = frozenset({TrialStatus.PAUSED, EndReason.RULE, EndReason.INTERRUPTED})

STATUS_STYLES: dict[str, str] = {
    SweepStatus.RUNNING: "bold green",
    SweepStatus.FINISHED: "bold blue",
    SweepStatus.STOPPED: "bold yellow",
    SweepStatus.CRASHED: "bold red",
    SweepStatus.FAILED: "bold red",
    READ_ONLY_STATUS: "bold cyan",
}
_EXPLAINED_STATUSES = frozenset({SweepStatus.CRASHED, SweepStatus.FAILED, SweepStatus.STOPPED})
"""Statuses shown with the driver's word on why the sweep ended."""


@dataclass(frozen=True, slots=True)
class SweepFacts:
    """What the header shows, copied out of the sweep state under its lock."""

    name: str
    status: str
    """A `SweepStatus` as recorded, or `READ_ONLY_STATUS` for a plain Ray directory."""
    metric: str
    elapsed: float | None
    counts: Mapping[str, int] = field(default_factory=dict)
    best_trial_id: str | None = None
    best_value: float | None = None
    waiting: bool = False
    """No event has arrived yet: the driver is still starting Ray."""
    driver_alive: bool | None = None
    message: str = ""
    """Why the sweep ended, when it crashed, failed or was stopped."""
    state_filter: str | None = None
    """The count key the table is filtered on, if any."""
    feed_error: str | None = None
    """Why reading the store stopped, if it did."""
    pending_action: str | None = None
    """"stopping sweep…" while a request to stop the whole sweep waits for the driver."""
    where: str = ""
    """The filter expression the table and plots are narrowed by ("" while there is none)."""
    metrics: tuple[tuple[str, str], ...] = ()
    """Every metric with its mode; the first drives the scheduler and the search."""
    shown: int | None = None
    """How many trials the table's filters keep (None: not counted)."""


def status_text(facts: SweepFacts) -> Text:
    if facts.status == SweepStatus.RUNNING and facts.driver_alive is False:
        return Text("running? (driver not responding)", style="bold red")
    label = printable(facts.status)
    if facts.status in _EXPLAINED_STATUSES and facts.message:
        label += ": " + one_line(facts.message, 60)
    return Text(label, style=STATUS_STYLES.get(facts.status, "bold"))


def first_line(facts: SweepFacts) -> Text:
    line = Text(" ")
    line.append(printable(facts.name) or "(unnamed)", style="bold")
    line.append("  ")
    if facts.feed_error:
        line.append(f"feed stopped: {facts.feed_error}", style="bold red")
        return line
    if facts.waiting:
        line.append(WAITING_TEXT, style="bold yellow")
        return line
    line.append_text(status_text(facts))
    if facts.pending_action:
        line.append(f"  {printable(facts.pending_action)}", style="bold yellow")
    line.append(f"  elapsed {duration(facts.elapsed, clock=True)}")
    if facts.best_trial_id is not None:
        line.append("  best ")
        line.append(f"{printable(facts.metric)} {metric_text(facts.best_value)}", style="bold")
        line.append(f" ★ {printable(facts.best_trial_id)}")
    return line


def second_line(facts: SweepFacts, width: int | None = None) -> Text:
    """The filter expression, how many trials the filters keep ("5 of 10 trials shown"), the
    trials by state. Fitted to `width` (None: no limit): zero counts left out first, then the
    last counts, ending with "…"."""
    total = sum(facts.counts.values())
    head = Text(" ")
    if facts.where:  # first: at 80 columns the counts may be cut, the filter may not
        head.append("where ", style="italic")
        head.append(one_line(facts.where, WHERE_SHOWN), style="reverse bold")
        head.append("  ")
    filtered = facts.shown is not None and (facts.where or facts.state_filter is not None)
    head.append(f"{facts.shown} of {total} trials shown: " if filtered else f"{total} trials: ")
    tail = Text("  (⚠ flagged only)" if facts.state_filter == FLAGGED else "", style="italic")
    line = _with_counts(head, _count_parts(facts, drop_zeros=False), tail)
    if width is None or line.cell_len <= width:
        return line
    every = _count_parts(facts, drop_zeros=True)
    for kept in range(len(every), -1, -1):
        line = _with_counts(head, every[:kept], tail, cut=kept < len(every))
        if line.cell_len <= width:
            break
    return line


def _count_parts(facts: SweepFacts, *, drop_zeros: bool) -> list[tuple[str, str]]:
    """Each state's count as (text, style), the filtered one highlighted."""
    return [
        (f"{facts.counts.get(key, 0)} {label}", "reverse bold" if key == facts.state_filter else "")
        for key, label in COUNT_LABELS
        if facts.counts.get(key, 0)
        or facts.state_filter == key
        or not (drop_zeros or key in _OPTIONAL_COUNTS)
    ]


def _with_counts(
    head: Text, parts: list[tuple[str, str]], tail: Text, *, cut: bool = False
) -> Text:
    line = head.copy()
    for index, (text, style) in enumerate(parts):
        if index:
            line.append(", ")
        line.append(text, style=style)
    if cut:
        line.append(", …" if parts else "…")
    return line.append_text(tail)


class SweepHeader(Widget):
    """Two lines of facts about the sweep (a third names the metrics when there are several);
    repaints only the lines whose text changed."""

    DEFAULT_CSS = """
    SweepHeader { height: 2; }
    """

    def __init__(self, facts: SweepFacts, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.facts = facts
        self._lines = self._render_facts(facts, None)
        if len(self._lines) > 2:
            self.styles.height = len(self._lines)

    def show(self, facts: SweepFacts) -> None:
        """Show `facts`; a no-op (no bytes written) when the text would not change, and one
        line's worth when only the elapsed time ticked."""
        self.facts = facts
        lines = self._render_facts(facts, self.size.width or None)
        for y, (old, new) in enumerate(zip(self._lines, lines, strict=True)):
            if old != new:
                self.refresh(Region(0, y, self.size.width, 1))
        self._lines = lines

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line in self._lines)

    def on_resize(self) -> None:
        self._lines = self._render_facts(self.facts, self.size.width or None)
        self.refresh()

    @staticmethod
    def _render_facts(facts: SweepFacts, width: int | None) -> tuple[Text, ...]:
        second = Text() if facts.waiting else second_line(facts, width)
        third = metrics_line(facts.metrics)
        return (first_line(facts), second) + ((third,) if third is not None else ())

    def render(self) -> Text:
        text = Text("\n").join(self._lines)
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
