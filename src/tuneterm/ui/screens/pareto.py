"""`ParetoScreen`: the trade-off between the sweep's metrics, two at a time.

A scatter of every trial on two metrics: the trials no other trial beats on all the sweep's metrics
at once (domain.pareto) are marked and joined by the front line, the others dimmed; under it, the
front's trials with each metric and their hyperparameters (columns that do not fit scroll with
←/→). Values are each trial's last reported value of each metric, one consistent vector per trial
(the other views use each trial's best value of the first metric); the legend says so. It shows
the trials the table shows (its filter).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll

from tuneterm.domain.pareto import pareto_front
from tuneterm.domain.sweep.rows import TrialRow
from tuneterm.domain.sweep.state import SweepState
from tuneterm.domain.text import printable
from tuneterm.ui.format import compact_value, metric_text
from tuneterm.ui.screens.live_plot import Describe, Keep, LivePlotScreen, no_filter, nothing_to_show
from tuneterm.ui.widgets.chart import Chart, Figure, Series
from tuneterm.ui.widgets.front_table import FrontTable
from tuneterm.ui.widgets.metrics_line import ARROWS

FRONT_STYLE = "bold green"
LINE_STYLE = "green"
DOMINATED_STYLE = "bright_black"
FRONT_MARKER = "●"
DOMINATED_MARKER = "·"
VALUES_NOTE = "values: last reports"
"""What the legend says of the values plotted."""
ONE_METRIC_HINT = 'Weigh several with [experiment] metrics = { val_loss = "min" } in the config'

Objective = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ParetoData:
    """A copy of what the view needs, taken under the sweep state's lock."""

    metrics: tuple[Objective, ...]
    """Every metric with its mode; the first drives the scheduler and the search."""
    rows: Sequence[TrialRow]
    """The trials the table's filter keeps."""
    total: int
    """Every trial, kept or not."""
    tuned: Sequence[str]
    front: frozenset[str]
    """The ids of the kept trials on the Pareto front over every metric."""

    def vector(self, row: TrialRow) -> tuple[float | None, ...]:
        """The trial's last value of each metric."""
        primary = self.metrics[0][0]
        return tuple(row.value(name, primary) for name, _ in self.metrics)


def pareto_data(state: SweepState, keep: Keep | None) -> ParetoData:
    with state.lock:
        rows, metrics, tuned = state.rows(), state.metrics, list(state.tuned)
    kept = [row for row in rows if keep is None or keep(row)]
    primary = metrics[0][0]
    points = [(row.trial_id, [row.value(name, primary) for name, _ in metrics]) for row in kept]
    front = frozenset(pareto_front(points, [mode for _, mode in metrics]))
    return ParetoData(metrics, kept, len(rows), tuned, front)


def axis_pairs(count: int) -> list[tuple[int, int]]:
    """Which metrics the scatter can show, as (x, y) indices: every pair, the first metric first."""
    return list(itertools.combinations(range(count), 2))


def labelled(objective: Objective) -> str:
    """The name and which way is better: "val_loss↓"."""
    name, mode = objective
    return printable(name) + ARROWS.get(mode, "")


def front_figure(
    data: ParetoData,
    pair: tuple[int, int],
    empty_text: str = "no trial has reported these two metrics yet",
) -> Figure:
    """The scatter of metric `pair[0]` (x) against `pair[1]` (y)."""
    shown = _points(data, pair)
    front = [(x, y) for trial_id, x, y in shown if trial_id in data.front]
    others = [(x, y) for trial_id, x, y in shown if trial_id not in data.front]
    line = _front_line(shown, data, pair)
    series = [  # drawn in this order: the front's markers on top
        _series("dominated", others, DOMINATED_STYLE, DOMINATED_MARKER),
        _series("front", line, LINE_STYLE, None),
        _series("on the front", front, FRONT_STYLE, FRONT_MARKER),
    ]
    return Figure(
        series,
        x_label=labelled(data.metrics[pair[0]]),
        legend=_legend(len(front), len(others), len(data.metrics) > 2),
        empty_text=empty_text,
    )


def _series(
    label: str, points: list[tuple[float, float]], style: str, marker: str | None
) -> Series:
    return Series(label, [x for x, _ in points], [y for _, y in points], style, marker)


def _points(data: ParetoData, pair: tuple[int, int]) -> list[tuple[str, float, float]]:
    """(trial id, x, y) of the kept trials that reported both metrics."""
    points = []
    for row in data.rows:
        vector = data.vector(row)
        x, y = vector[pair[0]], vector[pair[1]]
        if x is not None and y is not None:
            points.append((row.trial_id, x, y))
    return points


def _front_line(
    shown: list[tuple[str, float, float]], data: ParetoData, pair: tuple[int, int]
) -> list[tuple[float, float]]:
    """The front of the two metrics shown, along x: with two metrics, the front itself."""
    modes = [data.metrics[pair[0]][1], data.metrics[pair[1]][1]]
    ids = set(pareto_front([(tid, (x, y)) for tid, x, y in shown], modes))
    return sorted((x, y) for tid, x, y in shown if tid in ids)


def _legend(on_front: int, dominated: int, several_pairs: bool) -> list[tuple[str, str]]:
    line = "━ front of these two" if several_pairs else "━ front"
    return [
        (f"{FRONT_MARKER} on the front ({on_front})", FRONT_STYLE),
        (f"{DOMINATED_MARKER} dominated ({dominated})", DOMINATED_STYLE),
        (line, LINE_STYLE),
        (VALUES_NOTE, "dim"),
    ]


def front_rows(data: ParetoData) -> list[TrialRow]:
    """The front's trials, best first by the metric that drives the search."""
    sign = -1.0 if data.metrics[0][1] == "max" else 1.0
    on_front = [row for row in data.rows if row.trial_id in data.front]
    return sorted(on_front, key=lambda row: sign * (row.last_metric or 0.0))


def front_table(data: ParetoData) -> tuple[list[str], list[list[str]], list[bool]]:
    """The list of the front: the titles, one line per trial (its id, each metric, its
    hyperparameters), and which columns are right-aligned (the metrics)."""
    cells = [
        [printable(row.trial_id)]
        + [metric_text(value) for value in data.vector(row)]
        + [compact_value(row.config.get(name)) for name in data.tuned]
        for row in front_rows(data)
    ]
    titles = ["trial"] + [labelled(m) for m in data.metrics] + [printable(n) for n in data.tuned]
    right = [0 < column <= len(data.metrics) for column in range(len(titles))]
    return titles, cells, right


class ParetoScreen(LivePlotScreen):
    """The Pareto front of the sweep's metrics; `m` shows the next pair, `s` swaps the axes."""

    DEFAULT_CSS = """
    ParetoScreen #pareto-chart { height: 1fr; min-height: 8; }
    ParetoScreen #pareto-list-box { height: auto; max-height: 45%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "app.pop_screen", "Back", id="pareto-back", tooltip="Back to the trial table"
        ),
        Binding(
            "m",
            "cycle_metrics",
            "Metrics",
            id="cycle-pareto-metrics",
            tooltip="Plot the next pair of the sweep's metrics (when it weighs more than two)",
        ),
        Binding(
            "s",
            "swap_axes",
            "Swap axes",
            id="swap-pareto-axes",
            tooltip="Swap the two metrics between the x and y axes",
        ),
        Binding(
            "left",
            "scroll_columns(-1)",
            "Columns left",
            id="pareto-columns-left",
            show=False,
            priority=True,
            tooltip="The list of the front: show the column left of those shown",
        ),
        Binding(
            "right",
            "scroll_columns(1)",
            "Columns right",
            id="pareto-columns-right",
            show=False,
            priority=True,
            tooltip="The list of the front: show the column right of those shown (‹3 more: ←→›)",
        ),
    ]

    def __init__(
        self, state: SweepState, keep: Keep | None = None, describe: Describe = no_filter
    ) -> None:
        super().__init__(state, keep, describe)
        self.data = pareto_data(state, keep)
        self.pair_index = 0
        """Which of `axis_pairs` is plotted."""
        self.swapped = False
        """Whether the pair's second metric is on the x axis."""

    def body(self) -> ComposeResult:
        yield Chart(id="pareto-chart")
        with VerticalScroll(id="pareto-list-box"):
            yield FrontTable(id="pareto-list")

    @property
    def pair(self) -> tuple[int, int] | None:
        """The metrics plotted, as (x, y) indices into the sweep's metrics; None for one metric."""
        pairs = axis_pairs(len(self.data.metrics))
        if not pairs:
            return None
        x, y = pairs[self.pair_index % len(pairs)]
        return (y, x) if self.swapped else (x, y)

    def reload(self) -> None:
        self.data = pareto_data(self.state, self.keep)

    def redraw(self) -> None:
        self.title_bar.show(*self._titles())
        chart = self.query_one("#pareto-chart", Chart)
        pair = self.pair
        chart.display = pair is not None
        if pair is not None:
            chart.show(front_figure(self.data, pair, self._nothing("these two metrics")))
        self._show_list()

    def _nothing(self, what: str) -> str:
        return nothing_to_show(self.data.total, len(self.data.rows), self.where(), what)

    def _titles(self) -> list[Text]:
        """The title, longest wording first."""
        pair, data = self.pair, self.data
        if pair is None:
            one = f" One metric, {labelled(data.metrics[0])}"
            return [Text(f"{one}: its Pareto front is the best trial", style="bold")]
        x, y = (labelled(data.metrics[index]) for index in pair)
        on, kept = len(data.front), len(data.rows)
        base = f" Pareto front: {y} against {x}  {on} of {kept} trials on it"
        filtered = f" (filtered from {data.total})" if kept < data.total else ""
        wordings = [
            Text(base + filtered, style="bold"),
            Text(base, style="bold"),
            Text(f" Pareto: {y} vs {x}, {on} of {kept} on it", style="bold"),
            Text(f" Pareto: {y} vs {x}", style="bold"),
        ]
        return self.with_filter(wordings)

    def _show_list(self) -> None:
        table, data = self.query_one("#pareto-list", FrontTable), self.data
        if not data.front:
            text = self._nothing("every metric")
            table.show_message(Text(f" {text[:1].upper()}{text[1:]}.", style="italic"))
            return
        hint = Text(" " + ONE_METRIC_HINT, style="dim") if len(data.metrics) == 1 else None
        table.show(*front_table(data), note=hint)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`m` needs three metrics (more than one pair), `s` two."""
        needed = {"cycle_metrics": 3, "swap_axes": 2}.get(action, 0)
        return len(self.data.metrics) >= needed

    def action_cycle_metrics(self) -> None:
        self.pair_index = (self.pair_index + 1) % max(1, len(axis_pairs(len(self.data.metrics))))
        self.swapped = False
        self.redraw()

    def action_swap_axes(self) -> None:
        self.swapped = not self.swapped
        self.redraw()

    def action_scroll_columns(self, step: int) -> None:
        self.query_one("#pareto-list", FrontTable).scroll_columns(step)
